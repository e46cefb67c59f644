import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import * as exec from '../__fixtures__/command.ts';
import type { DockerPlan } from '../src/docker.ts';
import type { Login } from '../src/state.ts';

jest.unstable_mockModule('../src/command.ts', () => exec);
const { login, logout, planDocker } = await import('../src/docker.ts');
const { readJson } = await import('../src/stores.ts');

let root: string;
let dir: string;
let work: string;
/** What the logins recorded for the post step, in order. */
let records: Login[];
const record = (login: Login): void => {
  records.push(login);
};
const once = { attempts: 1, timeoutMs: 5000 };
const hosts = Array.from(
  { length: 8 },
  (_, i) => `11111111111${i}.dkr.ecr.eu-west-1.amazonaws.com`,
);
const file = (): string => path.join(dir, 'config.json');
const writeConfig = (config: object): void => {
  fs.writeFileSync(file(), JSON.stringify(config));
};
const config = () => readJson(file());
const authOf = (password: string) => ({ auth: Buffer.from(`AWS:${password}`).toString('base64') });
/** A plan as planDocker makes it, with the default store docker would detect given. */
const plan = (detected = '', isPrivate = false): DockerPlan => ({
  dir,
  file: file(),
  config: config(),
  detected,
  private: isPrivate,
  work,
  refusing: new Set(),
});

beforeEach(() => {
  exec.reset();
  records = [];
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'docker-test-'));
  dir = path.join(root, 'docker');
  work = path.join(root, 'work');
  fs.mkdirSync(dir);
  fs.mkdirSync(work);
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe('login', () => {
  test('passes the password on stdin only and writes the credential to config.json', async () => {
    exec.passwords['a.example'] = 'pw-1';
    const done = await login('a.example', 'AWS', 'pw-1', plan(), once, record);
    expect(done).toEqual({
      output: 'Login Succeeded',
      login: {
        host: 'a.example',
        cli: 'docker',
        store: dir,
        file: file(),
        helper: '',
        pinned: false,
      },
    });
    expect(exec.calls).toHaveLength(1);
    const [call] = exec.calls;
    expect(call?.args).toEqual(['login', '--username', 'AWS', '--password-stdin', 'a.example']);
    expect(call?.stdin).toBe('pw-1');
    expect(config()).toEqual({ auths: { 'a.example': authOf('pw-1') } });
    expect(fs.statSync(file()).mode & 0o777).toBe(0o600);
    expect([fs.readdirSync(dir), fs.readdirSync(work)]).toEqual([['config.json'], []]);
    // recorded once, with the write: nothing could land before it
    expect(records).toEqual([done.login]);
  });

  test('docker runs in a staging directory that sees every entry of the real one', async () => {
    fs.mkdirSync(path.join(dir, 'contexts'));
    fs.mkdirSync(path.join(dir, 'cli-plugins'));
    fs.writeFileSync(path.join(dir, 'features.json'), '{}');
    writeConfig({ currentContext: 'ci', auths: { 'old.example': {} }, credsStore: 'pass' });
    exec.passwords['a.example'] = 'pw';
    const seen: { entries: string[]; config: unknown; links: string[] }[] = [];
    exec.runCommand.mockImplementationOnce(async (...args) => {
      const staging = args[2]?.env?.DOCKER_CONFIG ?? '';
      const entries = fs.readdirSync(staging).sort();
      seen.push({
        entries,
        config: readJson(path.join(staging, 'config.json')),
        links: entries.filter((e) => fs.lstatSync(path.join(staging, e)).isSymbolicLink()),
      });
      const result = await exec.runCommand.getMockImplementation()?.(...args);
      if (result === undefined) throw new Error('no implementation');
      return result;
    });
    await login('a.example', 'AWS', 'pw', plan(), once, record);
    expect(seen).toEqual([
      {
        entries: ['cli-plugins', 'config.json', 'contexts', 'features.json'],
        // every setting, the host's store named explicitly, no other credential
        config: { currentContext: 'ci', credHelpers: { 'a.example': 'pass' } },
        links: ['cli-plugins', 'contexts', 'features.json'],
      },
    ]);
    expect(exec.helperStores).toEqual({ pass: { 'a.example': 'pw' } });
  });

  test('keeps every credential and setting when 8 logins run at once', async () => {
    writeConfig({ auths: { 'old.example': { auth: 'b2xk' } }, detachKeys: 'ctrl-e,e', x: [1] });
    hosts.forEach((host, i) => (exec.passwords[host] = `pw-${i}`));
    const p = plan();
    await Promise.all(hosts.map((host, i) => login(host, 'AWS', `pw-${i}`, p, once, record)));
    const after = config();
    expect(Object.keys(after.auths ?? {}).sort()).toEqual(['old.example', ...hosts].sort());
    expect([after.detachKeys, after.x]).toEqual(['ctrl-e,e', [1]]);
    expect(new Set(exec.calls.map((c) => c.dockerConfig)).size).toBe(8);
    expect(fs.readdirSync(work)).toEqual([]);
  });

  test('one host through a helper and four in the file, all at once: none is lost', async () => {
    const [h0, h1, h2, h3, h4] = hosts;
    writeConfig({ credHelpers: { [h2 ?? '']: 'fake' } });
    const five = [h0, h1, h2, h3, h4].map((h) => h ?? '');
    five.forEach((host, i) => (exec.passwords[host] = `pw-${i}`));
    const p = plan();
    await Promise.all(five.map((host, i) => login(host, 'AWS', `pw-${i}`, p, once, record)));
    expect(config()).toEqual({
      auths: Object.fromEntries(five.map((h, i) => [h, h === h2 ? {} : authOf(`pw-${i}`)])),
      credHelpers: { [h2 ?? '']: 'fake' },
    });
    expect(exec.helperStores).toEqual({ fake: { [h2 ?? '']: 'pw-2' } });
    // the helper login was recorded before docker started, then confirmed
    const helperRecords = records.filter((r) => r.host === h2);
    expect(helperRecords.map((r) => [r.helper, r.pending])).toEqual([
      ['fake', true],
      ['fake', undefined],
    ]);
  });

  test('logins through one helper run one at a time', async () => {
    writeConfig({ credsStore: 'pass' });
    hosts.forEach((host, i) => (exec.passwords[host] = `pw-${i}`));
    let running = 0;
    let most = 0;
    const inner = exec.runCommand.getMockImplementation();
    exec.runCommand.mockImplementation(async (...args) => {
      most = Math.max(most, ++running);
      const result = await inner?.(...args);
      running--;
      if (result === undefined) throw new Error('no implementation');
      return result;
    });
    const p = plan();
    await Promise.all(hosts.map((host, i) => login(host, 'AWS', `pw-${i}`, p, once, record)));
    expect(most).toBe(1);
    expect(Object.keys(exec.helperStores.pass ?? {})).toHaveLength(8);
  });

  test('a store docker detected by itself is written to the file, as docker persists it', async () => {
    exec.passwords['a.example'] = 'pw';
    const done = await login('a.example', 'AWS', 'pw', plan('secretservice'), once, record);
    expect(done.login.helper).toBe('secretservice');
    expect(config()).toEqual({ auths: { 'a.example': {} }, credsStore: 'secretservice' });
  });

  test('a detected default store that refuses the token: the file keeps it, for that host alone', async () => {
    exec.refusingHelpers.add('wincred');
    hosts.slice(0, 3).forEach((host) => (exec.passwords[host] = 'pw'));
    const p = plan('wincred');
    const done = await Promise.all(
      hosts.slice(0, 3).map((host) => login(host, 'AWS', 'pw', p, once, record)),
    );
    expect(done.map((d) => [d.login.helper, d.login.pinned, d.note])).toEqual(
      hosts
        .slice(0, 3)
        .map(() => [
          '',
          true,
          `docker's default credential store 'wincred' refused the ECR token; the credential is kept in ${file()} for this registry alone`,
        ]),
    );
    expect(config()).toEqual({
      auths: Object.fromEntries(hosts.slice(0, 3).map((h) => [h, authOf('pw')])),
      credsStore: 'wincred',
      credHelpers: Object.fromEntries(hosts.slice(0, 3).map((h) => [h, ''])),
    });
    // the store was tried once; the next logins went to the file at once
    expect(exec.calls).toHaveLength(4);
    expect(records.filter((r) => r.pending).map((r) => r.helper)).toEqual(['wincred']);
  });

  test('a store the config names that refuses the token fails, naming the store and the fix', async () => {
    writeConfig({ credsStore: 'desktop' });
    exec.refusingHelpers.add('desktop');
    exec.passwords['a.example'] = 'pw';
    await expect(login('a.example', 'AWS', 'pw', plan(), once, record)).rejects.toThrow(
      `docker login to a.example failed: Error saving credentials: error storing credentials - err: exit status 1, out: \`The stub received bad data.\`. The credential store 'desktop' ("credsStore" in ${file()}) did not take the ECR token. To keep this registry's credential in config.json instead, add "credHelpers": {"a.example": ""} to that file, or set 'isolate-credentials: true'.`,
    );
    expect(config()).toEqual({ credsStore: 'desktop' });
  });

  test('a job-private config keeps the credential in its own file despite a credsStore', async () => {
    writeConfig({ credsStore: 'desktop', credHelpers: { 'other.example': 'gcloud' } });
    exec.passwords['a.example'] = 'pw';
    const done = await login('a.example', 'AWS', 'pw', plan('', true), once, record);
    expect(done.login).toMatchObject({ helper: '', pinned: true });
    expect(config()).toEqual({
      credsStore: 'desktop',
      credHelpers: { 'other.example': 'gcloud', 'a.example': '' },
      auths: { 'a.example': authOf('pw') },
    });
    expect(exec.helperStores).toEqual({});
  });

  test('writes through a symbolic link to its target and keeps the mode', async () => {
    const target = path.join(root, 'shared.json');
    fs.writeFileSync(target, JSON.stringify({ auths: { keep: {} } }), { mode: 0o640 });
    fs.chmodSync(target, 0o640);
    fs.symlinkSync(target, file());
    exec.passwords['a.example'] = 'pw';
    await login('a.example', 'AWS', 'pw', await planDocker(dir, false, work), once, record);
    expect(fs.lstatSync(file()).isSymbolicLink()).toBe(true);
    expect(readJson(target)).toEqual({ auths: { keep: {}, 'a.example': authOf('pw') } });
    expect(fs.statSync(target).mode & 0o777).toBe(0o640);
  });

  test('a refused password fails naming the registry, with docker message and no password', async () => {
    exec.passwords['a.example'] = 'right';
    await expect(login('a.example', 'AWS', 'wrong', plan(), once, record)).rejects.toThrow(
      'docker login to a.example failed: Error response from daemon: Get "https://a.example/v2/": unauthorized: authentication required',
    );
    expect([fs.readdirSync(dir), fs.readdirSync(work)]).toEqual([[], []]);
  });

  test('a failure message never carries the password, and drops docker warnings', async () => {
    exec.runCommand.mockResolvedValueOnce({
      exitCode: 1,
      stdout: '',
      stderr: 'WARNING! Using --password via the CLI is insecure.\nbad secret-pw here\n',
      timedOut: false,
    });
    await expect(login('a.example', 'AWS', 'secret-pw', plan(), once, record)).rejects.toThrow(
      /^docker login to a\.example failed: bad \*\*\* here$/,
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
    await login('a.example', 'AWS', 'pw', plan(), retrying(sleeps, retries), record);
    expect(exec.calls).toHaveLength(2);
    expect(exec.calls.every((c) => c.stdin === 'pw')).toBe(true);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(500);
    expect(sleeps[0]).toBeLessThanOrEqual(1000);
    expect(retries).toEqual([
      '1: Error response from daemon: Get "https://a.example/v2/": dial tcp: connection refused',
    ]);
    expect(Object.keys(config().auths ?? {})).toEqual(['a.example']);
  });

  test('gives up after the last attempt, saying how many were made', async () => {
    exec.unreachable.add('a.example');
    const sleeps: number[] = [];
    await expect(
      login('a.example', 'AWS', 'pw', plan(), retrying(sleeps, []), record),
    ).rejects.toThrow(
      /^docker login to a\.example failed: .*connection refused \(after 3 attempts\)$/,
    );
    expect(exec.calls).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  test('never retries a refused password', async () => {
    exec.passwords['a.example'] = 'right';
    const sleeps: number[] = [];
    await expect(
      login('a.example', 'AWS', 'wrong', plan(), retrying(sleeps, []), record),
    ).rejects.toThrow(/unauthorized: authentication required$/);
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
    await login('a.example', 'AWS', 'pw', plan(), retrying([], retries), record);
    expect(retries).toEqual(['1: timed out after 5 s']);
    expect(exec.runCommand.mock.calls.map((call) => call[2]?.timeoutMs)).toEqual([5000, 5000]);
  });
});

describe('planDocker', () => {
  test('fails on a config.json that is not JSON, naming it, and leaves it as it was', async () => {
    fs.writeFileSync(file(), '{not json');
    await expect(planDocker(dir, false, work)).rejects.toThrow(
      `The credential file ${file()} is not a valid JSON object, so it was left untouched.`,
    );
    expect(fs.readFileSync(file(), 'utf8')).toBe('{not json');
  });

  test('detects no default store for a file that holds a credential', async () => {
    writeConfig({ auths: { a: {} } });
    expect((await planDocker(dir, false, work)).detected).toBe('');
  });
});

describe('logout', () => {
  const record = (host: string, extra: object = {}) => ({
    host,
    cli: 'docker' as const,
    store: dir,
    file: file(),
    ...extra,
  });

  test('removes exactly the given credentials from config.json in one rewrite', async () => {
    writeConfig({
      auths: { a: { auth: 'x' }, b: { auth: 'y' }, keep: { auth: 'z' } },
      psFormat: 'x',
    });
    const results = await logout([record('a'), record('b'), record('gone')]);
    expect(results).toEqual([
      { host: 'a', removed: true },
      { host: 'b', removed: true },
      { host: 'gone', removed: false },
    ]);
    expect(config()).toEqual({ auths: { keep: { auth: 'z' } }, psFormat: 'x' });
    expect(exec.calls).toEqual([]);
  });

  test('reports nothing removed when there is no config.json', async () => {
    expect(await logout([record('a')])).toEqual([{ host: 'a', removed: false }]);
    expect(fs.existsSync(file())).toBe(false);
  });

  test('erases a helper-held credential from the helper the login used', async () => {
    writeConfig({ auths: { a: {} }, credHelpers: { a: 'other-now' } });
    exec.helperStores.fake = { a: 'pw' };
    expect(await logout([record('a', { helper: 'fake' })])).toEqual([{ host: 'a', removed: true }]);
    expect(exec.calls.map((c) => [c.command, c.args, c.stdin])).toEqual([
      ['docker-credential-fake', ['erase'], 'a'],
    ]);
    expect(exec.helperStores.fake).toEqual({});
    expect(config()).toEqual({ auths: {}, credHelpers: { a: 'other-now' } });
  });

  test('a helper that holds nothing for the host: already gone; one that fails: its message', async () => {
    writeConfig({ auths: { a: {}, b: {} } });
    exec.runCommand.mockResolvedValueOnce({
      exitCode: 1,
      stdout: '',
      stderr: 'store broke\n',
      timedOut: false,
    });
    expect(await logout([record('a', { helper: 'x' }), record('b', { helper: 'fake' })])).toEqual([
      { host: 'a', error: 'docker-credential-x erase: store broke' },
      { host: 'b', removed: false },
    ]);
  });

  test('removes the empty credHelpers entries its logins added, and only those', async () => {
    writeConfig({
      auths: { a: {}, b: {} },
      credsStore: 'wincred',
      credHelpers: { a: '', b: '', c: '' },
    });
    await logout([record('a', { pinned: true }), record('b')]);
    expect(config()).toEqual({ auths: {}, credsStore: 'wincred', credHelpers: { b: '', c: '' } });
    writeConfig({ auths: { a: {} }, credHelpers: { a: '' } });
    await logout([record('a', { pinned: true })]);
    expect(config()).toEqual({ auths: {} });
  });

  test('leaves the file untouched when nothing of its logins is in it', async () => {
    writeConfig({ auths: { keep: {} } });
    fs.utimesSync(file(), 0, 0);
    expect(await logout([record('gone')])).toEqual([{ host: 'gone', removed: false }]);
    expect(fs.statSync(file()).mtimeMs).toBe(0);
  });

  test('fails on a config.json that is not JSON', async () => {
    fs.writeFileSync(file(), '{not json');
    await expect(logout([record('a')])).rejects.toThrow(/is not a valid JSON object/);
  });
});
