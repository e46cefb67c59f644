import * as fs from 'node:fs';
import { errorMessage } from './errors.ts';
import { loginWithRetries, runCli } from './cli.ts';
import type { Cli, LogoutResult } from './cli.ts';
import type { RetryPolicy } from './retry.ts';
import type { Recorder } from './state.ts';
import { withFileLock } from './stores.ts';

/*
 * podman, buildah and skopeo share one credential file (containers-auth.json): each chooses it
 * itself — REGISTRY_AUTH_FILE, else DOCKER_CONFIG's config.json, else its default — and
 * rewrites it whole, so their logins and logouts run under the file's lock, which docker's
 * merges into the same config.json take too.
 */

/** The environment that makes the CLI use `authFile`; '' leaves the choice to the CLI. */
function env(authFile: string): NodeJS.ProcessEnv {
  return authFile === '' ? process.env : { ...process.env, REGISTRY_AUTH_FILE: authFile };
}

/**
 * `<cli> login --username <user> --password-stdin <host>`; returns what the CLI printed. The CLI
 * writes the file itself, so the login is recorded as pending before it starts, then confirmed.
 */
export function login(
  cli: Exclude<Cli, 'docker'>,
  host: string,
  username: string,
  password: string,
  authFile: string,
  retry: RetryPolicy,
  record: Recorder,
): Promise<string> {
  return withFileLock(authFile, async () => {
    record({ host, cli, store: authFile, pending: true });
    const output = await loginWithRetries(cli, host, username, password, env(authFile), retry);
    record({ host, cli, store: authFile });
    return output;
  });
}

/** Said by a CLI that had nothing to remove, or whose credential file is gone. */
const NOTHING_TO_REMOVE = /not logged in|no such file or directory/i;

/**
 * `<cli> logout <host>` for each host, in the credential file the login used. A credential that
 * is no longer there — the file deleted, or the host not in it — is reported as already gone.
 */
export function logout(
  cli: Exclude<Cli, 'docker'>,
  hosts: string[],
  authFile: string,
): Promise<LogoutResult[]> {
  return withFileLock(authFile, async () => {
    const results: LogoutResult[] = [];
    for (const host of hosts) {
      if (authFile !== '' && !fs.existsSync(authFile)) {
        results.push({ host, removed: false });
        continue;
      }
      try {
        const output = await runCli(cli, ['logout', host], env(authFile));
        results.push({ host, removed: !NOTHING_TO_REMOVE.test(output) });
      } catch (error) {
        const message = errorMessage(error);
        results.push(
          NOTHING_TO_REMOVE.test(message) ? { host, removed: false } : { host, error: message },
        );
      }
    }
    return results;
  });
}
