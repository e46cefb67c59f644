import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { findClis, isCli } from '../src/cli.ts';

let bin: string;
const savedPath = process.env.PATH;
const install = (...names: string[]): void => {
  for (const name of names) fs.writeFileSync(path.join(bin, name), '#!/bin/sh\n', { mode: 0o755 });
};

beforeEach(() => {
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
