import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import * as core from '../__fixtures__/core.ts';
import * as exec from '../__fixtures__/command.ts';
import {
  authOf,
  credential,
  endJob,
  loginOf,
  readJson,
  sha256,
  startJob,
} from '../__fixtures__/job.ts';
import type { Run } from '../src/run.ts';

jest.unstable_mockModule('@actions/core', () => core);
jest.unstable_mockModule('../src/command.ts', () => exec);
const { fingerprint, put } = await import('../src/store.ts');
const { startRun } = await import('../src/run.ts');
const { placementFor, planDocker } = await import('../src/docker.ts');
const { containersPlacement } = await import('../src/containers.ts');

let root: string;
let dockerDir: string;
let run: Run;
const A = '111111111111.dkr.ecr.eu-west-1.amazonaws.com';
const B = '222222222222.dkr.ecr.eu-west-1.amazonaws.com';

const configFile = (): string => path.join(dockerDir, 'config.json');
const readConfig = (file = configFile()): unknown => readJson(file);
const writeConfig = (value: object, file = configFile()): void => {
  fs.writeFileSync(file, JSON.stringify(value));
};
/** Every line of the run's login records, in the order written. */
const recordLines = (): unknown[] => {
  const file = path.join(run.dir, 'logins.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
};
/** Runs `seen` as each command of the fake CLIs starts and ends. */
const watch = (seen: (when: 'start' | 'end', args: Parameters<typeof exec.runCommand>) => void) => {
  const fake = exec.runCommand.getMockImplementation();
  if (fake === undefined) throw new Error('the command fixture has no implementation');
  exec.runCommand.mockImplementation(async (...args) => {
    seen('start', args);
    const result = await fake(...args);
    seen('end', args);
    return result;
  });
};

beforeEach(() => {
  core.reset();
  exec.reset();
  ({ root, dockerDir } = startJob());
  run = startRun({ attempts: 1, timeoutMs: 5000 }, true);
  exec.passwords[A] = 'pw-a';
  exec.passwords[B] = 'pw-b';
});
afterEach(endJob);

describe('docker, with config.json as the store', () => {
  test('logs in from a staging directory and merges its entry into config.json, keeping every other key', async () => {
    fs.mkdirSync(path.join(dockerDir, 'contexts'));
    writeConfig({
      auths: { 'old.example': { auth: 'b2xk' } },
      credHelpers: { 'gcr.io': 'gcloud' },
      currentContext: 'ci',
      'x-custom': [1],
    });
    let staging = '';
    const seen: unknown[] = [];
    watch((when, [, , options]) => {
      if (when !== 'start') return;
      staging = options?.env?.DOCKER_CONFIG ?? '';
      seen.push(
        readConfig(path.join(staging, 'config.json')),
        fs.readdirSync(staging).sort(),
        fs.readlinkSync(path.join(staging, 'contexts')),
      );
    });
    const placement = placementFor(await planDocker(dockerDir, false), A);
    await expect(put(run, credential(A, 'pw-a'), placement)).resolves.toStrictEqual({
      output: 'Login Succeeded',
    });
    expect(exec.calls).toEqual([
      {
        command: 'docker',
        args: ['login', '--username', 'AWS', '--password-stdin', A],
        stdin: 'pw-a',
        file: path.join(staging, 'config.json'),
        dockerConfig: staging,
      },
    ]);
    // docker saw the settings and the directory's entries, with the host's store named: the file
    expect(seen).toEqual([
      { currentContext: 'ci', 'x-custom': [1], credHelpers: { [A]: '' } },
      ['config.json', 'contexts'],
      path.join(dockerDir, 'contexts'),
    ]);
    expect(path.dirname(staging)).toBe(run.dir);
    expect(fs.existsSync(staging)).toBe(false);
    expect(readConfig()).toEqual({
      auths: { 'old.example': { auth: 'b2xk' }, [A]: authOf('pw-a') },
      credHelpers: { 'gcr.io': 'gcloud' },
      currentContext: 'ci',
      'x-custom': [1],
    });
    // one record, written with the merge: nothing could land before it
    expect(recordLines()).toEqual([
      {
        host: A,
        cli: 'docker',
        file: configFile(),
        helper: '',
        pinned: false,
        pending: false,
        fingerprint: sha256('pw-a'),
      },
    ]);
  });
});

describe('docker, with a credential helper as the store', () => {
  test('the login is recorded as pending before docker runs, under the lock, and confirmed after', async () => {
    writeConfig({ credHelpers: { [A]: 'fake' } });
    const during: unknown[] = [];
    watch((when) => {
      if (when === 'start') during.push(recordLines(), fs.existsSync(`${configFile()}.lock`));
    });
    const placement = placementFor(await planDocker(dockerDir, false), A);
    await expect(put(run, credential(A, 'pw-a'), placement)).resolves.toStrictEqual({
      output: 'Login Succeeded',
    });
    const login = loginOf(A, configFile(), 'pw-a', { helper: 'fake' });
    expect(during).toEqual([[{ ...login, pending: true }], true]);
    expect(recordLines()).toEqual([
      { ...login, pending: true },
      { ...login, pending: false },
    ]);
    expect(exec.helperStores).toEqual({ fake: { [A]: 'pw-a' } });
    // the file keeps docker's empty entry for the host, as docker writes it
    expect(readConfig()).toEqual({ credHelpers: { [A]: 'fake' }, auths: { [A]: {} } });
  });

  test('a default store that refuses the token: the file keeps it, pinned, and the next login skips the store', async () => {
    exec.refusingHelpers.add('wincred');
    const plan = { ...(await planDocker(dockerDir, false)), detected: 'wincred' };
    const first = await put(run, credential(A, 'pw-a'), placementFor(plan, A));
    const second = await put(run, credential(B, 'pw-b'), placementFor(plan, B));
    const note = `docker's default credential store 'wincred' refused the ECR token; the credential is kept in ${configFile()} for this registry alone`;
    expect([first, second]).toStrictEqual([
      { output: 'Login Succeeded', note },
      { output: 'Login Succeeded', note },
    ]);
    expect(readConfig()).toEqual({
      auths: { [A]: authOf('pw-a'), [B]: authOf('pw-b') },
      credsStore: 'wincred',
      credHelpers: { [A]: '', [B]: '' },
    });
    // the store was tried once, for the first login alone
    expect(exec.calls.map((call) => call.args.at(-1))).toEqual([A, A, B]);
    expect(exec.helperStores).toEqual({});
    const login = (host: string, password: string, helper: string, pending: boolean) => ({
      host,
      cli: 'docker',
      file: configFile(),
      helper,
      pinned: !pending,
      pending,
      fingerprint: sha256(password),
    });
    expect(recordLines()).toEqual([
      login(A, 'pw-a', 'wincred', true),
      login(A, 'pw-a', '', false),
      login(B, 'pw-b', '', false),
    ]);
  });

  test('a store the config names that refuses the token fails, naming it, the file and the fixes', async () => {
    writeConfig({ credsStore: 'desktop' });
    const before = fs.readFileSync(configFile(), 'utf8');
    exec.refusingHelpers.add('desktop');
    const placement = placementFor(await planDocker(dockerDir, false), A);
    await expect(put(run, credential(A, 'pw-a'), placement)).rejects.toThrow(
      `docker login to ${A} failed: Error saving credentials: error storing credentials - err: exit status 1, out: \`The stub received bad data.\`. ` +
        `The credential store 'desktop' ("credsStore" in ${configFile()}) did not take the ECR token. ` +
        `To keep this registry's credential in config.json instead, add "credHelpers": {"${A}": ""} to that file, or set 'isolate-credentials: true'.`,
    );
    expect(fs.readFileSync(configFile(), 'utf8')).toBe(before);
    expect(exec.calls).toHaveLength(1);
    expect(fs.readdirSync(run.dir).filter((name) => name.startsWith('docker-'))).toEqual([]);
    // only the record made before docker ran: the post step asks the store what it holds
    expect(recordLines()).toMatchObject([{ host: A, helper: 'desktop', pending: true }]);
  });
});

describe('podman, buildah and skopeo', () => {
  test.each(['podman', 'buildah', 'skopeo'] as const)(
    '%s logs in with REGISTRY_AUTH_FILE, under the file lock, recorded as pending then confirmed',
    async (cli) => {
      const authFile = path.join(root, 'auth.json');
      const during: unknown[] = [];
      watch((when) => {
        if (when === 'start') during.push(recordLines(), fs.existsSync(`${authFile}.lock`));
      });
      await expect(
        put(run, credential(A, 'pw-a'), containersPlacement(cli, authFile)),
      ).resolves.toStrictEqual({ output: 'Login Succeeded!' });
      expect(exec.calls).toMatchObject([
        {
          command: cli,
          args: ['login', '--username', 'AWS', '--password-stdin', A],
          stdin: 'pw-a',
        },
      ]);
      expect(exec.runCommand.mock.calls[0]?.[2]?.env?.REGISTRY_AUTH_FILE).toBe(authFile);
      expect(readConfig(authFile)).toEqual({ auths: { [A]: authOf('pw-a') } });
      const login = loginOf(A, authFile, 'pw-a', { cli });
      expect(during).toEqual([[{ ...login, pending: true }], true]);
      expect(recordLines()).toEqual([
        { ...login, pending: true },
        { ...login, pending: false },
      ]);
    },
  );

  test('two logins to one file run one after the other, and both land', async () => {
    const authFile = path.join(root, 'auth.json');
    const order: string[] = [];
    watch((when, [, args]) => order.push(`${when} ${args.at(-1) ?? ''}`));
    const placement = containersPlacement('podman', authFile);
    await Promise.all([
      put(run, credential(A, 'pw-a'), placement),
      put(run, credential(B, 'pw-b'), placement),
    ]);
    expect(order).toEqual([`start ${A}`, `end ${A}`, `start ${B}`, `end ${B}`]);
    expect(readConfig(authFile)).toEqual({ auths: { [A]: authOf('pw-a'), [B]: authOf('pw-b') } });
  });

  test("the record names the helper the auth file's credHelpers gives the host", async () => {
    const authFile = path.join(root, 'auth.json');
    writeConfig({ credHelpers: { [A]: 'ecr-login', [B]: 'gcloud' } }, authFile);
    await put(run, credential(A, 'pw-a'), containersPlacement('skopeo', authFile));
    expect(recordLines()).toMatchObject([
      { host: A, helper: 'ecr-login', pending: true },
      { host: A, helper: 'ecr-login', pending: false },
    ]);
  });

  test("with the CLI's own file, the CLI chooses it: nothing is named", async () => {
    process.env.XDG_RUNTIME_DIR = path.join(root, 'xdg');
    await put(run, credential(A, 'pw-a'), containersPlacement('podman', ''));
    expect(exec.runCommand.mock.calls[0]?.[2]?.env).toBe(process.env);
    expect(readConfig(path.join(root, 'xdg', 'containers', 'auth.json'))).toEqual({
      auths: { [A]: authOf('pw-a') },
    });
    expect(recordLines()).toMatchObject([
      { file: '', helper: '', pending: true },
      { file: '', helper: '', pending: false },
    ]);
  });

  test('a failed login stays recorded as pending, and fails naming the CLI and the registry', async () => {
    const authFile = path.join(root, 'auth.json');
    await expect(
      put(run, credential(A, 'wrong'), containersPlacement('buildah', authFile)),
    ).rejects.toThrow(
      `buildah login to ${A} failed: Error: Get "https://${A}/v2/": unauthorized: authentication required`,
    );
    expect(recordLines()).toMatchObject([{ host: A, cli: 'buildah', pending: true }]);
    expect(fs.existsSync(authFile)).toBe(false);
  });
});

test('fingerprint is the SHA-256 of the password, in hex', () => {
  expect(fingerprint('secret')).toBe(
    '2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b',
  );
});
