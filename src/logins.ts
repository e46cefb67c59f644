import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as core from '@actions/core';
import { errorMessage } from './errors.ts';
import type { Cli, LogoutResult } from './cli.ts';
import * as containers from './containers.ts';
import * as docker from './docker.ts';
import { dockerConfigDir, makePrivateConfig } from './docker-config.ts';
import type { RetryPolicy } from './retry.ts';
import type { Login } from './state.ts';
import { savePrivateConfig } from './state.ts';

/** Where each kind of CLI keeps credentials. */
export interface Stores {
  /** docker's config directory. */
  docker: string;
  /** The containers-auth.json of podman, buildah and skopeo; '' for the CLI's own default. */
  containers: string;
  /** True for a job-private directory: nothing may go to a runner-wide credential helper. */
  private: boolean;
}

/**
 * The stores as the environment sets them. podman, buildah and skopeo take REGISTRY_AUTH_FILE,
 * else DOCKER_CONFIG's config.json, else their own default; the first two are named here so the
 * post step finds the same file, the last is left to the CLI.
 */
export function defaultStores(env: NodeJS.ProcessEnv = process.env): Stores {
  const fromDocker = env.DOCKER_CONFIG ? path.join(env.DOCKER_CONFIG, 'config.json') : '';
  return {
    docker: dockerConfigDir(env),
    containers: env.REGISTRY_AUTH_FILE || fromDocker,
    private: false,
  };
}

/** True when podman, buildah and skopeo write docker's own config.json. */
function shareDockerFile(stores: Stores): boolean {
  return stores.containers === path.join(stores.docker, 'config.json');
}

/**
 * Makes a job-private directory under RUNNER_TEMP, records it for the post step, seeds it from
 * the current stores and exports it to later steps (DOCKER_CONFIG, REGISTRY_AUTH_FILE).
 */
export function isolateStores(clis: Cli[]): Stores {
  const dir = makePrivateConfig(dockerConfigDir(), process.env.RUNNER_TEMP || os.tmpdir());
  savePrivateConfig(dir);
  core.exportVariable('DOCKER_CONFIG', dir);
  const stores = { docker: dir, containers: path.join(dir, 'auth.json'), private: true };
  if (clis.some((cli) => cli !== 'docker')) {
    const current = process.env.REGISTRY_AUTH_FILE;
    if (current && fs.existsSync(current)) fs.copyFileSync(current, stores.containers);
    core.exportVariable('REGISTRY_AUTH_FILE', stores.containers);
  }
  core.info(`Credentials go to a job-private directory: ${dir}`);
  return stores;
}

/** One CLI's login to one registry. */
export type CliResult = { cli: Cli; output: string } | { cli: Cli; error: string };

/**
 * Logs in to `host` with every CLI; `onLogin` hears of each success the moment it happens, so
 * the caller can record it before anything else can fail.
 */
export async function logInWithAll(
  host: string,
  credential: { username: string; password: string },
  clis: Cli[],
  stores: Stores,
  retry: RetryPolicy,
  onLogin: (login: Login) => void,
): Promise<CliResult[]> {
  const { username, password } = credential;
  // docker's merge and the other CLIs' rewrites of one file must not overlap.
  const dockerLogin = (store: string): Promise<string> => {
    const work = () => docker.login(host, username, password, store, retry, stores.private);
    return shareDockerFile(stores) && clis.length > 1 ? containers.withSharedFile(work) : work();
  };
  return Promise.all(
    clis.map(async (cli): Promise<CliResult> => {
      const store = cli === 'docker' ? stores.docker : stores.containers;
      core.debug(`${cli} login to ${host}, credentials in ${store || "the CLI's default file"}`);
      try {
        const output =
          cli === 'docker'
            ? await dockerLogin(store)
            : await containers.login(cli, host, username, password, store, retry);
        onLogin({ host, cli, store });
        return { cli, output };
      } catch (error) {
        return { cli, error: errorMessage(error) };
      }
    }),
  );
}

/** Logs out of every recorded login, grouped by CLI and store. */
export async function logOutOfAll(logins: Login[]): Promise<(LogoutResult & { cli: Cli })[]> {
  const groups = new Map<string, { cli: Cli; store: string; hosts: string[] }>();
  for (const { host, cli, store } of logins) {
    const key = JSON.stringify([cli, store]);
    const group = groups.get(key) ?? { cli, store, hosts: [] };
    group.hosts.push(host);
    groups.set(key, group);
  }
  // One group after another: several CLIs may share one credential file.
  const results: (LogoutResult & { cli: Cli })[] = [];
  for (const { cli, store, hosts } of groups.values()) {
    const done =
      cli === 'docker'
        ? await docker.logout(hosts, store)
        : await containers.logout(cli, hosts, store);
    results.push(...done.map((result) => ({ ...result, cli })));
  }
  return results;
}
