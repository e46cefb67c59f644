// CLI output that holds workflow commands, seen as the runner sees it. How the password travels
// (to the real docker CLI on stdin only, masked before docker starts, never on a command line) is
// checked on every run by expectHygiene (support/use-world.ts), through the exec trace.
import { expect, test } from '@jest/globals';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runSteps } from './support/jobs.ts';
import { logLines } from './support/log.ts';
import { which } from './support/prereqs.ts';
import { makeTempDir } from './support/proc.ts';
import { expectHygiene, useWorld } from './support/use-world.ts';

const REGION = 'eu-west-1';
const PASSWORDS = ['secrets-test-first-password', 'secrets-test-other-password'];
const world = useWorld(
  [
    { account: '111111111111', password: PASSWORDS[0] ?? '' },
    { account: '222222222222', password: PASSWORDS[1] ?? '', tls: false },
  ],
  { timeoutMs: 60_000 },
);
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
  expectHygiene(run, Object.fromEntries(world.hosts.map((h, i) => [h, PASSWORDS[i] ?? ''])));
}, 60_000);
