import * as core from '@actions/core';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import type { AuthorizationData } from '@aws-sdk/client-ecr';
import { MAX_REGISTRY_IDS_PER_CALL } from './constants.ts';
import { awsError } from './aws-errors.ts';
import { clientConfig, logRetries } from './aws-client.ts';
import type { ApiOptions } from './aws-client.ts';
import { decodeToken } from './credential.ts';
import type { Credential } from './credential.ts';
import { isAwsEndpoint, isRegion, isRegistryHostIn, standardHost } from './registries.ts';
import type { Group, ResolvedTarget } from './registries.ts';

/** The job's region: the input, then AWS_REGION, AWS_DEFAULT_REGION and the shared config. */
export async function resolveRegion(input: string | undefined): Promise<string> {
  const env = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
  const region = input ?? (env || (await new ECRClient({}).config.region().catch(() => '')));
  if (region === '') {
    throw new Error(
      "No AWS region is set. Set the 'region' input, or AWS_REGION (aws-actions/configure-aws-credentials " +
        "sets it from its 'aws-region' input), or name registries by host.",
    );
  }
  if (!isRegion(region)) {
    throw new Error(`Invalid AWS region '${region}': expected a region such as us-east-1.`);
  }
  return region;
}

/**
 * Fetches the credentials of every target in a group, masking each password as it appears. A
 * target whose answer cannot be used is an Error in its place; the others are still served.
 */
export async function fetchCredentials(
  group: Group,
  options: ApiOptions,
): Promise<(Credential | Error)[]> {
  if (group.public) {
    const { fetchPublicCredential } = await import('./ecr-public.ts');
    return [await fetchPublicCredential(options)];
  }
  const client = new ECRClient({
    ...clientConfig(group.region, options.proxy),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  const watch = logRetries(client, `GetAuthorizationToken in ${group.region}`);
  try {
    const asked: (string[] | undefined)[] = [];
    if (group.targets.some((t) => t.kind === 'default')) asked.push(undefined);
    const accounts = [
      ...new Set(group.targets.flatMap((t) => ('account' in t ? [t.account] : []))),
    ];
    for (let i = 0; i < accounts.length; i += MAX_REGISTRY_IDS_PER_CALL) {
      asked.push(accounts.slice(i, i + MAX_REGISTRY_IDS_PER_CALL));
    }
    const calls = await Promise.all(
      asked.map(async (registryIds): Promise<Call> => {
        // Deprecated because the token opens every registry the caller may use in the region;
        // still sent, as it makes ECR answer each account's own proxy endpoint.
        // eslint-disable-next-line @typescript-eslint/no-deprecated
        const command = new GetAuthorizationTokenCommand(registryIds ? { registryIds } : {});
        core.debug(
          `GetAuthorizationToken in ${group.region} for ` +
            (registryIds ? registryIds.join(', ') : "the caller's own registry"),
        );
        const { deadline } = options;
        const sent = client.send(command, { abortSignal: deadline.signal });
        const answer = await deadline.race(sent).catch((error: unknown) => {
          throw awsError(error, 'ecr', group.region, watch, deadline);
        });
        return { registryIds, entries: checkAnswer(answer.authorizationData, group.region) };
      }),
    );
    // Every answer of a region usually carries the same token: decode and mask each one once.
    const decoded = new Map<string, { username: string; password: string }>();
    const decode = (token: string): { username: string; password: string } => {
      const known = decoded.get(token) ?? decodeToken(token, options.maskPassword);
      decoded.set(token, known);
      return known;
    };
    // From AWS's own API, an account is logged in only at a registry host of its own.
    const strict = isAwsEndpoint(watch.endpoint);
    return group.targets.map((target) => {
      try {
        return credentialFor(target, calls, decode, strict);
      } catch (error) {
        return error instanceof Error ? error : new Error(String(error));
      }
    });
  } finally {
    client.destroy();
  }
}

type Entry = { host: string; token: string; expiresAt: Date };
/** One GetAuthorizationToken call: the registry IDs asked for (none: the caller's own), the answer. */
type Call = { registryIds: string[] | undefined; entries: Entry[] };

function checkAnswer(data: AuthorizationData[] | undefined, region: string): Entry[] {
  if (!Array.isArray(data) || data.length === 0) {
    throw new Error(`ECR in ${region} answered GetAuthorizationToken with no authorization data.`);
  }
  return data.map((item) => {
    const { authorizationToken: token, proxyEndpoint, expiresAt } = item;
    if (!token || !proxyEndpoint || !(expiresAt instanceof Date)) {
      throw new Error(
        `ECR in ${region} answered GetAuthorizationToken without a token, proxy endpoint or expiry.`,
      );
    }
    const host = proxyEndpoint.replace(/^https?:\/\//, '').replace(/\/$/, '');
    if (!/^[a-z0-9][a-z0-9.-]*(:\d+)?$/i.test(host)) {
      throw new Error(`ECR in ${region} answered a proxy endpoint that is not a host: '${host}'.`);
    }
    if (expiresAt.getTime() <= Date.now()) {
      core.warning(
        `ECR in ${region} answered a token for ${host} that expired at ` +
          `${expiresAt.toISOString()}, before now (${new Date().toISOString()}): the runner's ` +
          'clock may be wrong, or something between the runner and AWS answered an old token.',
      );
    }
    return { host, token, expiresAt };
  });
}

function credentialFor(
  target: ResolvedTarget,
  calls: Call[],
  decode: (token: string) => { username: string; password: string },
  strict: boolean,
): Credential {
  let entry: Entry | undefined;
  let host: string | undefined;
  if (target.kind === 'default') {
    entry = calls.find((call) => call.registryIds === undefined)?.entries[0];
    host = entry?.host;
  } else if (target.kind === 'account' || target.kind === 'host') {
    entry = entryFor(target.account, calls);
    host = target.kind === 'host' ? target.host : entry?.host;
    host ??= standardHost(target.account, target.region);
  }
  const account = 'account' in target ? target.account : undefined;
  if (strict && target.kind !== 'host' && host && !isRegistryHostIn(host, target.region, account)) {
    throw new Error(
      `ECR in ${target.region} answered the proxy endpoint '${host}' for ` +
        `${account ?? "the caller's own registry"}, which is not an ECR registry host of ` +
        `${account ? 'that account' : 'an account'} in ${target.region}: not logged in.`,
    );
  }
  // The token stands for the caller's credentials, so any answer of the region opens the registry.
  entry ??= calls.flatMap((call) => call.entries)[0];
  if (entry === undefined || host === undefined) {
    throw new Error(`ECR in ${target.region} answered GetAuthorizationToken with no usable entry.`);
  }
  const { token, expiresAt } = entry;
  return { host, region: target.region, expiresAt, ...decode(token) };
}

/**
 * The answer for an account: the entry whose proxy endpoint names it, else — for an endpoint
 * that does not name accounts, such as a proxy — the entry in the same place as its registry ID.
 */
function entryFor(account: string, calls: Call[]): Entry | undefined {
  const entries = calls.flatMap((call) => call.entries);
  const byName = entries.find((entry) => entry.host.startsWith(`${account}.`));
  if (byName) return byName;
  const call = calls.find((c) => c.registryIds?.includes(account));
  const ids = call?.registryIds;
  return ids && call.entries.length === ids.length ? call.entries[ids.indexOf(account)] : undefined;
}
