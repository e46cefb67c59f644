import * as core from '@actions/core';
import { Output, OutputPrefix } from './constants.ts';
import { errorMessage } from './errors.ts';
import { findClis } from './cli.ts';
import { fetchCredentials, groupByRegion, resolveRegion } from './ecr.ts';
import type { Credential } from './credential.ts';
import { Deadline } from './aws-client.ts';
import { Identities } from './identities.ts';
import { getInputs } from './inputs.ts';
import { proxyEnv } from './proxy.ts';
import type { ProxyEnv } from './proxy.ts';
import type { Inputs } from './inputs.ts';
import { logInWithAll, planLogins } from './logins.ts';
import type { LoginPlan } from './logins.ts';
import { needsRegion, outputSuffix, parseRegistries, withRegion, withRoles } from './registries.ts';
import type { ResolvedTarget } from './registries.ts';
import { clearStaging, endRun, recordLogin, startRun } from './state.ts';
import { stopAll } from './command.ts';
import { defaultStores, isolateStores } from './stores.ts';
import { writeSummary } from './summary.ts';
import type { SummaryRow } from './summary.ts';
import type { Cli } from './cli.ts';

/** The main step: validate, fetch tokens per region, log in to every registry, set outputs. */
export async function run(): Promise<void> {
  try {
    const inputs = getInputs();
    const proxy = proxyEnv(inputs.httpProxy);
    const targets = parseRegistries(inputs.registries, inputs.registryType);
    const region = needsRegion(targets) ? await resolveRegion(inputs.region) : '';
    const resolved = withRoles(withRegion(targets, region), inputs.registryRoles, inputs.role?.arn);
    const clis = await findClis(inputs.containerCli);
    const stores = inputs.isolateCredentials ? isolateStores(clis) : defaultStores();
    const runDir = startRun();
    const onSignal = (signal: NodeJS.Signals) => {
      interrupted(signal, runDir);
    };
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
    try {
      const plan = await planLogins(clis, stores, runDir);
      await logInToAll(inputs, resolved, plan, runDir, proxy);
    } finally {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      endRun(runDir);
    }
  } catch (error) {
    core.setFailed(errorMessage(error));
  }
}

/**
 * The step was cancelled (the runner sends SIGINT, then SIGTERM): the CLIs in flight are killed,
 * what they were writing is deleted, and the step ends. What did land is recorded already, and
 * the post step, which runs after a cancel too, logs out of it.
 */
function interrupted(signal: NodeJS.Signals, runDir: string): never {
  stopAll();
  clearStaging(runDir);
  core.info(`Stopped by ${signal}: the post step logs out of the registries logged in so far.`);
  process.exit(1);
}

/** Logs in to every registry of every group, then sets outputs and the summary. */
async function logInToAll(
  inputs: Inputs,
  resolved: ResolvedTarget[],
  plan: LoginPlan,
  runDir: string,
  proxy: ProxyEnv,
): Promise<void> {
  const session = new Session(inputs, plan, runDir, resolved.length);
  const deadline = new Deadline(inputs.apiTimeoutMs);
  const groups = groupByRegion(resolved);
  // Each role's credentials go to the API calls of its registries only.
  const identities = new Identities(inputs.roleSettings, proxy, deadline);
  const fail = (message: string) => session.failures.push(message);
  const results = await Promise.allSettled(
    groups.map(async (group) => {
      const role = group.role;
      const credentials = role
        ? await identities.credentialsOf(role, group.region, fail)
        : undefined;
      if (role && !credentials) return;
      const fetched = await fetchCredentials(group, {
        proxy,
        maskPassword: inputs.maskPassword,
        deadline,
        ...(credentials ? { credentials } : {}),
      });
      const served = fetched.map((c) =>
        c instanceof Error || !role ? c : { ...c, identity: role },
      );
      const order = group.targets.map((target) => resolved.indexOf(target));
      const logins = served.flatMap((c, i) => {
        if (!(c instanceof Error)) return [session.logIn(c, order[i] ?? i)];
        session.failures.push(c.message);
        return [];
      });
      await Promise.all(logins);
    }),
  );
  for (const result of results) {
    if (result.status === 'rejected') session.failures.push(errorMessage(result.reason));
  }
  await session.finish();
}

/** The logins of one run: what worked, what failed, and what the post step must undo. */
class Session {
  readonly failures: string[] = [];
  readonly #done: { credential: Credential; clis: Cli[]; order: number }[] = [];
  readonly #inputs: Inputs;
  readonly #plan: LoginPlan;
  readonly #runDir: string;
  readonly #asked: number;

  /** `asked`: how many registries the inputs name. */
  constructor(inputs: Inputs, plan: LoginPlan, runDir: string, asked: number) {
    this.#inputs = inputs;
    this.#plan = plan;
    this.#runDir = runDir;
    this.#asked = asked;
  }

  /**
   * Logs in to one registry with every CLI, records each login, and logs one group. `order` is
   * the registry's place in the inputs, which the outputs keep.
   */
  async logIn(credential: Credential, order: number): Promise<void> {
    const { host, region, expiresAt } = credential;
    const attempts = this.#inputs.loginAttempts;
    const results = await logInWithAll(
      host,
      credential,
      this.#plan,
      {
        attempts,
        timeoutMs: this.#inputs.loginTimeoutMs,
        onRetry: (attempt, delayMs, reason) => {
          core.info(
            `Login to ${host} failed (attempt ${attempt} of ${attempts}): ${reason}; ` +
              `retrying in ${(delayMs / 1000).toFixed(1)} s`,
          );
        },
      },
      (login) => {
        if (!this.#inputs.skipLogout) recordLogin(this.#runDir, login);
      },
    );
    const succeeded = results.flatMap((r) => ('output' in r ? [r] : []));
    for (const r of results) if ('error' in r) this.failures.push(r.error);
    if (succeeded.length === 0) return;
    this.#done.push({ credential, clis: succeeded.map((r) => r.cli), order });
    const as = credential.identity ? ` as ${credential.identity}` : '';
    core.startGroup(
      `Logged in to ${host} (${region}) with ${succeeded.map((r) => r.cli).join(', ')}${as}`,
    );
    for (const r of succeeded) {
      core.info(`${r.cli}: ${r.output || 'logged in'}`);
      if (r.note) core.info(`${r.cli}: ${r.note}`);
    }
    core.info(`Credentials expire at ${expiresAt.toISOString()}`);
    core.endGroup();
  }

  /** Sets the outputs, writes the job summary, and fails the step if any login failed. */
  async finish(): Promise<void> {
    const done = this.#done.sort((a, b) => a.order - b.order);
    const credentials = done.map((d) => d.credential);
    setOutputs(credentials, this.#asked, this.#inputs.maskPassword);
    const rows: SummaryRow[] = done.map(({ credential, clis }) => ({ ...credential, clis }));
    await writeSummary(rows, this.failures.length);
    if (this.failures.length === 1) throw new Error(this.failures[0]);
    if (this.failures.length > 1) {
      for (const failure of this.failures) core.error(failure);
      throw new Error(`${this.failures.length} registry logins failed; see the errors above.`);
    }
  }
}

/** The outputs; `registry` only when the inputs named one registry, as the official action. */
function setOutputs(credentials: Credential[], asked: number, maskPassword: boolean): void {
  if (credentials.length === 0) return;
  const [only] = credentials;
  if (asked === 1 && only) core.setOutput(Output.Registry, only.host);
  core.setOutput(Output.Registries, credentials.map((c) => c.host).join(','));
  for (const credential of credentials) {
    const suffix = outputSuffix(credential.host);
    core.setOutput(`${OutputPrefix.Username}${suffix}`, credential.username);
    core.setOutput(`${OutputPrefix.Password}${suffix}`, credential.password);
  }
  const earliest = Math.min(...credentials.map((c) => c.expiresAt.getTime()));
  core.setOutput(Output.ExpiresAt, new Date(earliest).toISOString());
  if (!maskPassword) {
    core.warning(
      "'mask-password' is false: the registry passwords in this step's outputs are not masked. " +
        'Pass them only to job outputs or service credentials, never print them.',
    );
  }
}
