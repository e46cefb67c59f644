import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import * as core from '../__fixtures__/core.ts';
import * as exec from '../__fixtures__/command.ts';

jest.unstable_mockModule('@actions/core', () => core);
jest.unstable_mockModule('../src/command.ts', () => exec);
const { logInWithAll, logOutOfAll, planLogins } = await import('../src/logins.ts');
const { defaultStores } = await import('../src/stores.ts');

let dir: string;
const once = { attempts: 1, timeoutMs: 5000 };
const savedEnv = { ...process.env };
beforeEach(() => {
  core.reset();
  exec.reset();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logins-test-'));
  process.env.RUNNER_TEMP = dir;
});
afterEach(() => {
  process.env = { ...savedEnv };
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('defaultStores', () => {
  test.each<[NodeJS.ProcessEnv, { docker: string; containers: string }]>([
    [{ HOME: '/h' }, { docker: path.join(os.homedir(), '.docker'), containers: '' }],
    [{ DOCKER_CONFIG: '/d' }, { docker: '/d', containers: '/d/config.json' }],
    [
      { REGISTRY_AUTH_FILE: '/a.json' },
      { docker: path.join(os.homedir(), '.docker'), containers: '/a.json' },
    ],
    [
      { DOCKER_CONFIG: '/d', REGISTRY_AUTH_FILE: '/a.json' },
      { docker: '/d', containers: '/a.json' },
    ],
  ])('%j → %j', (env, expected) => {
    expect(defaultStores(env)).toEqual({ ...expected, private: false });
  });
});

describe('one file shared by docker and podman', () => {
  test('every credential of every CLI lands, and all are logged out', async () => {
    const stores = defaultStores({ DOCKER_CONFIG: dir });
    const hosts = ['a.example', 'b.example', 'c.example'];
    for (const host of hosts) exec.passwords[host] = `pw-${host}`;
    const recorded: string[] = [];
    const plan = await planLogins(['docker', 'podman'], stores, dir);
    const results = await Promise.all(
      hosts.map((host) =>
        logInWithAll(host, { username: 'AWS', password: `pw-${host}` }, plan, once, (login) => {
          if (!login.pending) recorded.push(`${login.cli} ${login.host} ${login.store}`);
        }),
      ),
    );
    expect(results.flat().every((r) => 'output' in r)).toBe(true);
    const file = path.join(dir, 'config.json');
    const auths = (): string[] =>
      Object.keys((JSON.parse(fs.readFileSync(file, 'utf8')) as { auths: object }).auths).sort();
    expect(auths()).toEqual(hosts);
    expect(recorded.sort()).toEqual(
      hosts.flatMap((h) => [`docker ${h} ${dir}`, `podman ${h} ${file}`]).sort(),
    );
    const logins = hosts.flatMap((host) => [
      { host, cli: 'docker' as const, store: dir, file },
      { host, cli: 'podman' as const, store: file },
    ]);
    const out = await logOutOfAll(logins);
    expect(auths()).toEqual([]);
    expect(out.filter((r) => 'removed' in r && r.removed)).toHaveLength(3);
  });
});
