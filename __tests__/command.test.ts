// runCommand starts real processes: it is the boundary the other tests replace.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { MAX_RUNNING, runCommand, stopAll } from '../src/command.ts';

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

  test('passes exactly the given environment and arguments, without a shell', async () => {
    const result = await runCommand('sh', ['-c', 'echo "$ONLY:$HOME:$1"', 'x', '$(id)'], {
      env: { ONLY: 'set', PATH: process.env.PATH },
    });
    expect(result.stdout).toBe('set::$(id)\n');
  });

  test('kills a command that runs past its time limit', async () => {
    const result = await runCommand('sleep', ['5'], { timeoutMs: 100 });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBe(128);
  });

  test('a missing command is named', async () => {
    await expect(runCommand('no-such-command-here', [])).rejects.toThrow(
      'no-such-command-here was not found on PATH',
    );
  });

  test('closes stdin when there is no input', async () => {
    const result = await runCommand('cat', []);
    expect(result).toEqual({ exitCode: 0, stdout: '', stderr: '', timedOut: false });
  });

  test('runs at most MAX_RUNNING at once, and every command still runs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'command-cap-'));
    try {
      // each command counts the commands running beside it, itself included
      const script = `touch "$1/$$.run"; ls "$1" | grep -c run; sleep 0.15; rm "$1/$$.run"`;
      const results = await Promise.all(
        Array.from({ length: 40 }, () => runCommand('sh', ['-c', script, 'sh', dir])),
      );
      const counts = results.map((r) => Number(r.stdout.trim()));
      expect(results.every((r) => r.exitCode === 0)).toBe(true);
      expect(Math.max(...counts)).toBe(MAX_RUNNING);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a command that cannot start gives its slot back', async () => {
    const missing = Array.from({ length: MAX_RUNNING + 4 }, () =>
      runCommand('no-such-command-here', []).catch(() => 'failed'),
    );
    expect(new Set(await Promise.all(missing))).toEqual(new Set(['failed']));
    await expect(runCommand('true', [])).resolves.toMatchObject({ exitCode: 0 });
  });

  test('stopAll kills the commands in flight at once', async () => {
    const started = Date.now();
    const sleeping = [runCommand('sleep', ['5']), runCommand('sleep', ['5'])];
    await new Promise((resolve) => setTimeout(resolve, 100));
    stopAll();
    const results = await Promise.all(sleeping);
    expect(results.map((r) => [r.exitCode, r.timedOut])).toEqual([
      [128, false],
      [128, false],
    ]);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
