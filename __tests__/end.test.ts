// endWhenDone runs in a child process here: it ends the process it is called in.
import { spawnSync } from 'node:child_process';
import { expect, test } from '@jest/globals';
import { fileURLToPath } from 'node:url';

const module = fileURLToPath(new URL('../src/end.ts', import.meta.url));
const node = (script: string) =>
  spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 10_000,
  });

test('a process held open by a socket ends a moment after the work is done, with its exit code', () => {
  const started = Date.now();
  const run = node(`
    import net from 'node:net';
    import { endWhenDone } from ${JSON.stringify(module)};
    const server = net.createServer(() => undefined).listen(0, '127.0.0.1', () => {
      net.connect(server.address().port, '127.0.0.1'); // never closed
      process.exitCode = 3;
      console.log('done');
      endWhenDone(200);
    });
  `);
  expect([run.status, run.stdout]).toEqual([3, 'done\n']);
  expect(Date.now() - started).toBeLessThan(5000);
});

test('a process with nothing left to do ends at once, not after the grace', () => {
  const started = Date.now();
  const run = node(`
    import { endWhenDone } from ${JSON.stringify(module)};
    endWhenDone(5000);
  `);
  expect(run.status).toBe(0);
  expect(Date.now() - started).toBeLessThan(2500);
});
