// The Jest half of the world (world.ts, which demo.ts loads under plain node, where
// @jest/globals cannot be imported): the hooks around startWorld, and the checks every run of
// the action must pass.
import { afterAll, beforeAll, beforeEach, expect } from '@jest/globals';
import { checkPrereqs } from './prereqs.ts';
import type { RunDirs, Steps } from './jobs.ts';
import { escapeRegExp } from './log.ts';
import { startWorld, type RegistrySpec, type World, type WorldOptions } from './world.ts';

export interface UseWorldOptions extends WorldOptions {
  /** Commands needed besides the usual ones (docker, docker-registry, htpasswd, openssl). */
  prereqs?: string[];
  /** Time allowed for starting the world (default 60 s). */
  timeoutMs?: number;
  /** world.reset() before each test (default true). */
  resetEachTest?: boolean;
}

/**
 * Checks the prerequisites now; starts a World for `specs` before the file's tests, resets it
 * before each test and stops it after them. The object returned is that world once the first
 * beforeAll has run (hooks the file declares after this call run after these).
 */
export function useWorld(specs: RegistrySpec[], opts: UseWorldOptions = {}): World {
  checkPrereqs(opts.prereqs);
  const world = {} as World;
  beforeAll(async () => {
    Object.assign(world, await startWorld(specs, opts));
  }, opts.timeoutMs ?? 60_000);
  afterAll(async () => {
    await world.stop();
  });
  if (opts.resetEachTest ?? true) {
    beforeEach(() => {
      world.reset();
    });
  }
  return world;
}

/** The state of a main step that got as far as logging in: its run directory under RUNNER_TEMP. */
export const runDirState = (dirs: RunDirs) => ({
  'run-dir': expect.stringMatching(
    new RegExp(`^${escapeRegExp(dirs.runnerTemp)}/ecr-login-[A-Za-z0-9]{6}$`),
  ),
});

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
