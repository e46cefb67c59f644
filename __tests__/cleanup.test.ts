import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, expect, jest, test } from '@jest/globals';
import * as core from '../__fixtures__/core.ts';
import * as exec from '../__fixtures__/command.ts';

jest.unstable_mockModule('@actions/core', () => core);
jest.unstable_mockModule('../src/command.ts', () => exec);
const { post } = await import('../src/cleanup.ts');
const { loadLogins, saveLogins } = await import('../src/state.ts');

let dir: string;
const config = (sub: string): string => path.join(dir, sub);
const write = (sub: string, value: object): void => {
  fs.mkdirSync(config(sub), { recursive: true });
  fs.writeFileSync(path.join(config(sub), 'config.json'), JSON.stringify(value));
};
const read = (sub: string): unknown =>
  JSON.parse(fs.readFileSync(path.join(config(sub), 'config.json'), 'utf8'));

beforeEach(() => {
  core.reset();
  exec.reset();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleanup-test-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

test('logs out of exactly the recorded registries, in each recorded config', async () => {
  write('one', { auths: { a: {}, b: {}, mine: {} } });
  write('two', { auths: { c: {} } });
  saveLogins([
    { host: 'a', cli: 'docker', store: config('one') },
    { host: 'b', cli: 'docker', store: config('one') },
    { host: 'c', cli: 'docker', store: config('two') },
  ]);
  await post();
  expect(core.setFailed).not.toHaveBeenCalled();
  expect(read('one')).toEqual({ auths: { mine: {} } });
  expect(read('two')).toEqual({ auths: {} });
  expect(core.logs).toEqual([
    'info: Logged out of a (docker)',
    'info: Logged out of b (docker)',
    'info: Logged out of c (docker)',
  ]);
});

test('a credential already gone is reported, not failed', async () => {
  write('one', { auths: {} });
  saveLogins([{ host: 'a', cli: 'docker', store: config('one') }]);
  await post();
  expect(core.setFailed).not.toHaveBeenCalled();
  expect(core.logs).toEqual(['info: Already logged out of a (docker)']);
});

test('nothing recorded: nothing to do', async () => {
  await post();
  expect(core.logs).toEqual(['info: No registry to log out of.']);
  expect(exec.calls).toEqual([]);
});

test('a credential that cannot be removed fails the step, naming the registry', async () => {
  write('one', { credsStore: 'pass' });
  saveLogins([{ host: 'a', cli: 'docker', store: config('one') }]);
  exec.runCommand.mockResolvedValueOnce({
    exitCode: 1,
    stdout: '',
    stderr: 'store locked\n',
    timedOut: false,
  });
  await post();
  expect(core.error).toHaveBeenCalledWith('Could not log out of a (docker): store locked');
  expect(core.setFailed).toHaveBeenCalledWith('1 registry credential(s) could not be removed.');
});

test('a broken state fails the step with its reason', async () => {
  core.state.logins = '{"host":"a"}';
  await post();
  expect(core.setFailed).toHaveBeenCalledWith('The saved login state is not a list.');
});

test('deletes the job-private config after logging out, even when logout fails', async () => {
  write('private', { credsStore: 'pass' });
  fs.symlinkSync(config('one'), path.join(config('private'), 'cli-plugins'));
  fs.mkdirSync(config('one'));
  fs.writeFileSync(path.join(config('one'), 'keep'), 'x');
  saveLogins([{ host: 'a', cli: 'docker', store: config('private') }]);
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

test('state round-trips and ignores entries of another shape', () => {
  const login = { host: 'h', cli: 'docker' as const, store: '/c' };
  saveLogins([login]);
  expect(loadLogins()).toEqual([login]);
  core.state.logins = JSON.stringify([
    login,
    { host: 1 },
    null,
    { host: 'x', cli: 'nerdctl', store: '/c' },
  ]);
  expect(loadLogins()).toEqual([login]);
});
