import * as core from '@actions/core';
import { Output, OutputPrefix } from './constants.ts';
import { errorMessage } from './errors.ts';
import { findClis } from './cli.ts';
import type { Credential } from './credential.ts';
import { fetchCredentials, resolveRegion } from './ecr.ts';
import { Deadline } from './aws-client.ts';
import { Identities } from './identities.ts';
import { getInputs } from './inputs.ts';
import type { Inputs, LoginLimits } from './inputs.ts';
import { startAgent } from './helper-mode.ts';
import type { Agent, Fetched } from './helper-mode.ts';
import { logIn, planLogins } from './logins.ts';
import type { Outcome, Plan } from './logins.ts';
import { proxyEnv } from './proxy.ts';
import type { ProxyEnv } from './proxy.ts';
import { groupByRegion, needsRegion, outputSuffix, targetLabel, withRegion } from './registries.ts';
import type { ResolvedTarget } from './registries.ts';
import type { RetryPolicy } from './retry.ts';
import { clearStaging, endRun, startRun } from './run.ts';
import type { Run } from './run.ts';
import { writeSummary } from './summary.ts';
import { infoUntrusted } from './untrusted.ts';

/** The main step: validate, fetch tokens per region, log in to every registry, set outputs. */
export async function run(): Promise<void> {
  try {
    const inputs = getInputs();
    const proxy = proxyEnv(inputs.httpProxy);
    const region = needsRegion(inputs.targets) ? await resolveRegion(inputs.region) : '';
    const targets = withRegion(inputs.targets, region);
    const clis = await findClis(inputs.containerCli);
    const run = startRun(retryPolicy(inputs.login), !inputs.skipLogout);
    const onSignal = (signal: NodeJS.Signals) => {
      interrupted(signal, run);
    };
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
    try {
      const plan = await planLogins(run, clis, inputs.isolateCredentials);
      const outcomes = inputs.credentialHelper
        ? await hookUpAll(inputs, targets, plan, proxy)
        : await logInToAll(inputs, targets, proxy, async (credential) => {
            const done = await logIn(plan, credential);
            logLanded(done);
            return done;
          });
      await report(outcomes, inputs, targets.length);
    } finally {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      endRun(run);
    }
  } catch (error) {
    core.setFailed(errorMessage(error));
  }
}

/** Every login's attempts and time limit, and one line in the log per retry. */
function retryPolicy(limits: LoginLimits): RetryPolicy {
  return {
    ...limits,
    onRetry: (host, attempt, delayMs, reason) => {
      // The reason is the CLI's own message: data, never a workflow command.
      infoUntrusted(
        `Login to ${host} failed (attempt ${attempt} of ${limits.attempts}): ${reason}; ` +
          `retrying in ${(delayMs / 1000).toFixed(1)} s`,
      );
    },
  };
}

/**
 * The step was cancelled (the runner sends SIGINT, then SIGTERM): the CLIs in flight are ended,
 * what they were writing is deleted, and the step ends. What did land is recorded already, and
 * the post step, which runs after a cancel too, logs out of it.
 */
function interrupted(signal: NodeJS.Signals, run: Run): never {
  run.runner.stopAll();
  clearStaging(run);
  core.info(`Stopped by ${signal}: the post step logs out of the registries logged in so far.`);
  process.exit(1);
}

/**
 * What becomes of a token the moment it arrives: `group` is the index of its group, `at` the
 * position of its registry in the inputs.
 */
type Land = (credential: Credential, group: number, at: number) => Promise<Outcome[]>;

/**
 * Fetches the tokens of every group (a role and a region) at once and lands each registry's
 * the moment it arrives; returns every outcome, in the order of the inputs.
 */
async function logInToAll(
  inputs: Inputs,
  targets: ResolvedTarget[],
  proxy: ProxyEnv,
  land: Land,
  groups = groupByRegion(targets),
): Promise<Outcome[]> {
  const deadline = new Deadline(inputs.apiTimeoutMs);
  // Each role's credentials go to the API calls of its registries only.
  const identities = new Identities(inputs.roleSettings, proxy, deadline);
  const outcomes = new Map<ResolvedTarget, Outcome[]>();
  const failed = (target: ResolvedTarget, error: unknown) => [fail(targetLabel(target), error)];
  const fetching = groups.map(async ({ role, ...group }, index) => {
    try {
      const credentials = role ? await identities.credentialsOf(role, group.region) : undefined;
      const options = { proxy, maskPassword: inputs.maskPassword, deadline };
      const fetched = await fetchCredentials(
        group,
        credentials ? { ...options, credentials } : options,
      );
      const logins = group.targets.map(async (target, i) => {
        const credential = fetched[i];
        if (credential === undefined || credential instanceof Error) {
          outcomes.set(target, failed(target, credential ?? 'no answer'));
          return;
        }
        const landed = role ? { ...credential, identity: role } : credential;
        outcomes.set(target, await land(landed, index, targets.indexOf(target)));
      });
      await Promise.all(logins);
    } catch (error) {
      for (const target of group.targets) outcomes.set(target, failed(target, error));
    }
  });
  await Promise.all(fetching);
  return targets.flatMap((target) => outcomes.get(target) ?? []);
}

/**
 * `credential-helper: true`: fetches every token first (bad input, denied access and API
 * failures fail as in the other mode), then starts the job's agent with them and points each
 * registry of each CLI at its helper.
 */
async function hookUpAll(
  inputs: Inputs,
  targets: ResolvedTarget[],
  plan: Plan,
  proxy: ProxyEnv,
): Promise<Outcome[]> {
  const groups = groupByRegion(targets);
  const fetched: (Fetched & { at: number })[] = [];
  const collect: Land = (credential, group, at) => {
    fetched.push({ credential, group, at });
    return Promise.resolve([]);
  };
  const failed = await logInToAll(inputs, targets, proxy, collect, groups);
  if (fetched.length === 0) return failed;
  fetched.sort((a, b) => a.at - b.at);
  let agent: Agent;
  try {
    agent = await startAgent(plan.run, inputs, proxy, groups, fetched);
  } catch (error) {
    const registries = fetched.map(({ credential }) => credential.host);
    return [...failed, ...registries.map((registry) => fail(registry, error))];
  }
  const pointed = { ...plan, helper: agent.helper };
  const hooked = await Promise.all(
    fetched.map(async ({ credential }) => {
      const done = await logIn(pointed, credential);
      logLanded(done);
      return done;
    }),
  );
  return [...failed, ...hooked.flat()];
}

const fail = (registry: string, error: unknown): Outcome => ({
  registry,
  ok: false,
  error: errorMessage(error),
});

/** One collapsed group in the log for a registry logged in to, with what each CLI said. */
function logLanded(outcomes: Outcome[]): void {
  const landed = outcomes.flatMap((o) => (o.ok ? [o] : []));
  const [first] = landed;
  if (first === undefined) return;
  const { host, region, identity, expiresAt } = first.credential;
  const as = identity ? ` as ${identity}` : '';
  core.startGroup(
    `Logged in to ${host} (${region}) with ${landed.map((o) => o.cli).join(', ')}${as}`,
  );
  const said = landed.flatMap(({ cli, output, note }) => [
    `${cli}: ${output || 'logged in'}`,
    ...(note ? [`${cli}: ${note}`] : []),
  ]);
  infoUntrusted(said.join('\n'));
  core.info(`Credentials expire at ${expiresAt.toISOString()}`);
  core.endGroup();
}

/**
 * Sets the outputs and the job summary from the outcomes, and fails the step if any login
 * failed. `asked`: how many registries the inputs name.
 */
async function report(outcomes: Outcome[], inputs: Inputs, asked: number): Promise<void> {
  const registries = new Map<string, { credential: Credential; clis: Outcome['cli'][] }>();
  for (const outcome of outcomes) {
    if (!outcome.ok) continue;
    const known = registries.get(outcome.registry) ?? { credential: outcome.credential, clis: [] };
    known.clis.push(outcome.cli);
    registries.set(outcome.registry, known);
  }
  // One role that cannot be assumed fails all its registries with one message: said once.
  const failures = [...new Set(outcomes.flatMap((o) => (o.ok ? [] : [o.error])))];
  const done = [...registries.values()];
  setOutputs(
    done.map((d) => d.credential),
    asked,
    inputs,
  );
  const rows = done.map(({ credential, clis }) => ({
    ...credential,
    clis: clis.flatMap((c) => (c ? [c] : [])),
  }));
  await writeSummary(rows, failures.length).catch((error: unknown) => {
    core.warning(`The job summary could not be written: ${errorMessage(error)}`);
  });
  if (failures.length === 1) throw new Error(failures[0]);
  if (failures.length > 1) {
    for (const failure of failures) core.error(failure);
    throw new Error(`${failures.length} registry logins failed; see the errors above.`);
  }
}

/**
 * The outputs; `registry` only when the inputs named one registry, as the official action; no
 * password outputs with the credential agent.
 */
function setOutputs(credentials: Credential[], asked: number, inputs: Inputs): void {
  if (credentials.length === 0) return;
  const [only] = credentials;
  if (asked === 1 && only) core.setOutput(Output.Registry, only.host);
  core.setOutput(Output.Registries, credentials.map((c) => c.host).join(','));
  for (const credential of credentials) {
    const suffix = outputSuffix(credential.host);
    core.setOutput(`${OutputPrefix.Username}${suffix}`, credential.username);
    // With the credential agent, no password leaves the step: not even as an output.
    if (!inputs.credentialHelper) {
      core.setOutput(`${OutputPrefix.Password}${suffix}`, credential.password);
    }
  }
  const earliest = Math.min(...credentials.map((c) => c.expiresAt.getTime()));
  core.setOutput(Output.ExpiresAt, new Date(earliest).toISOString());
  if (!inputs.maskPassword) {
    core.warning(
      "'mask-password' is false: the registry passwords in this step's outputs are not masked. " +
        'Pass them only to job outputs or service credentials, never print them.',
    );
  }
}
