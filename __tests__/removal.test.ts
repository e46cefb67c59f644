import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import * as core from '../__fixtures__/core.ts';
import * as exec from '../__fixtures__/command.ts';
import { authOf, endJob, loginOf, readJson, sha256, startJob } from '../__fixtures__/job.ts';
import type { Login } from '../src/records.ts';
import type { Run } from '../src/run.ts';

jest.unstable_mockModule('@actions/core', () => core);
jest.unstable_mockModule('../src/command.ts', () => exec);
const { remove } = await import('../src/removal.ts');
const { startRun } = await import('../src/run.ts');

const A = '111111111111.dkr.ecr.eu-west-1.amazonaws.com';
const B = '222222222222.dkr.ecr.eu-west-1.amazonaws.com';
/** The logins' time limit: every helper and logout call is bounded by it. */
const TIMEOUT_MS = 7000;
let root: string;
let file: string;
let run: Run;

/** A login this run recorded, of password 'pw' to A with docker in `file`. */
const login = (extra: Partial<Login> = {}): Login => loginOf(A, file, 'pw', extra);
const write = (value: object): void => {
  fs.writeFileSync(file, JSON.stringify(value));
  // an old time, so that a rewrite would show
  fs.utimesSync(file, 1000, 1000);
};
const read = (): unknown => readJson(file);
/** The file as it was written, never rewritten since. */
const untouched = (value: object) => ({ text: JSON.stringify(value), mtimeMs: 1_000_000 });
const now = () => ({ text: fs.readFileSync(file, 'utf8'), mtimeMs: fs.statSync(file).mtimeMs });
/** Every command run: what, with which arguments and input, and its time limit. */
const commands = () =>
  exec.runCommand.mock.calls.map(([command, args, options]) => [
    command,
    args,
    options?.input,
    options?.timeoutMs,
  ]);
const failed = (stdout: string, stderr: string, timedOut = false) => ({
  exitCode: timedOut ? 128 : 1,
  stdout,
  stderr,
  timedOut,
});

beforeEach(() => {
  core.reset();
  exec.reset();
  ({ root } = startJob());
  file = path.join(root, 'config.json');
  run = startRun({ attempts: 2, timeoutMs: TIMEOUT_MS }, true);
});
afterEach(endJob);

describe('docker: a credential in config.json', () => {
  test('removed while the entry holds this run’s password, every other key kept', async () => {
    write({ auths: { [A]: authOf('pw'), keep: { auth: 'x' } }, psFormat: 'x' });
    await expect(remove(run, [login()])).resolves.toEqual([{ login: login(), state: 'removed' }]);
    expect(read()).toEqual({ auths: { keep: { auth: 'x' } }, psFormat: 'x' });
    expect(exec.calls).toEqual([]);
  });

  test.each<[string, object | undefined, 'replaced' | 'gone']>([
    ['replaced by another password', authOf('later'), 'replaced'],
    ['replaced by a login through a helper', {}, 'replaced'],
    ['missing', undefined, 'gone'],
  ])('left untouched when the entry is %s', async (_name, entry, state) => {
    const config = { auths: { [A]: entry, keep: { auth: 'x' } } };
    write(config);
    await expect(remove(run, [login()])).resolves.toEqual([{ login: login(), state }]);
    expect(now()).toEqual(untouched(config));
  });

  test('gone with the file, which is not made again', async () => {
    await expect(remove(run, [login()])).resolves.toEqual([{ login: login(), state: 'gone' }]);
    expect(fs.existsSync(file)).toBe(false);
  });

  test('several logins of one file: each decided by its own entry', async () => {
    const b = login({ host: B, fingerprint: sha256('pw-b') });
    write({ auths: { [A]: authOf('later'), [B]: authOf('pw-b') } });
    await expect(remove(run, [login(), b])).resolves.toEqual([
      { login: login(), state: 'replaced' },
      { login: b, state: 'removed' },
    ]);
    expect(read()).toEqual({ auths: { [A]: authOf('later') } });
  });
});

describe("docker: a pinned login's empty credHelpers entry", () => {
  test.each<[string, Partial<Login>, object, object]>([
    [
      'goes with the login; an emptied credHelpers is dropped',
      { pinned: true },
      { credsStore: 'wincred', credHelpers: { [A]: '' } },
      { credsStore: 'wincred' },
    ],
    [
      'goes with the login; other entries stay',
      { pinned: true },
      { credHelpers: { [A]: '', 'gcr.io': 'gcloud' } },
      { credHelpers: { 'gcr.io': 'gcloud' } },
    ],
    [
      'of the file’s own stays when the login did not add it',
      {},
      { credHelpers: { [A]: '' } },
      { credHelpers: { [A]: '' } },
    ],
  ])('%s', async (_name, extra, config, after) => {
    write({ auths: { [A]: authOf('pw') }, ...config });
    await expect(remove(run, [login(extra)])).resolves.toEqual([
      { login: login(extra), state: 'removed' },
    ]);
    expect(read()).toEqual({ auths: {}, ...after });
  });

  test('stays while a later login holds the registry', async () => {
    const config = { auths: { [A]: authOf('later') }, credHelpers: { [A]: '' } };
    write(config);
    await expect(remove(run, [login({ pinned: true })])).resolves.toEqual([
      { login: login({ pinned: true }), state: 'replaced' },
    ]);
    expect(now()).toEqual(untouched(config));
  });
});

describe('docker: a secret held by a credential helper', () => {
  const config = { auths: { [A]: {}, keep: {} }, credHelpers: { [A]: 'fake' } };
  const get = ['docker-credential-fake', ['get'], A, TIMEOUT_MS];
  const erase = ['docker-credential-fake', ['erase'], A, TIMEOUT_MS];

  test('this run’s secret: erased, then docker’s empty entry removed', async () => {
    write(config);
    exec.helperStores.fake = { [A]: 'pw', [B]: 'other' };
    const ours = login({ helper: 'fake' });
    await expect(remove(run, [ours])).resolves.toEqual([{ login: ours, state: 'removed' }]);
    expect(commands()).toEqual([get, erase]);
    expect(exec.helperStores.fake).toEqual({ [B]: 'other' });
    expect(read()).toEqual({ auths: { keep: {} }, credHelpers: { [A]: 'fake' } });
  });

  test.each<[string, Record<string, string>, 'replaced' | 'gone']>([
    ['another secret (a later login’s)', { [A]: 'later' }, 'replaced'],
    ['no secret for the registry', {}, 'gone'],
  ])('%s: nothing erased, the empty entry kept', async (_name, held, state) => {
    write(config);
    exec.helperStores.fake = { ...held };
    const ours = login({ helper: 'fake' });
    await expect(remove(run, [ours])).resolves.toEqual([{ login: ours, state }]);
    expect(commands()).toEqual([get]);
    expect(exec.helperStores.fake).toEqual(held);
    expect(now()).toEqual(untouched(config));
  });

  test.each<[string, ReturnType<typeof failed>, string]>([
    ['fails', failed('', 'store locked\n'), 'docker-credential-fake get: store locked'],
    ['runs past the time limit', failed('', '', true), 'docker-credential-fake get timed out'],
    [
      'answers something else than JSON',
      { ...failed('Secret: pw', ''), exitCode: 0 },
      'docker-credential-fake get answered something other than JSON',
    ],
  ])('a helper whose get %s: failed, with what it said', async (_name, result, error) => {
    write(config);
    exec.helperStores.fake = { [A]: 'pw' };
    exec.runCommand.mockResolvedValueOnce(result);
    const ours = login({ helper: 'fake' });
    await expect(remove(run, [ours])).resolves.toEqual([{ login: ours, state: 'failed', error }]);
    expect(commands()).toEqual([get]);
    expect(exec.helperStores.fake).toEqual({ [A]: 'pw' });
    expect(now()).toEqual(untouched(config));
  });

  test('a helper whose erase fails: failed, and the empty entry kept', async () => {
    write(config);
    exec.helperStores.fake = { [A]: 'pw' };
    const fake = exec.runCommand.getMockImplementation();
    exec.runCommand
      .mockImplementationOnce(async (...args) => {
        if (fake === undefined) throw new Error('the command fixture has no implementation');
        return fake(...args);
      })
      .mockResolvedValueOnce(failed('', 'keychain locked\n'));
    const ours = login({ helper: 'fake' });
    await expect(remove(run, [ours])).resolves.toEqual([
      { login: ours, state: 'failed', error: 'docker-credential-fake erase: keychain locked' },
    ]);
    expect(commands()).toEqual([get, erase]);
    expect(now()).toEqual(untouched(config));
  });
});

describe('podman, buildah and skopeo: `<cli> logout` after the comparison', () => {
  const podman = (extra: Partial<Login> = {}) => login({ cli: 'podman', ...extra });

  test('run while the entry holds this run’s password', async () => {
    write({ auths: { [A]: authOf('pw'), keep: {} } });
    await expect(remove(run, [podman()])).resolves.toEqual([{ login: podman(), state: 'removed' }]);
    expect(commands()).toEqual([['podman', ['logout', A], undefined, TIMEOUT_MS]]);
    expect(exec.calls.map((call) => call.file)).toEqual([file]);
    expect(read()).toEqual({ auths: { keep: {} } });
  });

  test.each<[string, object, 'replaced' | 'gone']>([
    ['replaced by another password', { auths: { [A]: authOf('later') } }, 'replaced'],
    ['missing', { auths: { keep: {} } }, 'gone'],
  ])('not run when the entry is %s', async (_name, config, state) => {
    write(config);
    await expect(remove(run, [podman()])).resolves.toEqual([{ login: podman(), state }]);
    expect(exec.runCommand).not.toHaveBeenCalled();
    expect(now()).toEqual(untouched(config));
  });

  test('not run when the file is gone', async () => {
    await expect(remove(run, [podman()])).resolves.toEqual([{ login: podman(), state: 'gone' }]);
    expect(exec.runCommand).not.toHaveBeenCalled();
  });

  test('a helper the file names for the host is asked first: another secret, no logout', async () => {
    const config = { auths: { [A]: {} }, credHelpers: { [A]: 'fake' } };
    write(config);
    exec.helperStores.fake = { [A]: 'later' };
    await expect(remove(run, [podman()])).resolves.toEqual([
      { login: podman(), state: 'replaced' },
    ]);
    expect(commands()).toEqual([['docker-credential-fake', ['get'], A, TIMEOUT_MS]]);
    expect(now()).toEqual(untouched(config));
  });

  test("with the CLI's own file there is nothing to compare: the logout runs as it is", async () => {
    process.env.XDG_RUNTIME_DIR = root;
    fs.mkdirSync(path.join(root, 'containers'));
    fs.writeFileSync(
      path.join(root, 'containers', 'auth.json'),
      JSON.stringify({ auths: { [A]: authOf('pw') } }),
    );
    const logins = [podman({ file: '' }), podman({ file: '', host: B })];
    await expect(remove(run, logins)).resolves.toEqual([
      { login: logins[0], state: 'removed' },
      // the CLI says it was not logged in
      { login: logins[1], state: 'gone' },
    ]);
    expect(commands()).toEqual([
      ['podman', ['logout', A], undefined, TIMEOUT_MS],
      ['podman', ['logout', B], undefined, TIMEOUT_MS],
    ]);
    expect(exec.runCommand.mock.calls[0]?.[2]?.env).toBe(process.env);
  });

  test('a logout that fails otherwise: failed, with what the CLI said', async () => {
    write({ auths: { [A]: authOf('pw') } });
    exec.runCommand.mockResolvedValueOnce({
      ...failed('', 'Error: permission denied\n'),
      exitCode: 125,
    });
    await expect(remove(run, [podman({ cli: 'skopeo' })])).resolves.toEqual([
      { login: podman({ cli: 'skopeo' }), state: 'failed', error: 'Error: permission denied' },
    ]);
  });
});

describe('what cannot be done fails those logins alone, each with its reason', () => {
  test('a helper no longer on PATH: its login fails, the file login beside it is removed', async () => {
    write({ auths: { [A]: authOf('pw'), [B]: {} } });
    const fileLogin = login();
    const helperLogin = login({ host: B, helper: 'gone' });
    const inner = exec.runCommand.getMockImplementation();
    exec.runCommand.mockImplementation((command, args, options) =>
      command === 'docker-credential-gone'
        ? Promise.reject(new Error('docker-credential-gone was not found on PATH'))
        : (inner?.(command, args, options) ?? Promise.reject(new Error('none'))),
    );
    await expect(remove(run, [fileLogin, helperLogin])).resolves.toEqual([
      { login: fileLogin, state: 'removed' },
      {
        login: helperLogin,
        state: 'failed',
        error: 'docker-credential-gone was not found on PATH',
      },
    ]);
    // docker's empty entry stays beside the helper's secret, which was not erased
    expect(read()).toEqual({ auths: { [B]: {} } });
  });

  test('a config.json that is no longer JSON: every file login fails naming it, nothing written', async () => {
    fs.writeFileSync(file, '{ not json');
    const result = await remove(run, [login()]);
    expect(result).toEqual([
      {
        login: login(),
        state: 'failed',
        error: expect.stringContaining(`The credential file ${file} is not a valid JSON object`),
      },
    ]);
    expect(fs.readFileSync(file, 'utf8')).toBe('{ not json');
  });

  test('a lock another process never frees: every login of the file fails naming the lock', async () => {
    write({ auths: { [A]: authOf('pw') } });
    fs.mkdirSync(`${file}.lock`);
    const refresh = setInterval(() => {
      fs.utimesSync(`${file}.lock`, new Date(), new Date());
    }, 500);
    try {
      const short = {
        ...run,
        files: new (await import('../src/files.ts')).CredentialFiles(300, 'x'),
      };
      const result = await remove(short, [login()]);
      expect(result).toEqual([
        {
          login: login(),
          state: 'failed',
          error: expect.stringMatching(new RegExp(`^Could not lock ${file} within 0.3 s`)),
        },
      ]);
    } finally {
      clearInterval(refresh);
    }
    expect(read()).toEqual({ auths: { [A]: authOf('pw') } });
  });
});
