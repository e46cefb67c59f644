// stopOrphans reads /proc and kills processes: tested on real child processes of this test.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { afterEach, expect, test } from '@jest/globals';
import { stopOrphans } from '../src/orphans.ts';
import { RUN_MARKER } from '../src/state.ts';

const children: ChildProcess[] = [];
const start = (env: NodeJS.ProcessEnv): ChildProcess => {
  const child = spawn('sleep', ['30'], {
    env: { PATH: process.env.PATH, ...env },
    stdio: 'ignore',
  });
  children.push(child);
  return child;
};
const ended = (child: ChildProcess): Promise<NodeJS.Signals | null> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.signalCode)
    : new Promise((resolve) =>
        child.once('exit', (_code, signal) => {
          resolve(signal);
        }),
      );

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

test('stops the processes that carry this run’s marker, and only those', async () => {
  const ours = [start({ [RUN_MARKER]: '/tmp/run-a' }), start({ [RUN_MARKER]: '/tmp/run-a' })];
  const other = start({ [RUN_MARKER]: '/tmp/run-a-but-longer' });
  const unmarked = start({});
  await new Promise((resolve) => setTimeout(resolve, 100));
  await expect(stopOrphans('/tmp/run-a')).resolves.toBe(2);
  await expect(Promise.all(ours.map(ended))).resolves.toEqual(['SIGKILL', 'SIGKILL']);
  expect([other.exitCode, other.signalCode, unmarked.exitCode, unmarked.signalCode]).toEqual([
    null,
    null,
    null,
    null,
  ]);
});

test('finds nothing where there is no /proc', async () => {
  await expect(stopOrphans('/tmp/run-a', '/nonexistent-proc')).resolves.toBe(0);
});
