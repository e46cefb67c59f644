import { which } from '@actions/io';
import { errorMessage } from './errors.ts';
import { runCommand } from './command.ts';
import { withRetries } from './retry.ts';
import type { RetryPolicy } from './retry.ts';

/** The container CLIs this action logs in with, in the order `auto` looks for them. */
export const CLIS = ['docker', 'podman', 'buildah', 'skopeo'] as const;
export type Cli = (typeof CLIS)[number];

/** How a logout went for one host. */
export type LogoutResult = { host: string; removed: boolean } | { host: string; error: string };

/** True when `name` is one of the supported CLIs. */
export function isCli(name: string): name is Cli {
  return (CLIS as readonly string[]).includes(name);
}

/** The CLIs to use: each one asked for must be on PATH; `auto` takes the first one found. */
export async function findClis(choice: Cli[] | 'auto'): Promise<Cli[]> {
  if (choice === 'auto') {
    for (const cli of CLIS) if ((await which(cli, false)) !== '') return [cli];
    throw new Error(
      `'container-cli: auto' found none of ${CLIS.join(', ')} on PATH. Install one before this step.`,
    );
  }
  for (const cli of choice) {
    if ((await which(cli, false)) === '') {
      throw new Error(
        `The ${cli} CLI was not found on PATH. Install it before this step` +
          (cli === 'docker'
            ? ' (GitHub-hosted Ubuntu runners have it; on a self-hosted runner install docker-ce-cli or docker.io).'
            : ` (on Debian and Ubuntu: apt-get install ${cli}).`),
      );
    }
  }
  return choice;
}

/** Informational lines the CLIs print to stderr, and docker's warning about `--password`. */
const NOISE = /^(WARNING!|time="[^"]*" level=(info|debug|warning))/;
/** An error in logrus form, as skopeo prints it: its message alone is kept. */
const LOGGED_ERROR = /^time="[^"]*" level=(?:fatal|error) msg="(.*)"$/;

/** Runs a CLI; returns its output, or throws its error output without the noise. */
export async function runCli(
  cli: Cli,
  args: string[],
  env: NodeJS.ProcessEnv,
  input?: string,
  timeoutMs?: number,
): Promise<string> {
  const result = await runCommand(cli, args, {
    env,
    ...(input === undefined ? {} : { input }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  if (result.timedOut) throw new Error(`timed out after ${(timeoutMs ?? 0) / 1000} s`);
  if (result.exitCode !== 0) {
    const message = result.stderr
      .split('\n')
      .filter((line) => line.trim() !== '' && !NOISE.test(line))
      .map((line) => LOGGED_ERROR.exec(line)?.[1]?.replace(/\\(.)/g, '$1') ?? line)
      .join('\n')
      .trim();
    throw new Error(message || `${cli} ${args[0] ?? ''} exited with code ${result.exitCode}`);
  }
  return result.stdout.trim();
}

/**
 * `<cli> login --username <user> --password-stdin <host>`, retried as the policy says. A failure
 * names the CLI and the registry; the password never appears in it.
 */
export function loginWithRetries(
  cli: Cli,
  host: string,
  username: string,
  password: string,
  env: NodeJS.ProcessEnv,
  retry: RetryPolicy,
): Promise<string> {
  const args = ['login', '--username', username, '--password-stdin', host];
  return withRetries(retry, () =>
    runCli(cli, args, env, password, retry.timeoutMs).catch((error: unknown) => {
      throw new Error(errorMessage(error).split(password).join('***'));
    }),
  ).catch((error: unknown) => {
    throw new Error(`${cli} login to ${host} failed: ${errorMessage(error)}`);
  });
}
