import * as fs from 'node:fs';
import * as core from '@actions/core';
import { errorMessage } from './aws-errors.ts';
import { logout } from './docker.ts';
import { loadLogins, loadPrivateConfig } from './state.ts';
import type { Login } from './state.ts';

/**
 * The post step: logs out of exactly the registries the main step logged in to. A credential
 * that cannot be removed stays on the runner, so that fails the step; one already gone does not.
 */
export async function post(): Promise<void> {
  try {
    await logOut(loadLogins());
  } catch (error) {
    core.setFailed(errorMessage(error));
  }
  const privateConfig = loadPrivateConfig();
  if (privateConfig !== undefined) {
    fs.rmSync(privateConfig, { recursive: true, force: true });
    core.info(`Deleted the job-private docker config ${privateConfig}`);
  }
}

async function logOut(logins: Login[]): Promise<void> {
  if (logins.length === 0) {
    core.info('No registry to log out of.');
    return;
  }
  const byConfig = new Map<string, string[]>();
  for (const { host, config } of logins)
    byConfig.set(config, [...(byConfig.get(config) ?? []), host]);
  const failures: string[] = [];
  for (const [config, hosts] of byConfig) {
    for (const result of await logout(hosts, config)) {
      if ('error' in result) {
        failures.push(`Could not log out of ${result.host}: ${result.error}`);
      } else {
        core.info(
          result.removed ? `Logged out of ${result.host}` : `Already logged out of ${result.host}`,
        );
      }
    }
  }
  for (const failure of failures) core.error(failure);
  if (failures.length > 0) {
    throw new Error(`${failures.length} registry credential(s) could not be removed.`);
  }
}
