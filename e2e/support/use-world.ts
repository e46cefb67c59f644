// The Jest half of the world (world.ts, which demo.ts loads under plain node, where
// @jest/globals cannot be imported): the hooks around startWorld, and the checks every run of
// the action must pass.
import { afterAll, beforeAll, beforeEach, expect } from '@jest/globals';
import { checkPrereqs } from './prereqs.ts';
import type { Exec, RunDirs, Steps } from './jobs.ts';
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
export function expectHygiene(
  steps: Pick<Steps, 'leaks' | 'execs' | 'postExecs' | 'main'>,
  logins: Record<string, string>,
  masked = true,
): void {
  expect(steps.leaks).toEqual([]);
  const passwords = Object.values(logins);
  const execs = [...steps.execs, ...steps.postExecs];
  const commandLines = execs.map((exec) => exec.args.join(' '));
  expect(commandLines.filter((line) => passwords.some((p) => line.includes(p)))).toEqual([]);
  expect(execs.filter((exec) => exec.stderr.includes(ARGV_PASSWORD_WARNING))).toEqual([]);
  // Where each value was first masked, in the step's workflow commands.
  const maskedAt = new Map<string, number>();
  steps.main.commands.forEach(({ name, message }, position) => {
    if (name === 'add-mask' && !maskedAt.has(message)) maskedAt.set(message, position);
  });
  const dockerLogins = steps.execs.filter((e) => e.args[1] === 'login');
  const hostOf = (exec: Exec) => exec.args.at(-1) ?? '';
  expect(dockerLogins.map((e) => e.args)).toEqual(
    dockerLogins.map((e) => [
      'docker',
      'login',
      '--username',
      'AWS',
      '--password-stdin',
      hostOf(e),
    ]),
  );
  expect(dockerLogins.map(hostOf).filter((host) => logins[host] === undefined)).toEqual([]);
  // Masked: before the login that uses it started; not masked: never.
  const wronglyMasked = dockerLogins.filter((exec) => {
    const at = maskedAt.get(logins[hostOf(exec)] ?? '');
    return masked ? !(at !== undefined && at < exec.position) : at !== undefined;
  });
  expect(wronglyMasked.map(hostOf)).toEqual([]);
}
