// runCommand starts real processes: it is the boundary the other tests replace.
import { describe, expect, test } from '@jest/globals';
import { runCommand } from '../src/command.ts';

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
});
