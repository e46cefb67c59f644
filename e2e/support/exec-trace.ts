// Preloaded into the action's steps with NODE_OPTIONS=--import. It does not wrap or change any
// command: it observes, through node's `child_process` diagnostics channel, every process the
// action starts, and reports it on stdout as `::e2e-exec::{json}` when it starts and
// `::e2e-gone::{json}` when the process has exited and `::e2e-exit::{json}` when its pipes have
// closed (with its stderr, which the action itself may hide). On the step's stdout these lines
// keep their order relative to the action's own `::add-mask::` lines.
import type { ChildProcess } from 'node:child_process';
import { subscribe } from 'node:diagnostics_channel';

// Names also in jobs.ts, which must not import this file (importing it starts the tracing).
const EXEC_COMMAND = 'e2e-exec';
const EXIT_COMMAND = 'e2e-exit';
const GONE_COMMAND = 'e2e-gone';

const report = (name: string, data: unknown) => {
  process.stdout.write(`::${name}::${JSON.stringify(data)}\n`);
};

subscribe('child_process', (message: unknown) => {
  const child = (message as { process: ChildProcess }).process;
  // Published from the constructor, before spawn() fills in spawnargs and the streams.
  process.nextTick(() => {
    const pid = child.pid ?? null;
    report(EXEC_COMMAND, { pid, args: child.spawnargs });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer | string) => (stderr += chunk.toString()));
    child.on('exit', () => {
      report(GONE_COMMAND, { pid });
    });
    child.on('close', (code) => {
      report(EXIT_COMMAND, { pid, code, stderr });
    });
  });
});
