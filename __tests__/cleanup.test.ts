import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, expect, jest, test } from '@jest/globals';
import * as core from '../__fixtures__/core.ts';
import * as exec from '../__fixtures__/command.ts';
import type { Login } from '../src/state.ts';

jest.unstable_mockModule('@actions/core', () => core);
jest.unstable_mockModule('../src/command.ts', () => exec);
const { post } = await import('../src/cleanup.ts');
const { endRun, loadLogins, recordLogin, startRun } = await import('../src/state.ts');

let dir: string;
const config = (sub: string): string => path.join(dir, sub);
const file = (sub: string): string => path.join(config(sub), 'config.json');
const write = (sub: string, value: object): void => {
  fs.mkdirSync(config(sub), { recursive: true });
  fs.writeFileSync(file(sub), JSON.stringify(value));
};
const read = (sub: string): unknown => JSON.parse(fs.readFileSync(file(sub), 'utf8'));
const docker = (host: string, sub: string, extra: Partial<Login> = {}): Login => ({
  host,
  cli: 'docker',
  store: config(sub),
  file: file(sub),
  ...extra,
});
/** A run of the main step that recorded these logins. */
const ran = (...logins: Login[]): string => {
  const runDir = startRun();
  for (const login of logins) recordLogin(runDir, login);
  return runDir;
};

const savedTemp = process.env.RUNNER_TEMP;
beforeEach(() => {
  core.reset();
  exec.reset();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleanup-test-'));
  fs.mkdirSync(config('temp'));
  process.env.RUNNER_TEMP = config('temp');
});
afterEach(() => {
  process.env.RUNNER_TEMP = savedTemp;
  fs.rmSync(dir, { recursive: true, force: true });
});

test('logs out of exactly the recorded registries, in each recorded file, and deletes the run', async () => {
  write('one', { auths: { a: {}, b: {}, mine: {} } });
  write('two', { auths: { c: {} } });
  const runDir = ran(docker('a', 'one'), docker('b', 'one'), docker('c', 'two'));
  await post();
  expect(core.setFailed).not.toHaveBeenCalled();
  expect(read('one')).toEqual({ auths: { mine: {} } });
  expect(read('two')).toEqual({ auths: {} });
  expect(core.logs).toEqual([
    'info: Logged out of a (docker)',
    'info: Logged out of b (docker)',
    'info: Logged out of c (docker)',
  ]);
  expect(fs.existsSync(runDir)).toBe(false);
});

test('a credential already gone is reported, not failed', async () => {
  write('one', { auths: {} });
  ran(docker('a', 'one'));
  await post();
  expect(core.setFailed).not.toHaveBeenCalled();
  expect(core.logs).toEqual(['info: Already logged out of a (docker)']);
});

test('nothing recorded: nothing to do, and no run directory is left', async () => {
  const runDir = startRun();
  endRun(runDir);
  expect(fs.existsSync(runDir)).toBe(false);
  await post();
  expect(core.logs).toEqual(['info: No registry to log out of.']);
  expect(exec.calls).toEqual([]);
});

test('a run interrupted mid-way: its staging directories go, what was recorded is logged out', async () => {
  write('one', { auths: { a: {} } });
  const runDir = ran(docker('a', 'one'));
  fs.mkdirSync(path.join(runDir, 'docker-abc123'));
  fs.writeFileSync(path.join(runDir, 'docker-abc123', 'config.json'), '{"auths":{"b":{}}}');
  // a record cut short by a kill is skipped, the ones before it kept
  fs.appendFileSync(path.join(runDir, 'logins.jsonl'), '{"host":"b","cli":"dock');
  fs.writeFileSync(`${file('one')}.ecr-login-99-1.tmp`, '{"auths":{"a":{}}}');
  await post();
  expect(core.setFailed).not.toHaveBeenCalled();
  expect(read('one')).toEqual({ auths: {} });
  expect(fs.existsSync(runDir)).toBe(false);
  expect(fs.readdirSync(config('one'))).toEqual(['config.json']);
  expect(core.logs).toEqual([
    'info: Logged out of a (docker)',
    `info: Deleted a temporary credential file left by an interrupted write: ${file('one')}.ecr-login-99-1.tmp`,
  ]);
});

test('a pending login is confirmed by a later record, and stays pending without one', () => {
  const runDir = ran(
    docker('a', 'one', { helper: 'fake', pending: true }),
    docker('b', 'one', { helper: 'fake', pending: true }),
    docker('a', 'one', { helper: 'fake' }),
    docker('a', 'one', { helper: 'fake', pending: true }),
  );
  expect(loadLogins(runDir).map((l) => [l.host, l.pending])).toEqual([
    ['a', false],
    ['b', true],
  ]);
});

test('an interrupted login: what it stored is removed and said, what it did not is not mentioned', async () => {
  write('one', { auths: { a: {}, b: {} } });
  exec.helperStores.fake = { a: 'pw' };
  ran(
    docker('a', 'one', { helper: 'fake', pending: true }),
    docker('b', 'one', { helper: 'fake', pending: true }),
    { host: 'c', cli: 'podman', store: file('two'), pending: true },
  );
  await post();
  expect(core.setFailed).not.toHaveBeenCalled();
  expect(exec.helperStores.fake).toEqual({});
  expect(read('one')).toEqual({ auths: {} });
  // b's helper never got its secret, and podman never wrote c: nothing to say about either
  expect(core.logs).toEqual(['info: Removed the credential of an interrupted login to a (docker)']);
});

test('a credential that cannot be removed fails the step, naming the registry', async () => {
  write('one', { auths: { a: {} } });
  ran(docker('a', 'one', { helper: 'pass' }));
  exec.runCommand.mockResolvedValueOnce({
    exitCode: 1,
    stdout: '',
    stderr: 'store locked\n',
    timedOut: false,
  });
  await post();
  expect(core.error).toHaveBeenCalledWith(
    'Could not log out of a (docker): docker-credential-pass erase: store locked',
  );
  expect(core.setFailed).toHaveBeenCalledWith('1 registry credential(s) could not be removed.');
});

test('a records file that cannot be read fails the step with its reason, and still cleans up', async () => {
  const runDir = startRun();
  fs.mkdirSync(path.join(runDir, 'logins.jsonl'));
  await post();
  expect(core.setFailed).toHaveBeenCalledWith(expect.stringMatching(/EISDIR/));
  expect(fs.existsSync(runDir)).toBe(false);
});

test('deletes the job-private config after logging out, even when logout fails', async () => {
  write('private', { auths: { a: {} } });
  fs.symlinkSync(config('one'), path.join(config('private'), 'cli-plugins'));
  fs.mkdirSync(config('one'));
  fs.writeFileSync(path.join(config('one'), 'keep'), 'x');
  ran(docker('a', 'private', { helper: 'pass' }));
  core.state['private-config'] = config('private');
  exec.runCommand.mockResolvedValueOnce({
    exitCode: 1,
    stdout: '',
    stderr: 'locked\n',
    timedOut: false,
  });
  await post();
  expect(core.setFailed).toHaveBeenCalledWith('1 registry credential(s) could not be removed.');
  expect(fs.existsSync(config('private'))).toBe(false);
  expect(fs.readFileSync(path.join(config('one'), 'keep'), 'utf8')).toBe('x');
  expect(core.logs).toContain(
    `info: Deleted the job-private credential directory ${config('private')}`,
  );
});

test('records round-trip, one line each, and entries of another shape are ignored', () => {
  const login: Login = { host: 'h', cli: 'docker', store: '/c', file: '/c/config.json' };
  const runDir = ran(login, { host: 'p', cli: 'podman', store: '' });
  fs.appendFileSync(
    path.join(runDir, 'logins.jsonl'),
    ['{"host":1}', 'null', '{"host":"x","cli":"nerdctl","store":"/c"}', ''].join('\n'),
  );
  expect(loadLogins(runDir)).toEqual([
    { ...login, pending: false },
    { host: 'p', cli: 'podman', store: '', pending: false },
  ]);
  expect(fs.readFileSync(path.join(runDir, 'logins.jsonl'), 'utf8').split('\n')[0]).toBe(
    JSON.stringify(login),
  );
  expect(fs.statSync(path.join(runDir, 'logins.jsonl')).mode & 0o777).toBe(0o600);
  expect(loadLogins(undefined)).toEqual([]);
  expect(loadLogins(path.join(dir, 'missing'))).toEqual([]);
});
