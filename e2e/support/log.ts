// The log as the user sees it, and the lines it is made of.
import type { ActionRun } from './runner.ts';

/** The log group of one successful docker login, as the user sees it; `as` a role's ARN. */
export const loginBlock = (
  host: string,
  region: string,
  expiresAt: string | undefined,
  as?: string,
) => [
  `▶ Logged in to ${host} (${region}) with docker${as === undefined ? '' : ` as ${as}`}`,
  'docker: Login Succeeded',
  `Credentials expire at ${expiresAt ?? ''}`,
];

/** The post step's line for one credential it removed. */
export const logoutLine = (host: string) => `Logged out of ${host} (docker)`;

/** The log as the user sees it, as lines; only those matching `pattern` when given. */
export const logLines = (run: ActionRun | undefined, pattern?: RegExp): string[] =>
  run === undefined || run.log === ''
    ? []
    : run.log.split('\n').filter((line) => pattern?.test(line) ?? true);

/** The messages of the step's ::error:: commands. */
export const errorsOf = (run: ActionRun): string[] =>
  run.commands.filter((c) => c.name === 'error').map((c) => c.message);

/**
 * The log cut into blocks, each starting at a `▶ ` group line, sorted: concurrent logins finish
 * in any order.
 */
export function logBlocks(run: ActionRun | undefined): string[][] {
  const blocks: string[][] = [];
  for (const line of logLines(run)) {
    const last = blocks.at(-1);
    if (line.startsWith('▶ ') || last === undefined) blocks.push([line]);
    else last.push(line);
  }
  return blocks.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

/** Escapes a string for use inside a RegExp. */
export const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
