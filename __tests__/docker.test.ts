import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import * as exec from '../__fixtures__/command.ts';

jest.unstable_mockModule('../src/command.ts', () => exec);
const { login, logout } = await import('../src/docker.ts');
const { dockerConfigDir, readConfig, updateAuths, usesHelper } =
  await import('../src/docker-config.ts');

let dir: string;
const once = { attempts: 1, timeoutMs: 5000 };
const hosts = Array.from(
  { length: 8 },
  (_, i) => `11111111111${i}.dkr.ecr.eu-west-1.amazonaws.com`,
);
const writeConfig = (config: object): void => {
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
};

beforeEach(() => {
  exec.reset();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docker-test-'));
  process.env.RUNNER_TEMP = dir;
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  delete process.env.RUNNER_TEMP;
});

describe('login', () => {
  test('passes the password on stdin only and writes the credential to config.json', async () => {
    exec.passwords['a.example'] = 'pw-1';
    const output = await login('a.example', 'AWS', 'pw-1', dir, once);
    expect(output).toBe('Login Succeeded');
    expect(exec.calls).toHaveLength(1);
    const [call] = exec.calls;
    expect(call?.args).toEqual(['login', '--username', 'AWS', '--password-stdin', 'a.example']);
    expect(call?.stdin).toBe('pw-1');
    expect(call?.args.join(' ')).not.toContain('pw-1');
    expect(readConfig(dir).auths).toEqual({
      'a.example': { auth: Buffer.from('AWS:pw-1').toString('base64') },
    });
    expect(fs.statSync(path.join(dir, 'config.json')).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(['config.json']);
  });

  test('keeps every credential and setting when 8 logins run at once', async () => {
    writeConfig({ auths: { 'old.example': { auth: 'b2xk' } }, detachKeys: 'ctrl-e,e' });
    hosts.forEach((host, i) => (exec.passwords[host] = `pw-${i}`));
    await Promise.all(hosts.map((host, i) => login(host, 'AWS', `pw-${i}`, dir, once)));
    const config = readConfig(dir);
    expect(Object.keys(config.auths ?? {}).sort()).toEqual(['old.example', ...hosts].sort());
    expect(config.detachKeys).toBe('ctrl-e,e');
    // each login ran in a staging config of its own that held no other credential
    const staging = new Set(exec.calls.map((c) => c.dockerConfig));
    expect(staging.size).toBe(8);
    expect(staging.has(dir)).toBe(false);
    expect(fs.readdirSync(dir)).toEqual(['config.json']);
  });

  test('logs in directly, one at a time, when a credential helper holds the credentials', async () => {
    writeConfig({ credHelpers: { [hosts[0] ?? '']: 'ecr-login' } });
    exec.passwords[hosts[0] ?? ''] = 'pw';
    await login(hosts[0] ?? '', 'AWS', 'pw', dir, once);
    expect(exec.calls.map((c) => c.dockerConfig)).toEqual([dir]);
  });

  test('a job-private config keeps the credential in its own file despite a credsStore', async () => {
    writeConfig({ credsStore: 'desktop', credHelpers: { 'other.example': 'gcloud' } });
    exec.passwords['a.example'] = 'pw';
    await login('a.example', 'AWS', 'pw', dir, once, true);
    const config = readConfig(dir);
    expect(config.credHelpers).toEqual({ 'other.example': 'gcloud', 'a.example': '' });
    expect(config.credsStore).toBe('desktop');
    expect(Object.keys(config.auths ?? {})).toEqual(['a.example']);
    // docker ran in a staging config that names no helper at all
    const staging = exec.calls[0]?.dockerConfig ?? '';
    expect(staging).not.toBe(dir);
    await expect(logout(['a.example'], dir)).resolves.toEqual([
      { host: 'a.example', removed: true },
    ]);
    expect(exec.calls).toHaveLength(1);
  });

  test('serialises logins that go through a credsStore', async () => {
    writeConfig({ credsStore: 'pass' });
    hosts.forEach((host, i) => (exec.passwords[host] = `pw-${i}`));
    await Promise.all(hosts.map((host, i) => login(host, 'AWS', `pw-${i}`, dir, once)));
    // the fake CLI rewrites config.json at exit, so only serial runs keep all 8
    expect(Object.keys(readConfig(dir).auths ?? {})).toHaveLength(8);
    expect(exec.calls.every((c) => c.dockerConfig === dir)).toBe(true);
  });

  test('a refused password fails naming the registry, with docker message and no password', async () => {
    exec.passwords['a.example'] = 'right';
    await expect(login('a.example', 'AWS', 'wrong', dir, once)).rejects.toThrow(
      'docker login to a.example failed: Error response from daemon: Get "https://a.example/v2/": unauthorized: authentication required',
    );
    expect(readConfig(dir)).toEqual({});
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('a failure message never carries the password, and drops docker warnings', async () => {
    exec.runCommand.mockResolvedValueOnce({
      exitCode: 1,
      stdout: '',
      stderr: 'WARNING! Using --password via the CLI is insecure.\nbad secret-pw here\n',
      timedOut: false,
    });
    await expect(login('a.example', 'AWS', 'secret-pw', dir, once)).rejects.toThrow(
      /^docker login to a\.example failed: bad \*\*\* here$/,
    );
  });

  test('a failure with nothing on stderr reports the exit code', async () => {
    exec.runCommand.mockResolvedValueOnce({ exitCode: 3, stdout: '', stderr: '', timedOut: false });
    await expect(login('a.example', 'AWS', 'pw', dir, once)).rejects.toThrow(
      'docker login to a.example failed: docker login exited with code 3',
    );
  });
});

describe('login retries', () => {
  const retrying = (sleeps: number[], retries: string[]) => ({
    attempts: 3,
    timeoutMs: 5000,
    sleep: (ms: number): Promise<void> => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    onRetry: (attempt: number, _delay: number, reason: string): void => {
      retries.push(`${attempt}: ${reason}`);
    },
  });

  test('retries a refused connection until the registry answers', async () => {
    exec.passwords['a.example'] = 'pw';
    exec.unreachable.add('a.example');
    const sleeps: number[] = [];
    const retries: string[] = [];
    exec.runCommand.mockImplementationOnce(async (...args) => {
      const result = await exec.runCommand.getMockImplementation()?.(...args);
      exec.unreachable.delete('a.example');
      if (result === undefined) throw new Error('no implementation');
      return result;
    });
    await login('a.example', 'AWS', 'pw', dir, retrying(sleeps, retries));
    expect(exec.calls).toHaveLength(2);
    expect(exec.calls.every((c) => c.stdin === 'pw')).toBe(true);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(500);
    expect(sleeps[0]).toBeLessThanOrEqual(1000);
    expect(retries).toEqual([
      '1: Error response from daemon: Get "https://a.example/v2/": dial tcp: connection refused',
    ]);
    expect(Object.keys(readConfig(dir).auths ?? {})).toEqual(['a.example']);
  });

  test('gives up after the last attempt, saying how many were made', async () => {
    exec.unreachable.add('a.example');
    const sleeps: number[] = [];
    await expect(login('a.example', 'AWS', 'pw', dir, retrying(sleeps, []))).rejects.toThrow(
      /^docker login to a\.example failed: .*connection refused \(after 3 attempts\)$/,
    );
    expect(exec.calls).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  test('never retries a refused password', async () => {
    exec.passwords['a.example'] = 'right';
    const sleeps: number[] = [];
    await expect(login('a.example', 'AWS', 'wrong', dir, retrying(sleeps, []))).rejects.toThrow(
      /unauthorized: authentication required$/,
    );
    expect(exec.calls).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  test('an attempt that runs past its time limit is retried, and passes the limit on', async () => {
    exec.passwords['a.example'] = 'pw';
    exec.runCommand.mockResolvedValueOnce({
      exitCode: 128,
      stdout: '',
      stderr: '',
      timedOut: true,
    });
    const retries: string[] = [];
    await login('a.example', 'AWS', 'pw', dir, retrying([], retries));
    expect(retries).toEqual(['1: timed out after 5 s']);
    expect(exec.runCommand.mock.calls.map((call) => call[2]?.timeoutMs)).toEqual([5000, 5000]);
  });
});

describe('logout', () => {
  test('removes exactly the given credentials from config.json in one rewrite', async () => {
    writeConfig({
      auths: { a: { auth: 'x' }, b: { auth: 'y' }, keep: { auth: 'z' } },
      psFormat: 'x',
    });
    const results = await logout(['a', 'b', 'gone'], dir);
    expect(results).toEqual([
      { host: 'a', removed: true },
      { host: 'b', removed: true },
      { host: 'gone', removed: false },
    ]);
    expect(readConfig(dir)).toEqual({ auths: { keep: { auth: 'z' } }, psFormat: 'x' });
    expect(exec.calls).toEqual([]);
  });

  test('reports nothing removed when there is no config.json', async () => {
    expect(await logout(['a'], dir)).toEqual([{ host: 'a', removed: false }]);
    expect(fs.existsSync(path.join(dir, 'config.json'))).toBe(false);
  });

  test('uses docker logout for hosts held by a credential helper', async () => {
    writeConfig({ auths: { a: {} }, credHelpers: { a: 'ecr-login' } });
    expect(await logout(['a'], dir)).toEqual([{ host: 'a', removed: true }]);
    expect(exec.calls.map((c) => [c.args, c.dockerConfig])).toEqual([[['logout', 'a'], dir]]);
  });

  test('reports a failed docker logout with its message', async () => {
    writeConfig({ credsStore: 'pass' });
    exec.runCommand.mockResolvedValueOnce({
      exitCode: 1,
      stdout: '',
      stderr: 'store broke\n',
      timedOut: false,
    });
    expect(await logout(['a'], dir)).toEqual([{ host: 'a', error: 'store broke' }]);
  });

  test('fails on a config.json that is not JSON', async () => {
    fs.writeFileSync(path.join(dir, 'config.json'), '{not json');
    await expect(logout(['a'], dir)).rejects.toThrow(/is not valid JSON/);
  });
});

describe('docker config', () => {
  test.each<[Record<string, unknown>, boolean]>([
    [{}, false],
    [{ credsStore: 'pass' }, true],
    [{ credHelpers: { h: 'ecr-login' } }, true],
    [{ credHelpers: { other: 'ecr-login' } }, false],
    [{ credsStore: 'pass', credHelpers: { h: '' } }, false],
    [{ credsStore: '', credHelpers: {} }, false],
  ])('usesHelper(%j, h) is %s, as the docker CLI decides', (config, expected) => {
    expect(usesHelper(config, 'h')).toBe(expected);
  });

  test('DOCKER_CONFIG wins over ~/.docker', () => {
    expect(dockerConfigDir({ DOCKER_CONFIG: '/x' })).toBe('/x');
    expect(dockerConfigDir({})).toBe(path.join(os.homedir(), '.docker'));
  });

  test('an empty file is an empty config', () => {
    fs.writeFileSync(path.join(dir, 'config.json'), ' \n');
    expect(readConfig(dir)).toEqual({});
  });

  test('creates the directory when it is missing', () => {
    const nested = path.join(dir, 'new');
    expect(updateAuths(nested, { h: { auth: 'x' } })).toEqual([]);
    expect(readConfig(nested)).toEqual({ auths: { h: { auth: 'x' } } });
  });

  test('other read errors propagate', () => {
    fs.mkdirSync(path.join(dir, 'config.json'));
    expect(() => readConfig(dir)).toThrow(/EISDIR/);
  });
});
