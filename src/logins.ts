import * as path from 'node:path';
import * as core from '@actions/core';
import { errorMessage } from './errors.ts';
import type { Cli, LogoutResult } from './cli.ts';
import * as containers from './containers.ts';
import * as docker from './docker.ts';
import type { DockerPlan } from './docker.ts';
import type { RetryPolicy } from './retry.ts';
import type { Login, Recorder } from './state.ts';
import type { Stores } from './stores.ts';

/** What every login of a run needs: the CLIs, their stores, docker's rules for its directory. */
export interface LoginPlan {
  clis: Cli[];
  stores: Stores;
  docker: DockerPlan | undefined;
}

/** Reads what the logins depend on once, before any API call: a broken config fails here. */
export async function planLogins(clis: Cli[], stores: Stores, runDir: string): Promise<LoginPlan> {
  const dockerPlan = clis.includes('docker')
    ? await docker.planDocker(stores.docker, stores.private, runDir)
    : undefined;
  return { clis, stores, docker: dockerPlan };
}

/** One CLI's login to one registry. */
export type CliResult = { cli: Cli; output: string; note?: string } | { cli: Cli; error: string };

/**
 * Logs in to `host` with every CLI; `record` hears of each login the moment its credential can
 * land (pending) and when it has, so nothing stored goes unrecorded whatever stops the step.
 */
export async function logInWithAll(
  host: string,
  credential: { username: string; password: string },
  plan: LoginPlan,
  retry: RetryPolicy,
  record: Recorder,
): Promise<CliResult[]> {
  const { username, password } = credential;
  return Promise.all(
    plan.clis.map(async (cli): Promise<CliResult> => {
      try {
        if (cli === 'docker') {
          if (plan.docker === undefined) throw new Error('docker was asked for but not planned');
          const done = await docker.login(host, username, password, plan.docker, retry, record);
          core.debug(
            `docker login to ${host}: credential in ${done.login.helper || done.login.file}`,
          );
          return { cli, output: done.output, ...(done.note ? { note: done.note } : {}) };
        }
        const store = plan.stores.containers;
        core.debug(`${cli} login to ${host}, credentials in ${store || "the CLI's default file"}`);
        const output = await containers.login(cli, host, username, password, store, retry, record);
        return { cli, output };
      } catch (error) {
        return { cli, error: errorMessage(error) };
      }
    }),
  );
}

/** How a logout went, for which CLI, and whether the login was only pending. */
export type Logout = LogoutResult & { cli: Cli; pending: boolean };

/** Logs out of every recorded login, grouped by CLI and credential file. */
export async function logOutOfAll(logins: Login[]): Promise<Logout[]> {
  const groups = new Map<string, { cli: Cli; store: string; logins: Login[] }>();
  for (const login of logins) {
    const file =
      login.cli === 'docker' ? (login.file ?? path.join(login.store, 'config.json')) : login.store;
    const key = JSON.stringify([login.cli, file]);
    const group = groups.get(key) ?? { cli: login.cli, store: login.store, logins: [] };
    group.logins.push({ ...login, file });
    groups.set(key, group);
  }
  // One group after another: several CLIs may share one credential file.
  const results: Logout[] = [];
  for (const { cli, store, logins: group } of groups.values()) {
    const done =
      cli === 'docker'
        ? await docker.logout(group)
        : await containers.logout(
            cli,
            group.map((l) => l.host),
            store,
          );
    const pending = new Set(group.filter((l) => l.pending).map((l) => l.host));
    results.push(...done.map((result) => ({ ...result, cli, pending: pending.has(result.host) })));
  }
  return results;
}
