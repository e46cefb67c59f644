import { errorMessage } from './aws-errors.ts';
import { Queue, loginWithRetries, runCli } from './cli.ts';
import type { Cli } from './cli.ts';
import type { LogoutResult } from './docker.ts';
import type { RetryPolicy } from './retry.ts';

/**
 * podman, buildah and skopeo share one credential file (containers-auth.json): each chooses it
 * itself — REGISTRY_AUTH_FILE, else its default — and rewrites it whole, so their logins and
 * logouts run one at a time.
 */
const shared = new Queue();

/** The environment that makes the CLI use `authFile`; '' leaves the choice to the CLI. */
function env(authFile: string): NodeJS.ProcessEnv {
  return authFile === '' ? process.env : { ...process.env, REGISTRY_AUTH_FILE: authFile };
}

/** `<cli> login --username <user> --password-stdin <host>`; returns what the CLI printed. */
export function login(
  cli: Exclude<Cli, 'docker'>,
  host: string,
  username: string,
  password: string,
  authFile: string,
  retry: RetryPolicy,
): Promise<string> {
  return shared.run(() => loginWithRetries(cli, host, username, password, env(authFile), retry));
}

/** `<cli> logout <host>` for each host, in the credential file the login used. */
export function logout(
  cli: Exclude<Cli, 'docker'>,
  hosts: string[],
  authFile: string,
): Promise<LogoutResult[]> {
  return shared.run(async () => {
    const results: LogoutResult[] = [];
    for (const host of hosts) {
      try {
        await runCli(cli, ['logout', host], env(authFile));
        results.push({ host, removed: true });
      } catch (error) {
        const message = errorMessage(error);
        results.push(
          /not logged in/i.test(message) ? { host, removed: false } : { host, error: message },
        );
      }
    }
    return results;
  });
}
