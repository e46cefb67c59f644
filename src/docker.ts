import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { errorMessage } from './errors.ts';
import { Queue, loginWithRetries, runCli } from './cli.ts';
import type { LogoutResult } from './cli.ts';
import type { RetryPolicy } from './retry.ts';
import { makeStaging, readConfig, updateAuths, useFileStore, usesHelper } from './docker-config.ts';

/** Credential helpers are not built for concurrent writers: logins through them queue here. */
const helpers = new Queue();

const env = (configDir: string): NodeJS.ProcessEnv => ({
  ...process.env,
  DOCKER_CONFIG: configDir,
});

/**
 * `docker login --username <user> --password-stdin <host>` into `configDir`. Logins run side by
 * side: each writes into a private staging config, and its credential is then merged into
 * config.json in one atomic step, so concurrent logins never drop each other's credentials.
 * A host whose credential goes to a credential helper is logged in to directly, one at a time —
 * unless `fileStoreOnly` (a job-private config) says it must stay in config.json.
 * Returns what docker printed.
 */
export async function login(
  host: string,
  username: string,
  password: string,
  configDir: string,
  retry: RetryPolicy,
  fileStoreOnly = false,
): Promise<string> {
  let config = readConfig(configDir);
  if (fileStoreOnly && usesHelper(config, host)) {
    useFileStore(configDir, host);
    config = readConfig(configDir);
  }
  const attempt = (dir: string) => () =>
    loginWithRetries('docker', host, username, password, env(dir), retry);
  if (usesHelper(config, host)) return helpers.run(attempt(configDir));
  const staging = makeStaging(config, process.env.RUNNER_TEMP || os.tmpdir());
  try {
    const output = await attempt(staging)();
    updateAuths(configDir, readConfig(staging).auths ?? {});
    return output;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Logs out of `hosts` in `configDir`: credentials held in config.json are removed in one atomic
 * rewrite; those held by a credential helper are removed with `docker logout`, one at a time.
 */
export async function logout(hosts: string[], configDir: string): Promise<LogoutResult[]> {
  const config = readConfig(configDir);
  const inFile = hosts.filter((host) => !usesHelper(config, host));
  const results: LogoutResult[] = [];
  if (inFile.length > 0) {
    const removed = fs.existsSync(path.join(configDir, 'config.json'))
      ? updateAuths(configDir, {}, inFile)
      : [];
    for (const host of inFile) results.push({ host, removed: removed.includes(host) });
  }
  for (const host of hosts.filter((h) => usesHelper(config, h))) {
    await runCli('docker', ['logout', host], env(configDir)).then(
      () => results.push({ host, removed: true }),
      (error: unknown) => results.push({ host, error: errorMessage(error) }),
    );
  }
  return results;
}
