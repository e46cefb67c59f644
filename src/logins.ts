import * as path from 'node:path';
import * as core from '@actions/core';
import { errorMessage } from './errors.ts';
import type { Cli, LogoutResult } from './cli.ts';
import * as containers from './containers.ts';
import * as docker from './docker.ts';
import type { DockerPlan } from './docker.ts';
import type { RetryPolicy } from './retry.ts';
import type { Login } from './state.ts';
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
 * Logs in to `host` with every CLI; `onLogin` hears of each success the moment it happens, so
 * the caller can record it before anything else can fail.
 */
export async function logInWithAll(
  host: string,
  credential: { username: string; password: string },
  plan: LoginPlan,
  retry: RetryPolicy,
  onLogin: (login: Login) => void,
): Promise<CliResult[]> {
  const { username, password } = credential;
  return Promise.all(
    plan.clis.map(async (cli): Promise<CliResult> => {
      try {
        if (cli === 'docker' && plan.docker) {
          const done = await docker.login(host, username, password, plan.docker, retry);
          core.debug(
            `docker login to ${host}: credential in ${done.login.helper || done.login.file}`,
          );
          onLogin(done.login);
          return { cli, output: done.output, ...(done.note ? { note: done.note } : {}) };
        }
        const store = plan.stores.containers;
        core.debug(`${cli} login to ${host}, credentials in ${store || "the CLI's default file"}`);
        const output = await containers.login(
          cli as Exclude<Cli, 'docker'>,
          host,
          username,
          password,
          store,
          retry,
        );
        onLogin({ host, cli, store });
        return { cli, output };
      } catch (error) {
        return { cli, error: errorMessage(error) };
      }
    }),
  );
}

/** Logs out of every recorded login, grouped by CLI and credential file. */
export async function logOutOfAll(logins: Login[]): Promise<(LogoutResult & { cli: Cli })[]> {
  const groups = new Map<string, Login[]>();
  for (const login of logins) {
    const file =
      login.cli === 'docker' ? (login.file ?? path.join(login.store, 'config.json')) : login.store;
    const key = JSON.stringify([login.cli, file]);
    const group = groups.get(key) ?? [];
    group.push({ ...login, file });
    groups.set(key, group);
  }
  // One group after another: several CLIs may share one credential file.
  const results: (LogoutResult & { cli: Cli })[] = [];
  for (const group of groups.values()) {
    const cli = group[0]?.cli ?? 'docker';
    const done =
      cli === 'docker'
        ? await docker.logout(group)
        : await containers.logout(
            cli,
            group.map((l) => l.host),
            group[0]?.store ?? '',
          );
    results.push(...done.map((result) => ({ ...result, cli })));
  }
  return results;
}
