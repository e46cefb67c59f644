// The Runner over a stand-in runCommand whose commands end when a test says so; stopLeftovers
// over real processes, with the real startTimeOf and stopIfSame.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import * as real from '../src/command.ts';
import type { CommandOptions, CommandResult } from '../src/command.ts';
import { Records } from '../src/records.ts';
import type { RetryPolicy } from '../src/retry.ts';

/** A command the stand-in started: it runs until `end` is called or its signal is aborted. */
interface Started {
  command: string;
  args: string[];
  options: CommandOptions;
  pid: number;
  end: (result?: Partial<CommandResult>) => void;
}
const started: Started[] = [];
let nextPid = 1000;
const fake = (
  command: string,
  args: string[],
  options: CommandOptions = {},
): Promise<CommandResult> =>
  new Promise((resolve) => {
    const pid = nextPid++;
    let ended = false;
    const end = (result: Partial<CommandResult> = {}) => {
      if (ended) return;
      ended = true;
      options.onEnd?.(pid);
      resolve({ exitCode: 0, stdout: '', stderr: '', timedOut: false, ...result });
    };
    options.onStart?.(pid);
    options.signal?.addEventListener('abort', () => {
      end({ exitCode: 128 });
    });
    started.push({ command, args, options, pid, end });
  });
const runCommand = jest.fn(fake);
const startTimeOf = jest.fn(real.startTimeOf);
const stopIfSame = jest.fn(real.stopIfSame);

jest.unstable_mockModule('../src/command.ts', () => ({ runCommand, startTimeOf, stopIfSame }));
const { MAX_RUNNING, Runner, stopLeftovers } = await import('../src/runner.ts');

/** Lets every promise that can settle settle. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const failed = (stderr: string, exitCode = 1): Partial<CommandResult> => ({ exitCode, stderr });

let dir: string;
beforeEach(() => {
  started.length = 0;
  nextPid = 1000;
  runCommand.mockReset();
  runCommand.mockImplementation(fake);
  startTimeOf.mockReset();
  startTimeOf.mockImplementation(real.startTimeOf);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-test-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('Runner.run', () => {
  test(`runs at most MAX_RUNNING (${MAX_RUNNING}) commands at once; the rest start in turn as slots free`, async () => {
    const runner = new Runner();
    const results = Array.from({ length: MAX_RUNNING + 2 }, (_, i) =>
      runner.run('cmd', [String(i)]),
    );
    await settle();
    expect(started.map(({ args }) => args[0])).toEqual(
      Array.from({ length: MAX_RUNNING }, (_, i) => String(i)),
    );
    started[3]?.end({ stdout: 'three' });
    await settle();
    expect(started).toHaveLength(MAX_RUNNING + 1);
    expect(started[MAX_RUNNING]?.args).toEqual([String(MAX_RUNNING)]);
    for (const command of started) command.end();
    await settle();
    expect(started).toHaveLength(MAX_RUNNING + 2);
    for (const command of started) command.end();
    const outputs = await Promise.all(results);
    expect(outputs.map(({ stdout }) => stdout)).toEqual(
      Array.from({ length: MAX_RUNNING + 2 }, (_, i) => (i === 3 ? 'three' : '')),
    );
  });

  test('a command that cannot start gives its slot back', async () => {
    const runner = new Runner(undefined, 1);
    runCommand.mockRejectedValueOnce(new Error('missing was not found on PATH'));
    const missing = runner.run('missing', []);
    const next = runner.run('cmd', ['next']);
    await expect(missing).rejects.toThrow('missing was not found on PATH');
    await settle();
    expect(started.map(({ args }) => args)).toEqual([['next']]);
    started[0]?.end({ stdout: 'ran' });
    await expect(next).resolves.toMatchObject({ stdout: 'ran' });
  });

  test('passes the options on, and its own signal and process callbacks', async () => {
    const runner = new Runner();
    const result = runner.run('cmd', ['a'], { env: { A: '1' }, input: 'in', timeoutMs: 900 });
    await settle();
    expect(started[0]?.options).toEqual({
      env: { A: '1' },
      input: 'in',
      timeoutMs: 900,
      signal: expect.any(AbortSignal) as unknown,
      onStart: expect.any(Function) as unknown,
      onEnd: expect.any(Function) as unknown,
    });
    started[0]?.end();
    await expect(result).resolves.toEqual({
      exitCode: 0,
      stdout: '',
      stderr: '',
      timedOut: false,
    });
  });

  test('stopAll aborts the commands running; those waiting fail without starting', async () => {
    const runner = new Runner(undefined, 2);
    const running = [runner.run('cmd', ['1']), runner.run('cmd', ['2'])];
    const waiting = runner.run('cmd', ['3']);
    await settle();
    runner.stopAll();
    await expect(waiting).rejects.toThrow('stopped: the step was cancelled');
    expect(started.map(({ options }) => options.signal?.aborted)).toEqual([true, true]);
    await expect(Promise.all(running)).resolves.toMatchObject([
      { exitCode: 128 },
      { exitCode: 128 },
    ]);
    await settle();
    expect(runCommand).toHaveBeenCalledTimes(2);
  });

  test('records each process while it runs, with its start time', async () => {
    startTimeOf.mockImplementation((pid) => `start-${String(pid)}`);
    const records = new Records(dir);
    const runner = new Runner(records, 2);
    const results = [runner.run('a', []), runner.run('b', []), runner.run('c', [])];
    await settle();
    expect(records.running()).toEqual([
      { pid: 1000, start: 'start-1000' },
      { pid: 1001, start: 'start-1001' },
    ]);
    started[0]?.end();
    await settle();
    expect(records.running()).toEqual([
      { pid: 1001, start: 'start-1001' },
      { pid: 1002, start: 'start-1002' },
    ]);
    for (const command of started) command.end();
    await Promise.all(results);
    expect(records.running()).toEqual([]);
    expect(startTimeOf.mock.calls).toEqual([[1000], [1001], [1002]]);
  });
});

describe('Runner.cli', () => {
  const cli = async (result: Partial<CommandResult>, timeoutMs?: number): Promise<string> => {
    const runner = new Runner();
    const output = runner.cli('docker', ['login', 'h'], { timeoutMs });
    await settle();
    started[0]?.end(result);
    return output;
  };

  test('returns the output, trimmed', async () => {
    await expect(cli({ stdout: '\n Login Succeeded \n' })).resolves.toBe('Login Succeeded');
  });

  test.each([
    [
      'docker warnings and informational lines are dropped',
      'WARNING! Your password will be stored unencrypted in /home/u/.docker/config.json.\n' +
        'time="2026-01-01T00:00:00Z" level=info msg="trying next endpoint"\n\n' +
        'Error response from daemon: the real reason\n',
      'Error response from daemon: the real reason',
    ],
    [
      "skopeo's logged error keeps its message alone",
      'time="2026-01-01T00:00:00Z" level=debug msg="Loading registries"\n' +
        'time="2026-01-01T00:00:00Z" level=fatal msg="logging into \\"h:1\\": invalid username/password"\n',
      'logging into "h:1": invalid username/password',
    ],
    [
      'every line of the error is kept',
      'Error: first\ntime="2026-01-01T00:00:00Z" level=error msg="second"\n',
      'Error: first\nsecond',
    ],
    ['no error output names the exit code', '', 'docker login exited with code 3'],
    [
      'only noise names the exit code',
      'time="2026-01-01T00:00:00Z" level=warning msg="nothing to see"\n  \n',
      'docker login exited with code 3',
    ],
  ])('a failure: %s', async (_case, stderr, message) => {
    await expect(cli(failed(stderr, 3))).rejects.toHaveProperty('message', message);
  });

  test('says when the command ran out of time', async () => {
    await expect(cli({ exitCode: 128, timedOut: true }, 2500)).rejects.toHaveProperty(
      'message',
      'timed out after 2.5 s',
    );
  });
});

describe('Runner.login', () => {
  const password = 'p@ss/word';
  const credential = { host: 'h.example', username: 'AWS', password };
  const env = { DOCKER_CONFIG: '/cfg' };
  let retries: [string, number, number, string][];
  let sleeps: number[];
  const policy = (attempts: number): RetryPolicy => ({
    attempts,
    timeoutMs: 900,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    onRetry: (host, attempt, delayMs, reason) => {
      retries.push([host, attempt, delayMs, reason]);
    },
  });
  /** Logs in with `cli`, each attempt ending as the next of `results`. */
  const login = (
    results: Partial<CommandResult>[],
    attempts: number,
    cli = 'docker',
  ): Promise<string> => {
    runCommand.mockImplementation((command, args, options) => {
      const result = results.shift() ?? failed('no more results');
      started.push({ command, args, options: options ?? {}, pid: 0, end: () => undefined });
      return Promise.resolve({ exitCode: 0, stdout: '', stderr: '', timedOut: false, ...result });
    });
    return new Runner().login(cli, credential, env, policy(attempts));
  };
  /** What each attempt ran: command, arguments, stdin, environment and time limit. */
  const attempts = () =>
    started.map(({ command, args, options }) => [
      command,
      args,
      options.input,
      options.env,
      options.timeoutMs,
    ]);
  const attempt = ['docker', ['login', '--username', 'AWS', '--password-stdin', 'h.example']];

  beforeEach(() => {
    retries = [];
    sleeps = [];
    jest.spyOn(Math, 'random').mockReturnValue(0);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  test('runs `login --username AWS --password-stdin <host>` with the password on stdin', async () => {
    await expect(login([{ stdout: 'Login Succeeded\n' }], 3)).resolves.toBe('Login Succeeded');
    expect(attempts()).toEqual([[...attempt, password, env, 900]]);
    expect([retries, sleeps]).toEqual([[], []]);
  });

  test('tries a transient failure again after a backoff, each attempt with the time limit', async () => {
    const refused = 'Error response from daemon: Get "https://h.example/v2/": connection refused';
    const result = login([{ exitCode: 128, timedOut: true }, failed(refused), {}], 3);
    await expect(result).resolves.toBe('');
    expect(attempts()).toEqual([
      [...attempt, password, env, 900],
      [...attempt, password, env, 900],
      [...attempt, password, env, 900],
    ]);
    expect(retries).toEqual([
      ['h.example', 1, 500, 'timed out after 0.9 s'],
      ['h.example', 2, 1000, refused],
    ]);
    expect(sleeps).toEqual([500, 1000]);
  });

  test('a refusal fails at once, naming the CLI and the registry', async () => {
    const refusal = 'Error: Get "https://h.example/v2/": unauthorized: authentication required';
    await expect(login([failed(refusal)], 5, 'podman')).rejects.toHaveProperty(
      'message',
      `podman login to h.example failed: ${refusal}`,
    );
    expect(started).toHaveLength(1);
    expect([retries, sleeps]).toEqual([[], []]);
  });

  test('gives up after the last attempt, and never shows the password', async () => {
    const echoed = `Error: Get "https://h.example/v2/?p=${password}": i/o timeout`;
    const hidden = 'Error: Get "https://h.example/v2/?p=***": i/o timeout';
    const error = login([failed(echoed), failed(echoed), failed(echoed)], 3, 'skopeo');
    await expect(error).rejects.toHaveProperty(
      'message',
      `skopeo login to h.example failed: ${hidden} (after 3 attempts)`,
    );
    expect(started).toHaveLength(3);
    expect(retries).toEqual([
      ['h.example', 1, 500, hidden],
      ['h.example', 2, 1000, hidden],
    ]);
    expect(sleeps).toEqual([500, 1000]);
  });
});

describe('stopLeftovers', () => {
  const children: ChildProcess[] = [];
  const sleeper = (): ChildProcess & { pid: number } => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(child);
    if (child.pid === undefined) throw new Error('sleep did not start');
    return child as ChildProcess & { pid: number };
  };
  const stillRunning = (child: ChildProcess): boolean =>
    child.exitCode === null && child.signalCode === null;
  const exited = (child: ChildProcess): Promise<NodeJS.Signals | null> =>
    stillRunning(child)
      ? new Promise((resolve) =>
          child.once('exit', (_code, signal) => {
            resolve(signal);
          }),
        )
      : Promise.resolve(child.signalCode);

  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  test('stops each process recorded as running while it is still that process, and only those', async () => {
    const [first, second, replaced, ended] = [sleeper(), sleeper(), sleeper(), sleeper()];
    const records = new Records(dir);
    for (const child of [first, second, ended])
      records.started(child.pid, real.startTimeOf(child.pid));
    // The PID now names a later process than the one recorded.
    records.started(replaced.pid, `${real.startTimeOf(replaced.pid) ?? ''}0`);
    records.ended(ended.pid);

    await expect(stopLeftovers(records)).resolves.toBe(2);
    await expect(Promise.all([exited(first), exited(second)])).resolves.toEqual([
      'SIGKILL',
      'SIGKILL',
    ]);
    expect([stillRunning(replaced), stillRunning(ended)]).toEqual([true, true]);
  });

  test('stops nothing where /proc does not show the process', async () => {
    const child = sleeper();
    const records = new Records(dir);
    records.started(child.pid, real.startTimeOf(child.pid));
    await expect(stopLeftovers(records, path.join(dir, 'no-proc'))).resolves.toBe(0);
    expect(stillRunning(child)).toBe(true);
  });
});
