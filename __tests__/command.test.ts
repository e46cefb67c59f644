// runCommand, startTimeOf and stopIfSame start, read and end real processes (Linux): they are
// the boundary the other tests replace.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { runCommand, startTimeOf, stopIfSame } from '../src/command.ts';

let dir: string;
/** Processes a test learned of, ended after it if they still run: by PID and start time. */
const leftovers: { pid: number; start: string | undefined }[] = [];
const remember = (pid: number): void => {
  leftovers.push({ pid, start: startTimeOf(pid) });
};
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'command-test-'));
});
afterEach(() => {
  for (const { pid, start } of leftovers.splice(0)) if (start !== undefined) stopIfSame(pid, start);
  for (const child of children.splice(0)) child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

/** True while `pid` is a process that has not ended (a zombie has ended). */
const running = (pid: number): boolean => startTimeOf(pid) !== undefined;

/** The PID a command wrote to `file`, once it is there. */
async function pidIn(file: string): Promise<number> {
  while (!/^\d+\n$/.test(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '')) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Number(fs.readFileSync(file, 'utf8'));
}

/** A `sleep 30` started by this test, outside runCommand. */
function sleeper(): ChildProcess & { pid: number } {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(child);
  if (child.pid === undefined) throw new Error('sleep did not start');
  return child as ChildProcess & { pid: number };
}

const exited = (child: ChildProcess): Promise<NodeJS.Signals | null> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.signalCode)
    : new Promise((resolve) =>
        child.once('exit', (_code, signal) => {
          resolve(signal);
        }),
      );

describe('runCommand', () => {
  test('writes the input to stdin and collects stdout, stderr and the exit code', async () => {
    const result = await runCommand('sh', ['-c', 'read v; echo "out:$v"; echo err >&2; exit 3'], {
      input: 'from-stdin\n',
    });
    expect(result).toEqual({
      exitCode: 3,
      stdout: 'out:from-stdin\n',
      stderr: 'err\n',
      timedOut: false,
    });
  });

  test('closes stdin when there is no input', async () => {
    await expect(runCommand('cat', [])).resolves.toEqual({
      exitCode: 0,
      stdout: '',
      stderr: '',
      timedOut: false,
    });
  });

  test('passes exactly the given environment and arguments, without a shell', async () => {
    const result = await runCommand('sh', ['-c', 'echo "$ONLY:$HOME:$1"', 'x', '$(id)'], {
      env: { ONLY: 'set', PATH: process.env.PATH },
    });
    expect(result.stdout).toBe('set::$(id)\n');
  });

  test('a missing command is named', async () => {
    await expect(runCommand('no-such-command-here', [])).rejects.toThrow(
      'no-such-command-here was not found on PATH',
    );
  });

  test('a time limit ends the command and every process it started in its group', async () => {
    const result = await runCommand('sh', ['-c', 'sleep 30 & echo $!; wait'], { timeoutMs: 1000 });
    expect(result).toEqual({
      exitCode: 128,
      stdout: expect.stringMatching(/^\d+\n$/) as unknown,
      stderr: '',
      timedOut: true,
    });
    const child = Number(result.stdout);
    remember(child);
    expect(running(child)).toBe(false);
  });

  test('the result does not wait for a process that left the group and keeps the output open', async () => {
    const pidFile = path.join(dir, 'escaped');
    // The escaped process inherits stdout and stderr, and outlives the command by 30 s.
    const script = `setsid sh -c 'echo $$ > "$1"; exec sleep 30' sh "$1" &
      while [ ! -s "$1" ]; do sleep 0.01; done; echo done`;
    const result = await runCommand('sh', ['-c', script, 'sh', pidFile]);
    const escaped = Number(fs.readFileSync(pidFile, 'utf8'));
    remember(escaped);
    expect(result).toEqual({ exitCode: 0, stdout: 'done\n', stderr: '', timedOut: false });
    expect(() => process.kill(escaped, 0)).not.toThrow();
    expect(running(escaped)).toBe(true);
  });

  test('an abort ends the command and its group, without calling it a timeout', async () => {
    const pidFile = path.join(dir, 'child');
    const abort = new AbortController();
    const pending = runCommand('sh', ['-c', 'sleep 30 & echo $! > "$1"; wait', 'sh', pidFile], {
      signal: abort.signal,
    });
    const child = await pidIn(pidFile);
    remember(child);
    abort.abort();
    await expect(pending).resolves.toEqual({
      exitCode: 128,
      stdout: '',
      stderr: '',
      timedOut: false,
    });
    expect(running(child)).toBe(false);
  });

  test('a signal aborted before the start ends the command at once', async () => {
    const abort = new AbortController();
    abort.abort();
    await expect(runCommand('sleep', ['30'], { signal: abort.signal })).resolves.toMatchObject({
      exitCode: 128,
      timedOut: false,
    });
  });

  test('tells the PID when the process exists, and the same PID once it has ended', async () => {
    const seen: [string, number, boolean][] = [];
    // The command waits for its input, which is written once it has started.
    const result = await runCommand('sh', ['-c', 'read v; echo $$'], {
      input: '\n',
      onStart: (pid) => seen.push(['start', pid, running(pid)]),
      onEnd: (pid) => seen.push(['end', pid, running(pid)]),
    });
    const pid = Number(result.stdout);
    expect(seen).toEqual([
      ['start', pid, true],
      ['end', pid, false],
    ]);
  });
});

describe('startTimeOf', () => {
  const fakeStat = (pid: number, text: string): string => {
    const proc = path.join(dir, 'proc');
    fs.mkdirSync(path.join(proc, String(pid)), { recursive: true });
    fs.writeFileSync(path.join(proc, String(pid), 'stat'), text);
    return proc;
  };
  // Fields 4 to 21, then the start time (field 22) and the rest.
  const middle = Array.from({ length: 18 }, (_, i) => String(i + 1)).join(' ');

  test('gives a live process a start time that stays the same, and none once it has ended', async () => {
    const child = sleeper();
    const start = startTimeOf(child.pid);
    expect(start).toMatch(/^\d+$/);
    expect(startTimeOf(child.pid)).toBe(start);
    child.kill('SIGKILL');
    await exited(child);
    expect(startTimeOf(child.pid)).toBeUndefined();
  });

  test('reads the start time after a command name holding spaces and parentheses', () => {
    const proc = fakeStat(4321, `4321 (a ) b (c)) S ${middle} 98765 4096 0\n`);
    expect(startTimeOf(4321, proc)).toBe('98765');
  });

  test('a zombie has no start time', () => {
    const proc = fakeStat(4321, `4321 (a ) Z) Z ${middle} 98765 4096 0\n`);
    expect(startTimeOf(4321, proc)).toBeUndefined();
  });

  test('a process missing from /proc has no start time', () => {
    expect(startTimeOf(4321, fakeStat(1234, `1234 (x) S ${middle} 98765\n`))).toBeUndefined();
  });
});

describe('stopIfSame', () => {
  test('ends the process only while its start time matches', async () => {
    const child = sleeper();
    const start = startTimeOf(child.pid) ?? '';
    expect(stopIfSame(child.pid, `${start}0`)).toBe(false);
    expect(running(child.pid)).toBe(true);
    expect(stopIfSame(child.pid, start)).toBe(true);
    await expect(exited(child)).resolves.toBe('SIGKILL');
    expect(stopIfSame(child.pid, start)).toBe(false);
  });
});
