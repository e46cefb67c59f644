import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import * as core from '../__fixtures__/core.ts';
import * as exec from '../__fixtures__/command.ts';
import { authOf, credential, endJob, loginOf, readJson, startJob } from '../__fixtures__/job.ts';
import type { Login } from '../src/records.ts';
import type { Run } from '../src/run.ts';

jest.unstable_mockModule('@actions/core', () => core);
jest.unstable_mockModule('../src/command.ts', () => exec);
const { logIn, logOut, planLogins } = await import('../src/logins.ts');
const { startRun } = await import('../src/run.ts');
const { isMarkedDir } = await import('../src/dirs.ts');

const A = '111111111111.dkr.ecr.eu-west-1.amazonaws.com';
const B = '222222222222.dkr.ecr.eu-west-1.amazonaws.com';
let root: string;
let temp: string;
let dockerDir: string;
let run: Run;
const exported = (): string[] => core.events.filter((event) => event.startsWith('exportVariable:'));

beforeEach(() => {
  core.reset();
  exec.reset();
  ({ root, temp, dockerDir } = startJob());
  run = startRun({ attempts: 1, timeoutMs: 5000 }, true);
  exec.passwords[A] = 'pw-a';
});
afterEach(endJob);

describe('planLogins', () => {
  test('reads where each CLI keeps credentials as it would, and changes nothing', async () => {
    fs.writeFileSync(path.join(dockerDir, 'config.json'), '{"credsStore":"desktop"}');
    // relative to the working directory, as the CLIs read them
    process.env.DOCKER_CONFIG = path.relative(process.cwd(), dockerDir);
    process.env.REGISTRY_AUTH_FILE = path.relative(process.cwd(), path.join(root, 'auth.json'));
    await expect(planLogins(run, ['docker', 'podman'], false)).resolves.toEqual({
      run,
      clis: ['docker', 'podman'],
      docker: {
        dir: dockerDir,
        file: path.join(dockerDir, 'config.json'),
        config: { credsStore: 'desktop' },
        detected: '',
        private: false,
        refusing: new Set(),
      },
      containersFile: path.join(root, 'auth.json'),
    });
    expect(exported()).toEqual([]);
    expect(core.state['private-config']).toBeUndefined();
  });

  test("without docker, docker's config is not read; the auth file follows DOCKER_CONFIG", async () => {
    fs.writeFileSync(path.join(dockerDir, 'config.json'), '{not json');
    const plan = await planLogins(run, ['skopeo'], false);
    expect([plan.docker, plan.containersFile]).toEqual([
      undefined,
      path.join(dockerDir, 'config.json'),
    ]);
  });

  test('isolate-credentials: a marked private directory, named in the state before anything is written into it', async () => {
    fs.mkdirSync(path.join(dockerDir, 'contexts'));
    fs.writeFileSync(path.join(dockerDir, 'features.json'), '{}');
    const config = { auths: { 'hub.example': { auth: 'eA==' } }, credsStore: 'desktop' };
    fs.writeFileSync(path.join(dockerDir, 'config.json'), JSON.stringify(config));
    let atSave: string[] = [];
    core.saveState.mockImplementationOnce((name, value) => {
      atSave = fs.readdirSync(String(value));
      core.state[name] = String(value);
    });
    const plan = await planLogins(run, ['docker'], true);

    const own = core.state['private-config'] ?? '';
    expect(atSave).toEqual(['.ecr-login-action']);
    expect(path.dirname(own)).toBe(temp);
    expect(path.basename(own)).toMatch(/^ecr-login-docker-/);
    expect(isMarkedDir(own)).toBe(true);
    // config.json copied, every other entry linked by its absolute path
    expect(fs.lstatSync(path.join(own, 'config.json')).isFile()).toBe(true);
    expect(readJson(path.join(own, 'config.json'))).toEqual(config);
    expect(fs.readlinkSync(path.join(own, 'contexts'))).toBe(path.join(dockerDir, 'contexts'));
    expect(fs.readlinkSync(path.join(own, 'features.json'))).toBe(
      path.join(dockerDir, 'features.json'),
    );
    expect(fs.readdirSync(own).sort()).toEqual([
      '.ecr-login-action',
      'config.json',
      'contexts',
      'features.json',
    ]);
    // for docker alone, REGISTRY_AUTH_FILE is left as it was
    expect(exported()).toEqual([`exportVariable:DOCKER_CONFIG=${own}`]);
    expect(plan.docker).toMatchObject({
      dir: own,
      file: path.join(own, 'config.json'),
      config,
      private: true,
    });
    expect(plan.containersFile).toBe(path.join(own, 'auth.json'));
    expect(core.logs).toEqual([`info: Credentials go to a job-private directory: ${own}`]);
  });

  test('isolate-credentials without a shared config directory: the login lands, none is made', async () => {
    fs.rmSync(dockerDir, { recursive: true });
    await logIn(await planLogins(run, ['docker'], true), credential(A, 'pw-a'));
    const own = core.state['private-config'] ?? '';
    expect(readJson(path.join(own, 'config.json'))).toEqual({ auths: { [A]: authOf('pw-a') } });
    expect(fs.existsSync(dockerDir)).toBe(false);
  });

  test.each<[string, boolean, object | undefined]>([
    ['seeded from REGISTRY_AUTH_FILE', true, { auths: { 'quay.example': { auth: 'eA==' } } }],
    ['new when REGISTRY_AUTH_FILE names no file', false, undefined],
  ])(
    'isolate-credentials with podman: a private auth file, %s, exported',
    async (_name, exists, seeded) => {
      const current = path.join(root, 'shared-auth.json');
      const text = JSON.stringify({ auths: { 'quay.example': { auth: 'eA==' } } });
      if (exists) fs.writeFileSync(current, text);
      process.env.REGISTRY_AUTH_FILE = current;
      const plan = await planLogins(run, ['podman'], true);
      const own = core.state['private-config'] ?? '';
      const authFile = path.join(own, 'auth.json');
      expect(plan).toMatchObject({ docker: undefined, containersFile: authFile });
      expect(exported()).toEqual([
        `exportVariable:DOCKER_CONFIG=${own}`,
        `exportVariable:REGISTRY_AUTH_FILE=${authFile}`,
      ]);
      expect(fs.existsSync(authFile) ? readJson(authFile) : undefined).toEqual(seeded);
      if (exists) expect(fs.readFileSync(current, 'utf8')).toBe(text);
    },
  );
  test.each<[string, NodeJS.ProcessEnv, boolean]>([
    ["seeded from the CLIs' own file under XDG_RUNTIME_DIR", { XDG_RUNTIME_DIR: 'xdg' }, true],
    [
      "not seeded from docker's config.json, which the CLIs read anyway",
      { DOCKER_CONFIG: 'd' },
      false,
    ],
  ])('isolate-credentials with podman, no REGISTRY_AUTH_FILE: %s', async (_name, env, seeded) => {
    delete process.env.REGISTRY_AUTH_FILE;
    delete process.env.DOCKER_CONFIG;
    const vars = Object.fromEntries(
      Object.entries(env).map(([name, dir]) => [name, path.join(root, dir ?? '')]),
    );
    Object.assign(process.env, vars);
    const source = vars.XDG_RUNTIME_DIR
      ? path.join(vars.XDG_RUNTIME_DIR, 'containers', 'auth.json')
      : path.join(vars.DOCKER_CONFIG ?? '', 'config.json');
    fs.mkdirSync(path.dirname(source), { recursive: true });
    fs.writeFileSync(source, JSON.stringify({ auths: { 'quay.example': { auth: 'eA==' } } }));
    await planLogins(run, ['podman'], true);
    const authFile = path.join(core.state['private-config'] ?? '', 'auth.json');
    expect(fs.existsSync(authFile) ? readJson(authFile) : undefined).toEqual(
      seeded ? { auths: { 'quay.example': { auth: 'eA==' } } } : undefined,
    );
  });
});

describe('logIn: one outcome per CLI', () => {
  const authFile = (): string => path.join(root, 'auth.json');
  beforeEach(() => {
    process.env.REGISTRY_AUTH_FILE = authFile();
  });

  test('each CLI logs in, each outcome with its output', async () => {
    const plan = await planLogins(run, ['docker', 'podman'], false);
    const cred = credential(A, 'pw-a');
    await expect(logIn(plan, cred)).resolves.toStrictEqual([
      { registry: A, cli: 'docker', ok: true, credential: cred, output: 'Login Succeeded' },
      { registry: A, cli: 'podman', ok: true, credential: cred, output: 'Login Succeeded!' },
    ]);
    expect(readJson(path.join(dockerDir, 'config.json'))).toEqual({
      auths: { [A]: authOf('pw-a') },
    });
    expect(readJson(authFile())).toEqual({ auths: { [A]: authOf('pw-a') } });
  });

  test('a note says where the credential went instead; one CLI failing leaves the other', async () => {
    fs.writeFileSync(authFile(), '{not json');
    exec.refusingHelpers.add('wincred');
    const plan = await planLogins(run, ['docker', 'skopeo'], false);
    if (plan.docker) plan.docker.detected = 'wincred';
    const cred = credential(A, 'pw-a');
    await expect(logIn(plan, cred)).resolves.toStrictEqual([
      {
        registry: A,
        cli: 'docker',
        ok: true,
        credential: cred,
        output: 'Login Succeeded',
        note: `docker's default credential store 'wincred' refused the ECR token; the credential is kept in ${path.join(dockerDir, 'config.json')} for this registry alone`,
      },
      {
        registry: A,
        cli: 'skopeo',
        ok: false,
        error: `The credential file ${authFile()} is not a valid JSON object, so it was left untouched. Fix or remove it and run the job again.`,
      },
    ]);
  });
});

describe('logOut', () => {
  test('removes the logins of each credential file and CLI kind together, one group after another', async () => {
    const shared = path.join(dockerDir, 'config.json');
    const other = path.join(root, 'other', 'config.json');
    fs.mkdirSync(path.dirname(other));
    fs.writeFileSync(
      shared,
      JSON.stringify({ auths: { [A]: authOf('pw-a'), [B]: authOf('pw-b') } }),
    );
    fs.writeFileSync(other, JSON.stringify({ auths: { [B]: {} }, credHelpers: { [B]: 'fake' } }));
    exec.helperStores.fake = { [B]: 'pw-b' };
    const login = (cli: Login['cli'], host: string, file: string, helper = ''): Login =>
      loginOf(host, file, host === A ? 'pw-a' : 'pw-b', { cli, helper });
    const podmanA = login('podman', A, shared);
    const dockerA = login('docker', A, shared);
    const dockerB = login('docker', B, other, 'fake');
    const podmanB = login('podman', B, shared);
    // each command, with the credential files whose lock is held while it runs
    const order: string[] = [];
    const locked = () =>
      Object.entries({ shared, other })
        .filter(([, file]) => fs.existsSync(`${file}.lock`))
        .map(([name]) => name)
        .join(',');
    const fake = exec.runCommand.getMockImplementation();
    exec.runCommand.mockImplementation(async (command, args, options) => {
      order.push(`start ${command} ${args.join(' ')} (${locked()})`);
      if (fake === undefined) throw new Error('the command fixture has no implementation');
      const result = await fake(command, args, options);
      order.push(`end ${command} ${args[0] ?? ''}`);
      return result;
    });

    await expect(logOut(run, [podmanA, dockerA, dockerB, podmanB])).resolves.toEqual([
      { login: podmanA, state: 'removed' },
      { login: podmanB, state: 'removed' },
      // podman, on the same file, took it out first
      { login: dockerA, state: 'gone' },
      { login: dockerB, state: 'removed' },
    ]);
    expect(order).toEqual([
      `start podman logout ${A} (shared)`,
      'end podman logout',
      `start podman logout ${B} (shared)`,
      'end podman logout',
      'start docker-credential-fake get (other)',
      'end docker-credential-fake get',
      'start docker-credential-fake erase (other)',
      'end docker-credential-fake erase',
    ]);
    expect(readJson(shared)).toEqual({ auths: {} });
    expect(readJson(other)).toEqual({ auths: {}, credHelpers: { [B]: 'fake' } });
  });
});
