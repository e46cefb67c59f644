import * as fs from 'node:fs';
import * as core from '@actions/core';
import { State } from './constants.ts';
import { deleteMarkedDir } from './dirs.ts';
import { errorMessage } from './errors.ts';
import { getLoginLimits } from './inputs.ts';
import type { LoginLimits } from './inputs.ts';
import { logOut } from './logins.ts';
import type { Login } from './records.ts';
import { openRun } from './run.ts';
import type { Run } from './run.ts';
import { stopLeftovers, stopProcesses } from './runner.ts';
import type { Removal } from './removal.ts';

/**
 * The post step: removes exactly the credentials the main step stored, from where it stored
 * them, while they are still the ones it stored; then deletes this run's directory, any
 * temporary file of this run's left beside a credential file, and the job-private directory —
 * each only if this action made it. A credential that cannot be removed stays on the runner, so
 * that fails the step; one already gone, or replaced by a later login, does not.
 */
export async function post(): Promise<void> {
  let run: Run | undefined;
  let logins: Login[] = [];
  try {
    run = openRun(limits());
    // The credential agent (credential-helper) outlives the main step on purpose: it ends here.
    if (run && (await stopProcesses(run.records.running(true))) > 0) {
      core.info('Stopped the credential agent');
    }
    // Only a main step that was killed or cancelled can have left a CLI running.
    const stopped = run && !run.records.hasEnded() ? await stopLeftovers(run.records) : 0;
    if (stopped > 0) {
      core.info(`Stopped ${String(stopped)} CLI process(es) that the main step left running`);
    }
    logins = run?.records.logins() ?? [];
    report(run ? await logOut(run, logins) : []);
  } catch (error) {
    core.setFailed(errorMessage(error));
  }
  if (run !== undefined) {
    for (const file of run.files.removeLeftovers(logins.map((l) => l.file).filter(Boolean))) {
      core.info(`Deleted a temporary credential file left by an interrupted write: ${file}`);
    }
    deleteMarkedDir(run.dir);
  }
  const privateDir = core.getState(State.PrivateConfig);
  if (privateDir === '' || !fs.existsSync(privateDir)) return;
  if (deleteMarkedDir(privateDir)) {
    core.info(`Deleted the job-private credential directory ${privateDir}`);
  } else {
    core.warning(
      `The directory ${privateDir} named in the state was not made by this action: left alone.`,
    );
  }
}

/** The main step's login limits, which also bound each logout; the defaults if they are invalid. */
function limits(): LoginLimits {
  try {
    return getLoginLimits();
  } catch {
    return { attempts: 3, timeoutMs: 60_000 };
  }
}

/** One line per credential; fails the step when one could not be removed. */
function report(removals: Removal[]): void {
  const failures: string[] = [];
  let said = 0;
  for (const { login, ...removal } of removals) {
    const { host, cli } = login;
    if (removal.state === 'failed') {
      failures.push(`Could not log out of ${host} (${cli}): ${removal.error}`);
      continue;
    }
    const line = lineFor(removal.state, login);
    if (line === undefined) continue;
    core.info(line);
    said++;
  }
  if (said === 0 && failures.length === 0) core.info('No registry to log out of.');
  for (const failure of failures) core.error(failure);
  if (failures.length > 0) {
    throw new Error(`${failures.length} registry credential(s) could not be removed.`);
  }
}

/** What the log says of one removal; nothing for an interrupted login that never landed. */
function lineFor(state: 'removed' | 'gone' | 'replaced', login: Login): string | undefined {
  const what = `${login.host} (${login.cli})`;
  if (login.pending) {
    // A login the main step started but did not see through: it had stored a credential.
    return state === 'removed'
      ? `Removed the credential of an interrupted login to ${what}`
      : undefined;
  }
  if (state === 'replaced') {
    return `Left the credential of ${what} in place: a later login replaced this job's`;
  }
  return `${state === 'removed' ? 'Logged out of' : 'Already logged out of'} ${what}`;
}
