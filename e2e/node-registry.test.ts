// The registry `npm run standin` serves where docker-registry is not installed (GitHub's Windows
// and macOS runners): the real docker CLI logs in to it and reads demo:1 with that login only.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, dockerCanRead } from './support/images.ts';
import { startNodeRegistry } from './support/node-registry.ts';
import type { TestRegistry } from './support/registry.ts';

let registry: TestRegistry;
let dir: string;
beforeAll(async () => {
  registry = await startNodeRegistry('node-registry-password');
  dir = await mkdtemp(join(tmpdir(), 'node-registry-'));
});
afterAll(async () => {
  await registry.stop();
  await rm(dir, { recursive: true, force: true });
});

test('docker logs in with the password, reads demo:1 with that login, and not without', async () => {
  const wrong = await docker(
    dir,
    ['login', '-u', 'AWS', '--password-stdin', registry.host],
    {},
    'nope',
  );
  expect(wrong.code).not.toBe(0);
  expect(await dockerCanRead(dir, registry.host, 'demo', '1')).toBe(false);
  const login = await docker(
    dir,
    ['login', '-u', 'AWS', '--password-stdin', registry.host],
    {},
    registry.password,
  );
  expect(login.code).toBe(0);
  expect(await dockerCanRead(dir, registry.host, 'demo', '1')).toBe(true);
  await docker(dir, ['logout', registry.host]);
  expect(await dockerCanRead(dir, registry.host, 'demo', '1')).toBe(false);
});
