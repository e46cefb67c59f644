import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import * as exec from '../__fixtures__/command.ts';

jest.unstable_mockModule('../src/command.ts', () => exec);
const { findClis, isCli, runCli } = await import('../src/cli.ts');

let bin: string;
const savedPath = process.env.PATH;
const install = (...names: string[]): void => {
  for (const name of names) fs.writeFileSync(path.join(bin, name), '#!/bin/sh\n', { mode: 0o755 });
};

beforeEach(() => {
  exec.reset();
  bin = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-test-'));
  process.env.PATH = bin;
});
afterEach(() => {
  process.env.PATH = savedPath;
  fs.rmSync(bin, { recursive: true, force: true });
});

describe('findClis', () => {
  test('returns the CLIs asked for when all are installed', async () => {
    install('docker', 'podman', 'skopeo');
    await expect(findClis(['podman', 'skopeo'])).resolves.toEqual(['podman', 'skopeo']);
  });

  test('names a missing CLI and how to install it', async () => {
    install('docker');
    await expect(findClis(['docker', 'buildah'])).rejects.toThrow(
      'The buildah CLI was not found on PATH. Install it before this step (on Debian and Ubuntu: apt-get install buildah).',
    );
  });

  test('names docker and where runners have it', async () => {
    await expect(findClis(['docker'])).rejects.toThrow(
      /^The docker CLI was not found on PATH\. .*docker-ce-cli or docker\.io\)\.$/,
    );
  });

  test.each<[string[], string]>([
    [['docker', 'podman'], 'docker'],
    [['podman', 'skopeo'], 'podman'],
    [['skopeo', 'buildah'], 'buildah'],
    [['skopeo'], 'skopeo'],
  ])('auto with %j installed picks %s', async (installed, expected) => {
    install(...installed);
    await expect(findClis('auto')).resolves.toEqual([expected]);
  });

  test('auto with none installed says which it looked for', async () => {
    await expect(findClis('auto')).rejects.toThrow(
      "'container-cli: auto' found none of docker, podman, buildah, skopeo on PATH. Install one before this step.",
    );
  });
});

test('isCli knows the four CLIs only', () => {
  expect(['docker', 'podman', 'buildah', 'skopeo', 'nerdctl', ''].map(isCli)).toEqual([
    true,
    true,
    true,
    true,
    false,
    false,
  ]);
});

describe('runCli', () => {
  test('returns trimmed stdout and passes env, input and time limit through', async () => {
    exec.runCommand.mockResolvedValueOnce({
      exitCode: 0,
      stdout: ' ok \n',
      stderr: '',
      timedOut: false,
    });
    await expect(runCli('podman', ['version'], { A: '1' }, 'in', 900)).resolves.toBe('ok');
    expect(exec.runCommand).toHaveBeenCalledWith('podman', ['version'], {
      env: { A: '1' },
      input: 'in',
      timeoutMs: 900,
    });
  });

  test('throws the error output without informational lines', async () => {
    exec.runCommand.mockResolvedValueOnce({
      exitCode: 1,
      stdout: '',
      stderr:
        'WARNING! Your password will be stored unencrypted.\n' +
        'time="2026-01-01T00:00:00Z" level=info msg="trying next endpoint"\n\n' +
        'Error: the real reason\n',
      timedOut: false,
    });
    await expect(runCli('docker', ['login'], {})).rejects.toThrow(/^Error: the real reason$/);
  });

  test("keeps only the message of skopeo's logged errors", async () => {
    exec.runCommand.mockResolvedValueOnce({
      exitCode: 1,
      stdout: '',
      stderr:
        'time="2026-01-01T00:00:00Z" level=fatal msg="logging into \\"h:1\\": invalid username/password"\n',
      timedOut: false,
    });
    await expect(runCli('skopeo', ['login'], {})).rejects.toThrow(
      /^logging into "h:1": invalid username\/password$/,
    );
  });

  test('says when the command ran out of time', async () => {
    exec.runCommand.mockResolvedValueOnce({
      exitCode: 128,
      stdout: '',
      stderr: '',
      timedOut: true,
    });
    await expect(runCli('skopeo', ['login'], {}, undefined, 2500)).rejects.toThrow(
      'timed out after 2.5 s',
    );
  });
});
