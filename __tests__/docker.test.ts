import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import {
  containsAuth,
  detectDefaultStore,
  dockerConfigDir,
  placementFor,
  planDocker,
  storeFor,
} from '../src/docker.ts';
import type { DockerPlacement, DockerPlan, Platform, StoreChoice } from '../src/docker.ts';
import type { CredentialFile } from '../src/files.ts';

describe('dockerConfigDir: DOCKER_CONFIG made absolute, else ~/.docker', () => {
  const windows: Platform = { name: 'win32', path: path.win32, home: 'C:\\Users\\runneradmin' };
  const linux: Platform = { name: 'linux', path: path.posix, home: '/home/runner' };
  test.each<[NodeJS.ProcessEnv, Platform, string]>([
    [{}, windows, 'C:\\Users\\runneradmin\\.docker'],
    [{ DOCKER_CONFIG: 'D:\\a\\_temp\\docker' }, windows, 'D:\\a\\_temp\\docker'],
    [{ DOCKER_CONFIG: 'D:\\a\\_temp\\x\\..\\docker\\' }, windows, 'D:\\a\\_temp\\docker'],
    [{}, linux, '/home/runner/.docker'],
    [{ DOCKER_CONFIG: '' }, linux, '/home/runner/.docker'],
    [{ DOCKER_CONFIG: '/etc/docker/' }, linux, '/etc/docker'],
    // relative to the working directory, as docker reads it
    [{ DOCKER_CONFIG: 'ci/docker' }, linux, `${process.cwd()}/ci/docker`],
  ])('%j on %s', (env, platform, expected) => {
    expect(dockerConfigDir(env, platform)).toBe(expected);
  });
});

describe('containsAuth: docker detects a default store only when this is false', () => {
  test.each<[CredentialFile, boolean]>([
    [{}, false],
    [{ auths: {} }, false],
    [{ credHelpers: {}, credsStore: '' }, false],
    [{ currentContext: 'ci', proxies: {} }, false],
    [{ auths: { a: {} } }, true],
    [{ credsStore: 'pass' }, true],
    [{ credHelpers: { a: '' } }, true],
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
    // with pass installed docker looks for its helper alone
    ['linux', ['pass', 'docker-credential-secretservice'], ''],
    ['linux', [], ''],
    ['freebsd', ['docker-credential-pass'], ''],
  ])('%s with %j on PATH → %j', async (platform, commands, expected) => {
    await expect(detectDefaultStore({}, onPath(...commands), platform)).resolves.toBe(expected);
  });

  test.each<CredentialFile>([
    { auths: { a: {} } },
    { credHelpers: { a: '' } },
    { credsStore: 'x' },
  ])('none for a file that holds a credential or names a store: %j', async (config) => {
    const all = onPath('docker-credential-wincred');
    await expect(detectDefaultStore(config, all, 'win32')).resolves.toBe('');
  });
});

describe('storeFor: where docker keeps a host credential', () => {
  test.each<[CredentialFile, string, string, StoreChoice]>([
    [{}, 'h', '', { helper: '', rule: 'file' }],
    [{}, 'h', 'wincred', { helper: 'wincred', rule: 'default' }],
    [{ credsStore: 'pass' }, 'h', 'wincred', { helper: 'pass', rule: 'credsStore' }],
    [{ credHelpers: { h: 'ecr-login' } }, 'h', '', { helper: 'ecr-login', rule: 'credHelpers' }],
    [{ credHelpers: { other: 'gcloud' } }, 'h', '', { helper: '', rule: 'file' }],
    [
      { credHelpers: { other: 'gcloud' }, credsStore: 'desktop' },
      'h',
      '',
      { helper: 'desktop', rule: 'credsStore' },
    ],
    // an empty entry for the host means the file, whatever credsStore says
    [{ credsStore: 'pass', credHelpers: { h: '' } }, 'h', '', { helper: '', rule: 'credHelpers' }],
    [{ credsStore: '', credHelpers: {} }, 'h', '', { helper: '', rule: 'file' }],
    // a host named like an inherited property is still just a host
    [{ credHelpers: {} }, 'toString', '', { helper: '', rule: 'file' }],
  ])('%j, host %s, default %j → %j', (config, host, detected, expected) => {
    expect(storeFor(config, host, detected)).toEqual(expected);
  });
});

describe('planDocker', () => {
  let dir: string;
  const savedPath = process.env.PATH;
  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'docker-test-')));
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.mkdirSync(path.join(dir, 'docker'));
    process.env.PATH = path.join(dir, 'bin');
  });
  afterEach(() => {
    process.env.PATH = savedPath;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const onPath = (...commands: string[]) => {
    for (const command of commands) {
      fs.writeFileSync(path.join(dir, 'bin', command), '#!/bin/sh\n', { mode: 0o755 });
    }
  };

  test('reads the config through a symbolic link and detects the default store on PATH', async () => {
    fs.writeFileSync(path.join(dir, 'shared.json'), '{"currentContext":"ci"}');
    fs.symlinkSync(path.join(dir, 'shared.json'), path.join(dir, 'docker', 'config.json'));
    onPath('pass', 'docker-credential-pass', 'docker-credential-wincred');
    onPath('docker-credential-osxkeychain');
    const defaults: Record<string, string> = { win32: 'wincred', darwin: 'osxkeychain' };
    const detected = defaults[process.platform] ?? 'pass';
    await expect(planDocker(path.join(dir, 'docker'), false)).resolves.toEqual({
      dir: path.join(dir, 'docker'),
      file: path.join(dir, 'shared.json'),
      config: { currentContext: 'ci' },
      detected,
      private: false,
      refusing: new Set(),
    });
  });

  test('detects no default store for a file that holds a credential, nor without its helper', async () => {
    onPath('pass');
    const plan = await planDocker(path.join(dir, 'docker'), true);
    expect([plan.detected, plan.private, plan.config]).toEqual(['', true, {}]);
    onPath('docker-credential-pass', 'docker-credential-wincred', 'docker-credential-osxkeychain');
    fs.writeFileSync(path.join(dir, 'docker', 'config.json'), '{"auths":{"a":{}}}');
    expect((await planDocker(path.join(dir, 'docker'), false)).detected).toBe('');
  });
});

describe('placementFor: where one login goes, as docker would put it', () => {
  const file = '/home/runner/.docker/config.json';
  const plan = (config: CredentialFile, detected = '', isPrivate = false): DockerPlan => ({
    dir: '/home/runner/.docker',
    file,
    config,
    detected,
    private: isPrivate,
    refusing: new Set(['earlier']),
  });
  type Expected = Pick<DockerPlacement, 'helper' | 'pin' | 'persist'> & { refusing: boolean };
  test.each<[string, CredentialFile, string, boolean, Expected]>([
    ['the file', {}, '', false, { helper: '', pin: false, persist: '', refusing: false }],
    [
      'credHelpers',
      { credHelpers: { h: 'ecr-login' }, credsStore: 'pass' },
      'wincred',
      false,
      { helper: 'ecr-login', pin: false, persist: '', refusing: false },
    ],
    [
      'credsStore',
      { credsStore: 'desktop' },
      '',
      false,
      { helper: 'desktop', pin: false, persist: '', refusing: false },
    ],
    [
      'the platform default, persisted as docker does',
      {},
      'wincred',
      false,
      { helper: 'wincred', pin: false, persist: 'wincred', refusing: true },
    ],
    [
      'an empty credHelpers entry: the file, no pin of its own',
      { credHelpers: { h: '' }, credsStore: 'pass' },
      '',
      false,
      { helper: '', pin: false, persist: '', refusing: false },
    ],
    [
      'a private dir with a credsStore: the file, pinned',
      { credsStore: 'desktop' },
      '',
      true,
      { helper: '', pin: true, persist: '', refusing: false },
    ],
    [
      'a private dir with a credHelpers entry: the file, pinned',
      { credHelpers: { h: 'ecr-login' } },
      '',
      true,
      { helper: '', pin: true, persist: '', refusing: false },
    ],
    [
      'a private dir with a platform default: the file, pinned, the default persisted',
      {},
      'wincred',
      true,
      { helper: '', pin: true, persist: 'wincred', refusing: true },
    ],
    [
      'a private dir without a store',
      {},
      '',
      true,
      { helper: '', pin: false, persist: '', refusing: false },
    ],
  ])('%s', (_name, config, detected, isPrivate, expected) => {
    const p = plan(config, detected, isPrivate);
    const placement = placementFor(p, 'h');
    expect(placement).toMatchObject({
      cli: 'docker',
      dir: '/home/runner/.docker',
      file,
      helper: expected.helper,
      pin: expected.pin,
      persist: expected.persist,
    });
    // only a store docker picked by itself may refuse and fall back to the file
    expect(placement.refusing).toBe(expected.refusing ? p.refusing : undefined);
  });

  test('stages every setting of the file but its credentials and stores, naming the host’s store', () => {
    const config = {
      auths: { a: { auth: 'x' } },
      credsStore: 'pass',
      credHelpers: { b: 'gcloud' },
      currentContext: 'ci',
      proxies: { default: { httpProxy: 'http://proxy:3128' } },
    };
    expect(placementFor(plan(config), 'h').staging).toEqual({
      currentContext: 'ci',
      proxies: { default: { httpProxy: 'http://proxy:3128' } },
      credHelpers: { h: 'pass' },
    });
  });

  test.each<[CredentialFile, string]>([
    [{ credsStore: 'desktop' }, `'desktop' ("credsStore" in ${file})`],
    [{ credHelpers: { 'a.example': 'pass' } }, `'pass' ("credHelpers" for a.example in ${file})`],
  ])('the refusal of %j names the store, the file and both fixes', (config, store) => {
    expect(placementFor(plan(config), 'a.example').refusal).toBe(
      `The credential store ${store} did not take the ECR token. To keep this registry's ` +
        `credential in config.json instead, add "credHelpers": {"a.example": ""} to that file, ` +
        `or set 'isolate-credentials: true'.`,
    );
  });
});
