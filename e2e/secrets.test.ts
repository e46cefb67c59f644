// How the password travels, seen from outside through the exec trace (support/exec-trace.ts):
// it reaches the real docker CLI on stdin only, and it is masked before docker starts.
import { beforeAll, expect, test } from '@jest/globals';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runSteps, type Steps } from './support/jobs.ts';
import { logLines } from './support/log.ts';
import { which } from './support/prereqs.ts';
import { makeTempDir } from './support/proc.ts';
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

/** What a CLI (or a registry message it relays) may print: lines the runner would read as commands. */
const INJECTED = [
  '::stop-commands::hijacked',
  '::warning::injected by the CLI',
  '::add-mask::Succeeded',
  '##[set-output name=injected]yes',
];

test('CLI output holding workflow commands is printed as text: none of them runs, every later mask still does', async () => {
  // A docker that prints them on stdout and stderr before every login, then logs in as usual.
  const bin = world.add(await makeTempDir('e2e-talkative-docker')).path;
  const lines = INJECTED.map((line) => `echo '${line}'; echo '${line}' >&2`).join('; ');
  await writeFile(
    join(bin, 'docker'),
    `#!/bin/sh\nif [ "$1" = login ]; then ${lines}; fi\nexec ${which('docker') ?? 'docker'} "$@"\n`,
  );
  await chmod(join(bin, 'docker'), 0o755);
  const run = await runSteps(world, {
    inputs: { registries: '111111111111,222222222222', region: REGION },
    path: [bin],
  });
  expect([run.main.mainExit, run.post?.postExit]).toEqual([0, 0]);
  // The runner processed none of the CLI's lines as a command…
  const injected = run.main.commands.filter(
    (c) =>
      !c.name.startsWith('e2e-') && // the exec trace's own lines carry the CLI's stderr
      (c.message.includes('injected') || c.message === 'Succeeded' || c.message === 'hijacked'),
  );
  expect(injected).toEqual([]);
  expect(run.main.outputs).not.toHaveProperty('injected');
  // …it shows them as the text they are, in each login's group…
  for (const line of INJECTED) {
    const shown = logLines(run.main).filter((l) => l === line || l === `docker: ${line}`);
    expect(shown).toHaveLength(2);
  }
  // …and kept processing the action's own commands: both passwords masked, each group closed.
  expect(run.main.masks).toEqual(expect.arrayContaining(PASSWORDS));
  const groups = run.main.commands.filter((c) => c.name === 'group' || c.name === 'endgroup');
  expect(groups.map((c) => c.name)).toEqual(['group', 'endgroup', 'group', 'endgroup']);
  expect(run.leaks).toEqual([]);
}, 60_000);
