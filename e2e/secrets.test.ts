// How the password travels, seen from outside through the exec trace (support/exec-trace.ts):
// it reaches the real docker CLI on stdin only, and it is masked before docker starts.
import { beforeAll, expect, test } from '@jest/globals';
import { runSteps, type Steps } from './support/jobs.ts';
import { ARGV_PASSWORD_WARNING, useWorld } from './support/use-world.ts';

const REGION = 'eu-west-1';
const PASSWORDS = ['secrets-test-first-password', 'secrets-test-other-password'];
const world = useWorld(
  [
    { account: '111111111111', password: PASSWORDS[0] ?? '' },
    { account: '222222222222', password: PASSWORDS[1] ?? '', tls: false },
  ],
  { timeoutMs: 60_000, resetEachTest: false },
);
let steps: Steps;
beforeAll(async () => {
  steps = await runSteps(world, {
    inputs: { registries: '111111111111,222222222222', region: REGION },
  });
}, 60_000);

const logins = () => steps.execs.filter((e) => e.args[1] === 'login');

test('the logins worked, with the real docker CLI', () => {
  expect([steps.main.mainExit, steps.post?.postExit]).toEqual([0, 0]);
  expect(logins().map((e) => [e.args[0], e.code])).toEqual([
    ['docker', 0],
    ['docker', 0],
  ]);
});

test('docker never warns that a password was given on its command line', () => {
  // The action hides docker's stderr when a login works; the trace still sees it.
  for (const exec of logins()) expect(exec.stderr).not.toContain(ARGV_PASSWORD_WARNING);
});

test('no password is on any command line; docker reads it with --password-stdin', () => {
  for (const exec of steps.execs) {
    for (const password of PASSWORDS) expect(exec.args.join(' ')).not.toContain(password);
  }
  expect(logins().map((e) => e.args.slice(1, 5))).toEqual([
    ['login', '--username', 'AWS', '--password-stdin'],
    ['login', '--username', 'AWS', '--password-stdin'],
  ]);
});

test('each password is masked (::add-mask::) before any docker login starts', () => {
  const firstLogin = Math.min(...logins().map((e) => e.position));
  const maskedAt = PASSWORDS.map((password) =>
    steps.main.commands.findIndex((c) => c.name === 'add-mask' && c.message === password),
  );
  expect(maskedAt.map((at) => at >= 0 && at < firstLogin)).toEqual([true, true]);
  expect(steps.leaks).toEqual([]);
});
