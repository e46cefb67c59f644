import { expect } from '@jest/globals';
import type { Steps } from './world.ts';

/** What docker prints when a password is passed on its command line. */
export const ARGV_PASSWORD_WARNING = 'Using --password via the CLI is insecure';

/**
 * The checks every run must pass: no secret reached the log unmasked; no process the action
 * started had a password on its command line or made docker warn about one; every docker login
 * was `docker login --username AWS --password-stdin <host>`; and, when passwords are masked,
 * each password's ::add-mask:: came before the docker login that uses it started.
 */
export function expectHygiene(steps: Steps, logins: Record<string, string>, masked = true): void {
  expect(steps.leaks).toEqual([]);
  const passwords = Object.values(logins);
  for (const exec of [...steps.execs, ...steps.postExecs]) {
    for (const password of passwords) expect(exec.args.join(' ')).not.toContain(password);
    expect(exec.stderr).not.toContain(ARGV_PASSWORD_WARNING);
  }
  const masks = steps.main.commands
    .map((command, position) => ({ command, position }))
    .filter(({ command }) => command.name === 'add-mask');
  for (const exec of steps.execs.filter((e) => e.args[1] === 'login')) {
    const host = exec.args.at(-1) ?? '';
    expect(exec.args).toEqual(['docker', 'login', '--username', 'AWS', '--password-stdin', host]);
    const password = logins[host];
    expect(password).toBeDefined();
    const maskedAt = masks.find(({ command }) => command.message === password)?.position;
    if (masked)
      expect({ host, maskedBeforeLogin: (maskedAt ?? Infinity) < exec.position }).toEqual({
        host,
        maskedBeforeLogin: true,
      });
    else expect(maskedAt).toBeUndefined();
  }
}
