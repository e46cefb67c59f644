import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import * as exec from '../__fixtures__/command.ts';
import type { Login } from '../src/state.ts';

jest.unstable_mockModule('../src/command.ts', () => exec);
const { login, logout } = await import('../src/containers.ts');

let dir: string;
let authFile: string;
const once = { attempts: 1, timeoutMs: 5000 };
let records: Login[];
const record = (login: Login): void => {
  records.push(login);
};
const auths = (file = authFile): string[] =>
  Object.keys((JSON.parse(fs.readFileSync(file, 'utf8')) as { auths: object }).auths).sort();
const hosts = ['a.example', 'b.example', 'c.example', 'd.example'];
const savedEnv = { ...process.env };

beforeEach(() => {
  exec.reset();
  records = [];
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'containers-test-'));
  authFile = path.join(dir, 'auth.json');
  for (const host of hosts) exec.passwords[host] = `pw-${host}`;
});
afterEach(() => {
  process.env = { ...savedEnv };
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('login', () => {
  test('passes the password on stdin and the credential file in REGISTRY_AUTH_FILE', async () => {
    await expect(
      login('podman', 'a.example', 'AWS', 'pw-a.example', authFile, once, record),
    ).resolves.toBe('Login Succeeded!');
    expect(exec.calls).toEqual([
      {
        command: 'podman',
        args: ['login', '--username', 'AWS', '--password-stdin', 'a.example'],
        stdin: 'pw-a.example',
        file: authFile,
        dockerConfig: process.env.DOCKER_CONFIG,
      },
    ]);
    expect(auths()).toEqual(['a.example']);
    // the CLI writes the file itself: recorded before it started, then confirmed
    expect(records).toEqual([
      { host: 'a.example', cli: 'podman', store: authFile, pending: true },
      { host: 'a.example', cli: 'podman', store: authFile },
    ]);
  });

  test("leaves the choice of file to the CLI when there is none: the CLI's own default", async () => {
    process.env.XDG_RUNTIME_DIR = dir;
    delete process.env.REGISTRY_AUTH_FILE;
    await login('skopeo', 'a.example', 'AWS', 'pw-a.example', '', once, record);
    expect(auths(path.join(dir, 'containers', 'auth.json'))).toEqual(['a.example']);
  });

  test('logins of several CLIs and registries on one file all land: they run one at a time', async () => {
    await Promise.all(
      hosts.flatMap((host) =>
        (['podman', 'buildah', 'skopeo'] as const).map((cli) =>
          login(cli, host, 'AWS', `pw-${host}`, authFile, once, record),
        ),
      ),
    );
    expect(auths()).toEqual(hosts);
    expect(exec.calls).toHaveLength(12);
  });

  test('a refused password names the CLI and the registry', async () => {
    await expect(
      login('buildah', 'a.example', 'AWS', 'wrong', authFile, once, record),
    ).rejects.toThrow(
      'buildah login to a.example failed: Error: Get "https://a.example/v2/": unauthorized: authentication required',
    );
    expect(records).toEqual([
      { host: 'a.example', cli: 'buildah', store: authFile, pending: true },
    ]);
  });
});

describe('logout', () => {
  test('logs out of each host in the same file; one not logged in is reported as such', async () => {
    await login('podman', 'a.example', 'AWS', 'pw-a.example', authFile, once, record);
    await login('podman', 'b.example', 'AWS', 'pw-b.example', authFile, once, record);
    const results = await logout('podman', ['a.example', 'b.example', 'gone.example'], authFile);
    expect(results).toEqual([
      { host: 'a.example', removed: true },
      { host: 'b.example', removed: true },
      { host: 'gone.example', removed: false },
    ]);
    expect(auths()).toEqual([]);
    expect(exec.calls.slice(2).map((c) => [c.command, c.args, c.file])).toEqual([
      ['podman', ['logout', 'a.example'], authFile],
      ['podman', ['logout', 'b.example'], authFile],
      ['podman', ['logout', 'gone.example'], authFile],
    ]);
  });

  test('reports any other failure with its message', async () => {
    fs.writeFileSync(authFile, '{"auths":{}}');
    exec.runCommand.mockResolvedValueOnce({
      exitCode: 125,
      stdout: '',
      stderr: 'Error: permission denied\n',
      timedOut: false,
    });
    await expect(logout('skopeo', ['a.example'], authFile)).resolves.toEqual([
      { host: 'a.example', error: 'Error: permission denied' },
    ]);
  });

  test('a credential file that is gone means already logged out, without running the CLI', async () => {
    await expect(logout('podman', ['a.example'], authFile)).resolves.toEqual([
      { host: 'a.example', removed: false },
    ]);
    expect(exec.calls).toEqual([]);
  });

  test('the CLI default file gone, or nothing removed with exit 0, is not a removal', async () => {
    exec.runCommand
      .mockResolvedValueOnce({
        exitCode: 125,
        stdout: '',
        stderr:
          'Error: checking authfile: stat /run/containers/0/auth.json: no such file or directory\n',
        timedOut: false,
      })
      .mockResolvedValueOnce({
        exitCode: 0,
        stdout:
          'Not logged into b.example with current tool. Existing credentials were established via docker login.\n',
        stderr: '',
        timedOut: false,
      });
    await expect(logout('podman', ['a.example', 'b.example'], '')).resolves.toEqual([
      { host: 'a.example', removed: false },
      { host: 'b.example', removed: false },
    ]);
  });
});
