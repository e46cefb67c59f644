import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import { containersAuthFile, containersPlacement } from '../src/containers.ts';
import type { Host } from '../src/containers.ts';

describe('containersAuthFile: the auth file podman, buildah and skopeo choose', () => {
  const user: Host = { platform: 'linux', uid: 1001, home: '/home/runner' };
  const root: Host = { platform: 'linux', uid: 0, home: '/root' };
  const mac: Host = { platform: 'darwin', uid: 501, home: '/Users/runner' };
  const windows: Host = { platform: 'win32', uid: undefined, home: '/Users/runneradmin' };
  const cwd = process.cwd();
  test.each<[string, NodeJS.ProcessEnv, Host, string]>([
    [
      'REGISTRY_AUTH_FILE before anything else',
      { REGISTRY_AUTH_FILE: '/a/auth.json', DOCKER_CONFIG: '/d', XDG_RUNTIME_DIR: '/run/user/1' },
      user,
      '/a/auth.json',
    ],
    [
      'a relative REGISTRY_AUTH_FILE',
      { REGISTRY_AUTH_FILE: 'a/auth.json' },
      mac,
      `${cwd}/a/auth.json`,
    ],
    [
      "DOCKER_CONFIG's config.json",
      { DOCKER_CONFIG: '/d', XDG_RUNTIME_DIR: '/run/user/1' },
      user,
      '/d/config.json',
    ],
    ['a relative DOCKER_CONFIG', { DOCKER_CONFIG: 'd' }, root, `${cwd}/d/config.json`],
    [
      'XDG_RUNTIME_DIR on Linux',
      { XDG_RUNTIME_DIR: '/run/user/1001', REGISTRY_AUTH_FILE: '', DOCKER_CONFIG: '' },
      user,
      '/run/user/1001/containers/auth.json',
    ],
    [
      'a relative XDG_RUNTIME_DIR',
      { XDG_RUNTIME_DIR: 'run' },
      root,
      `${cwd}/run/containers/auth.json`,
    ],
    ['root without XDG_RUNTIME_DIR', {}, root, '/run/containers/0/auth.json'],
    // podman picks a runtime directory of its own, which only it knows
    ['another user without XDG_RUNTIME_DIR', { XDG_RUNTIME_DIR: '' }, user, ''],
    [
      'macOS, whatever XDG_RUNTIME_DIR says',
      { XDG_RUNTIME_DIR: '/run/user/501' },
      mac,
      path.join('/Users/runner', '.config', 'containers', 'auth.json'),
    ],
    ['Windows', {}, windows, path.join('/Users/runneradmin', '.config', 'containers', 'auth.json')],
  ])('%s', (_name, env, host, expected) => {
    expect(containersAuthFile(env, host)).toBe(expected);
  });
});

describe('containersPlacement', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('names the file behind a symbolic link; the CLI’s own file stays unnamed', () => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'containers-test-')));
    fs.writeFileSync(path.join(dir, 'shared.json'), '{}');
    fs.symlinkSync(path.join(dir, 'shared.json'), path.join(dir, 'auth.json'));
    expect(containersPlacement('podman', path.join(dir, 'auth.json'))).toEqual({
      cli: 'podman',
      file: path.join(dir, 'shared.json'),
    });
    expect(containersPlacement('skopeo', '')).toEqual({ cli: 'skopeo', file: '' });
  });
});
