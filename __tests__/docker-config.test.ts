import * as path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import {
  containsAuth,
  detectDefaultStore,
  dockerConfigDir,
  storeFor,
} from '../src/docker-config.ts';
import type { DockerConfig, StoreChoice } from '../src/docker-config.ts';

describe('storeFor: where docker keeps a host credential', () => {
  test.each<[DockerConfig, string, StoreChoice]>([
    [{}, '', { helper: '', rule: 'file' }],
    [{}, 'wincred', { helper: 'wincred', rule: 'default' }],
    [{ credsStore: 'pass' }, '', { helper: 'pass', rule: 'credsStore' }],
    [{ credHelpers: { h: 'ecr-login' } }, '', { helper: 'ecr-login', rule: 'credHelpers' }],
    [{ credHelpers: { other: 'gcloud' } }, '', { helper: '', rule: 'file' }],
    [
      { credHelpers: { other: 'gcloud' }, credsStore: 'desktop' },
      '',
      { helper: 'desktop', rule: 'credsStore' },
    ],
    // an empty entry for the host means the file, whatever credsStore says
    [{ credsStore: 'pass', credHelpers: { h: '' } }, '', { helper: '', rule: 'credHelpers' }],
    [{ credsStore: '', credHelpers: {} }, '', { helper: '', rule: 'file' }],
    // a host named like an inherited property is still just a host
    [{ credHelpers: {} }, '', { helper: '', rule: 'file' }],
  ])('%j with default %j → %j', (config, detected, expected) => {
    expect(storeFor(config, 'h', detected)).toEqual(expected);
    expect(storeFor(config, 'toString', detected).rule).not.toBe('credHelpers');
  });
});

describe('containsAuth: docker detects a default store only when this is false', () => {
  test.each<[DockerConfig, boolean]>([
    [{}, false],
    [{ auths: {} }, false],
    [{ credHelpers: {}, credsStore: '' }, false],
    [{ auths: { a: {} } }, true],
    [{ credsStore: 'pass' }, true],
    [{ credHelpers: { a: '' } }, true],
    [{ currentContext: 'ci', proxies: {} }, false],
  ])('%j → %s', (config, expected) => {
    expect(containsAuth(config)).toBe(expected);
  });
});

describe('detectDefaultStore: the platform default, when its helper is on PATH', () => {
  const onPath =
    (...commands: string[]) =>
    (command: string) =>
      Promise.resolve(commands.includes(command));
  test.each<[NodeJS.Platform, string[], string]>([
    ['win32', ['docker-credential-wincred'], 'wincred'],
    ['win32', [], ''],
    ['darwin', ['docker-credential-osxkeychain'], 'osxkeychain'],
    ['darwin', ['docker-credential-desktop'], ''],
    ['linux', ['pass', 'docker-credential-pass', 'docker-credential-secretservice'], 'pass'],
    ['linux', ['docker-credential-secretservice'], 'secretservice'],
    // with pass installed docker looks only for its helper
    ['linux', ['pass', 'docker-credential-secretservice'], ''],
    ['linux', [], ''],
    ['freebsd', ['docker-credential-pass'], ''],
  ])('%s with %j on PATH → %j', async (platform, commands, expected) => {
    await expect(detectDefaultStore({}, onPath(...commands), platform)).resolves.toBe(expected);
  });

  test('none for a file that already holds a credential or names a store', async () => {
    const all = onPath('docker-credential-wincred');
    await expect(detectDefaultStore({ auths: { a: {} } }, all, 'win32')).resolves.toBe('');
    await expect(detectDefaultStore({ credHelpers: { a: '' } }, all, 'win32')).resolves.toBe('');
  });
});

describe('dockerConfigDir', () => {
  const windows = { name: 'win32' as const, path: path.win32, home: 'C:\\Users\\runneradmin' };
  const mac = { name: 'darwin' as const, path: path.posix, home: '/Users/runner' };
  test.each<[NodeJS.ProcessEnv, typeof windows | typeof mac, string]>([
    [{}, windows, 'C:\\Users\\runneradmin\\.docker'],
    [{ DOCKER_CONFIG: 'D:\\a\\_temp\\docker' }, windows, 'D:\\a\\_temp\\docker'],
    [{}, mac, '/Users/runner/.docker'],
    [{ DOCKER_CONFIG: '' }, mac, '/Users/runner/.docker'],
  ])('%j on %j → %s', (env, platform, expected) => {
    expect(dockerConfigDir(env, platform)).toBe(expected);
  });
});
