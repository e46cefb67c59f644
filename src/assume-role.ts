import * as core from '@actions/core';
import { fromTemporaryCredentials, fromWebToken } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity } from '@smithy/types';
import { clientConfig } from './aws-client.ts';
import type { Deadline } from './aws-client.ts';
import { errorMessage } from './errors.ts';
import { Input } from './constants.ts';
import type { RoleSettings } from './inputs.ts';
import { claimsOf } from './oidc-token.ts';
import type { ProxyEnv } from './proxy.ts';

/** A role to assume, and how. */
export type Role = RoleSettings & { arn: string };

/** Credentials of an assumed role, and what they were assumed with. */
export interface Assumed {
  credentials: AwsCredentialIdentity;
  via: 'oidc' | 'credentials';
}

/**
 * Assumes `role` with the SDK's own providers: AssumeRoleWithWebIdentity with GitHub's OIDC
 * token when the job may have one, else AssumeRole with the job's credentials. STS's endpoint,
 * retries, proxy and timeouts are those of every other API call of the step. The secret key and
 * session token are masked at once; nothing is exported or written. `idToken` gives GitHub's OIDC
 * token for an audience (the run asks for each audience once).
 */
export async function assumeRole(
  role: Role,
  region: string,
  proxy: ProxyEnv,
  deadline: Deadline,
  idToken: (audience: string) => Promise<string>,
): Promise<Assumed> {
  const { region: _r, ...settings } = clientConfig(region, proxy);
  const sts = { region, ...settings };
  const params = { roleArn: role.arn, roleSessionName: role.sessionName };
  const oidc = Boolean(
    process.env.ACTIONS_ID_TOKEN_REQUEST_URL && process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN,
  );
  let token = '';
  try {
    let credentials: AwsCredentialIdentity;
    if (oidc) {
      token = await deadline.race(idToken(role.audience));
      core.setSecret(token);
      const provider = fromWebToken({
        ...params,
        durationSeconds: role.durationSeconds,
        webIdentityToken: token,
        clientConfig: sts,
      });
      credentials = await deadline.race(provider());
    } else {
      const provider = fromTemporaryCredentials({
        params: {
          RoleArn: role.arn,
          RoleSessionName: role.sessionName,
          DurationSeconds: role.durationSeconds,
        },
        clientConfig: sts,
      });
      credentials = await deadline.race(provider());
    }
    core.setSecret(credentials.secretAccessKey);
    if (credentials.sessionToken) core.setSecret(credentials.sessionToken);
    const how = oidc ? "GitHub's OIDC token" : "the job's credentials";
    core.info(`Assumed ${role.arn} with ${how} (session ${role.sessionName})`);
    return { credentials, via: oidc ? 'oidc' : 'credentials' };
  } catch (error) {
    throw roleError(error, role, oidc, token, deadline);
  }
}

/** Says what went wrong in terms of the role, the token and the way out. */
function roleError(
  error: unknown,
  role: Role,
  oidc: boolean,
  token: string,
  deadline: Deadline,
): Error {
  const name = error instanceof Error ? error.name : 'Error';
  const detail = errorMessage(error);
  if (deadline.signal.aborted) {
    return new Error(
      `Assuming ${role.arn} timed out: no answer within ${String(deadline.ms / 1000)} s. ` +
        `Check that the runner can reach STS (or its proxy), or raise '${Input.ApiTimeout}'.`,
      { cause: error },
    );
  }
  if (
    !oidc &&
    (name === 'CredentialsProviderError' || /could not load credentials/i.test(detail))
  ) {
    return new Error(
      `'${Input.RoleToAssume}' needs something to assume the role with: GitHub's OIDC token ` +
        "(grant the job 'permissions: id-token: write') or AWS credentials from an earlier " +
        'step; neither is available.',
      { cause: error },
    );
  }
  if (oidc && (name === 'AccessDenied' || name === 'InvalidIdentityTokenException')) {
    const { aud, sub } = claimsOf(token);
    return new Error(
      `The role ${role.arn} refused GitHub's OIDC token (${name}: ${detail}): its trust policy ` +
        `must allow token.actions.githubusercontent.com for the token's aud '${aud}' and sub ` +
        `'${sub}'.`,
      { cause: error },
    );
  }
  if (!oidc && name === 'AccessDenied') {
    return new Error(`The job's credentials may not assume ${role.arn} (${name}: ${detail}).`, {
      cause: error,
    });
  }
  const via = oidc ? "GitHub's OIDC token" : "the job's credentials";
  return new Error(`Assuming ${role.arn} with ${via} failed: ${name}: ${detail}`, {
    cause: error,
  });
}
