import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { which } from '@actions/io';
import { errorMessage } from './aws-errors.ts';
import { runCommand } from './command.ts';
import { withRetries } from './retry.ts';
import type { RetryPolicy } from './retry.ts';
import { makeStaging, readConfig, updateAuths, usesHelper } from './docker-config.ts';

/** What a login printed, for the log. */
export interface LoginResult {
  output: string;
}

/** Throws a message saying how to get the docker CLI when it is not on PATH. */
export async function assertDocker(): Promise<void> {
  if ((await which('docker', false)) === '') {
    throw new Error(
      'The docker CLI was not found on PATH. Install it before this step ' +
        '(GitHub-hosted Ubuntu runners have it; on a self-hosted runner install docker-ce-cli or docker.io).',
    );
  }
}

let helperQueue: Promise<unknown> = Promise.resolve();

/** Runs work that touches a credential helper one at a time: helpers are not built for races. */
function serially<T>(work: () => Promise<T>): Promise<T> {
  const next = helperQueue.then(work, work);
  helperQueue = next.catch(() => undefined);
  return next;
}

/** docker's warning about passwords on the command line, and its informational log lines. */
const NOISE = /^(WARNING!|time="[^"]*" level=(info|debug|warning))/;

async function docker(
  args: string[],
  configDir: string,
  input?: string,
  timeoutMs?: number,
): Promise<string> {
  const result = await runCommand('docker', args, {
    env: { ...process.env, DOCKER_CONFIG: configDir },
    ...(input === undefined ? {} : { input }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  if (result.timedOut) throw new Error(`timed out after ${(timeoutMs ?? 0) / 1000} s`);
  if (result.exitCode !== 0) {
    const message = result.stderr
      .split('\n')
      .filter((line) => line.trim() !== '' && !NOISE.test(line))
      .join('\n')
      .trim();
    throw new Error(message || `docker ${args[0] ?? ''} exited with code ${result.exitCode}`);
  }
  return result.stdout.trim();
}

/**
 * `docker login --username <user> --password-stdin <host>` into `configDir`. Logins run side by
 * side: each writes into a private staging config, and its credential is then merged into
 * config.json in one atomic step, so concurrent logins never drop each other's credentials.
 * A host whose credential goes to a credential helper is logged in to directly, one at a time.
 */
export async function login(
  host: string,
  username: string,
  password: string,
  configDir: string,
  retry: RetryPolicy,
): Promise<LoginResult> {
  const args = ['login', '--username', username, '--password-stdin', host];
  const config = readConfig(configDir);
  const attempt = (dir: string) => () =>
    withRetries(retry, () =>
      docker(args, dir, password, retry.timeoutMs).catch((error: unknown) => {
        throw new Error(errorMessage(error).split(password).join('***'));
      }),
    ).catch((error: unknown) => {
      throw new Error(`docker login to ${host} failed: ${errorMessage(error)}`);
    });
  if (usesHelper(config, host)) return { output: await serially(attempt(configDir)) };
  const staging = makeStaging(config, process.env.RUNNER_TEMP || os.tmpdir());
  try {
    const output = await attempt(staging)();
    updateAuths(configDir, readConfig(staging).auths ?? {});
    return { output };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** How a logout went for one host. */
export type LogoutResult = { host: string; removed: boolean } | { host: string; error: string };

/**
 * Logs out of `hosts` in `configDir`: credentials held in config.json are removed in one atomic
 * rewrite; those held by a credential helper are removed with `docker logout`, one at a time.
 */
export async function logout(hosts: string[], configDir: string): Promise<LogoutResult[]> {
  const config = readConfig(configDir);
  const inFile = hosts.filter((host) => !usesHelper(config, host));
  const results: LogoutResult[] = [];
  if (inFile.length > 0) {
    try {
      const removed = fs.existsSync(path.join(configDir, 'config.json'))
        ? updateAuths(configDir, {}, inFile)
        : [];
      for (const host of inFile) results.push({ host, removed: removed.includes(host) });
    } catch (error) {
      for (const host of inFile) results.push({ host, error: errorMessage(error) });
    }
  }
  for (const host of hosts.filter((h) => usesHelper(config, h))) {
    await docker(['logout', host], configDir).then(
      () => results.push({ host, removed: true }),
      (error: unknown) => results.push({ host, error: errorMessage(error) }),
    );
  }
  return results;
}
