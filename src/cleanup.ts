import * as fs from 'node:fs';
import * as core from '@actions/core';
import { errorMessage } from './errors.ts';
import { logOutOfAll } from './logins.ts';
import { loadLogins, loadPrivateConfig, loadRunDir, mainEnded } from './state.ts';
import type { Login } from './state.ts';
import { stopOrphans } from './orphans.ts';
import { removeLeftovers } from './stores.ts';

/**
 * The post step: logs out of exactly the registries the main step logged in to, from where it
 * stored them, then deletes this run's working directory, any temporary file of this action's
 * left beside a credential file, and the job-private credential directory if there is one. A
 * credential that cannot be removed stays on the runner, so that fails the step; one already
 * gone does not.
 */
export async function post(): Promise<void> {
  const runDir = loadRunDir();
  let logins: Login[] = [];
  try {
    // Only a main step that was killed or cancelled can have left a CLI running.
    const stopped = runDir === undefined || mainEnded(runDir) ? 0 : await stopOrphans(runDir);
    if (stopped > 0) {
      core.info(`Stopped ${String(stopped)} CLI process(es) that the main step left running`);
    }
    logins = loadLogins(runDir);
    await logOut(logins);
  } catch (error) {
    core.setFailed(errorMessage(error));
  }
  for (const file of removeLeftovers(logins.flatMap((l) => (l.file ? [l.file] : [])))) {
    core.info(`Deleted a temporary credential file left by an interrupted write: ${file}`);
  }
  if (runDir !== undefined) fs.rmSync(runDir, { recursive: true, force: true });
  const privateConfig = loadPrivateConfig();
  if (privateConfig !== undefined) {
    fs.rmSync(privateConfig, { recursive: true, force: true });
    core.info(`Deleted the job-private credential directory ${privateConfig}`);
  }
}

async function logOut(logins: Login[]): Promise<void> {
  const failures: string[] = [];
  let said = 0;
  for (const result of await logOutOfAll(logins)) {
    if ('error' in result) {
      failures.push(`Could not log out of ${result.host} (${result.cli}): ${result.error}`);
    } else if (!result.pending) {
      const done = result.removed ? 'Logged out of' : 'Already logged out of';
      core.info(`${done} ${result.host} (${result.cli})`);
      said++;
    } else if (result.removed) {
      // A login the main step started but did not see through: it had stored a credential.
      core.info(`Removed the credential of an interrupted login to ${result.host} (${result.cli})`);
      said++;
    }
  }
  if (said === 0 && failures.length === 0) core.info('No registry to log out of.');
  for (const failure of failures) core.error(failure);
  if (failures.length > 0) {
    throw new Error(`${failures.length} registry credential(s) could not be removed.`);
  }
}
