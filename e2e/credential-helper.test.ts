// credential-helper: true — the job's credential agent holds the tokens, the CLIs ask it through
// docker-credential-ecr-login-<run>, no password rests in a file, and tokens that expire are
// fetched again. Judged with the real docker and skopeo CLIs against a registry that takes only
// the tokens still valid.
import { beforeAll, expect, test } from '@jest/globals';
import { readdir, readFile, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { dockerCanRead } from './support/images.ts';
import { runMain, runSteps, type RunDirs } from './support/jobs.ts';
import { logLines } from './support/log.ts';
import { startNodeRegistry } from './support/node-registry.ts';
import { run, sleep, waitUntil } from './support/proc.ts';
import { runnerPath } from './support/runner.ts';
import { expectHygiene, useWorld } from './support/use-world.ts';

const A = '111111111111';
const REGION = 'eu-west-1';
const ROLE = `arn:aws:iam::${A}:role/ecr-helper`;
/** Tokens of the ECR stand-in last this long: the agent has to fetch them again within a test. */
const LIFETIME_S = 4;
const world = useWorld([], {
  endpoint: { tokenLifetimeSeconds: LIFETIME_S },
  roles: [{ arn: ROLE, account: A, trust: { aud: 'sts.amazonaws.com', sub: 'repo:octo-org/*' } }],
  prereqs: ['skopeo'],
});

/** The registry: it takes only the passwords in `accepted`, as ECR takes only valid tokens. */
const accepted = new Set<string>();
let host = '';
let issued = 0;
beforeAll(async () => {
  host = world.add(await startNodeRegistry('', 0, accepted)).host;
});

/** A new token: the stand-in answers it from now on, and the registry takes it alone. */
function issue(): string {
  const password = `helper-password-${String(++issued)}-${'x'.repeat(40)}`;
  accepted.clear();
  accepted.add(password);
  world.answer(A, password, host);
  return password;
}

/** The agent's process, from the run's records: its PID and start time. */
async function agentOf(runDir: string): Promise<{ pid: number; start: string }> {
  const lines = (await readFile(join(runDir, 'processes.jsonl'), 'utf8')).split('\n');
  const agent = lines.flatMap((l) => (l ? [JSON.parse(l) as Record<string, unknown>] : []));
  const found = agent.find((r) => r.agent === true);
  if (found === undefined) throw new Error('no agent recorded');
  return { pid: Number(found.pid), start: String(found.start) };
}

/** True while the process `pid` started at `start` (clock ticks, /proc) is still there. */
async function running({ pid, start }: { pid: number; start: string }): Promise<boolean> {
  const stat = await readFile(`/proc/${String(pid)}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return stat !== '' && fields[0] !== 'Z' && fields[19] === start;
}

/** Every file under `dirs` whose bytes hold `secret`. */
async function filesHolding(dirs: string[], secret: string): Promise<string[]> {
  const found: string[] = [];
  for (const dir of dirs) {
    for (const name of await readdir(dir, { recursive: true }).catch(() => [] as string[])) {
      const file = join(dir, name);
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) continue;
      if ((await readFile(file)).includes(secret)) found.push(file);
    }
  }
  return found;
}

const pathWith = (added: string[]) => [...added, runnerPath()].join(delimiter);
const canRead = (dirs: RunDirs, added: string[]) =>
  dockerCanRead(dirs.dockerConfig, host, 'demo', '1', { ...world.env, PATH: pathWith(added) });

test('docker asks the agent: no password in any file, a token that expires is fetched again, nothing left after post', async () => {
  const first = issue();
  let agent = { pid: 0, start: '' };
  let helperName = '';
  let added: string[] = [];
  let readableAfterPost: boolean | undefined;
  const steps = await runSteps(world, {
    inputs: { registries: A, region: REGION, 'credential-helper': 'true' },
    // With the runner's debug logging on too, no token reaches the log (expectHygiene below).
    debug: true,
    afterMain: async (main, dirs) => {
      const runDir = main.state['run-dir'] ?? '';
      agent = await agentOf(runDir);
      expect(await running(agent)).toBe(true);
      const config = JSON.parse(await readFile(join(dirs.dockerConfig, 'config.json'), 'utf8')) as {
        credHelpers?: Record<string, string>;
      };
      helperName = String(config.credHelpers?.[host]);
      expect(config).toEqual({
        credHelpers: { [host]: expect.stringMatching(/^ecr-login-\w{6}$/) },
      });
      expect(main.addedPath).toEqual([join(runDir, 'bin')]);
      // A later docker command reads the registry through the helper.
      expect(await canRead(dirs, main.addedPath)).toBe(true);
      // No file under HOME, DOCKER_CONFIG or RUNNER_TEMP holds the password.
      const dirsToSearch = [dirs.home, dirs.dockerConfig, dirs.runnerTemp];
      expect(await filesHolding(dirsToSearch, first)).toEqual([]);
      // The token expires; the registry takes only the next one, which the agent fetches.
      const calls = world.endpoint.requests.length;
      const second = issue();
      await sleep(LIFETIME_S * 1000 + 500);
      expect(world.endpoint.requests.length).toBeGreaterThan(calls);
      expect(await canRead(dirs, main.addedPath)).toBe(true);
      expect(await filesHolding(dirsToSearch, second)).toEqual([]);
      // The socket refuses another user: the run's directory is the runner user's alone.
      const socket = join(runDir, 'agent.sock');
      const asNobody = await run('setpriv', [
        '--reuid=nobody',
        '--regid=nogroup',
        '--clear-groups',
        '/usr/bin/node',
        '-e',
        `require('net').connect(${JSON.stringify(socket)}).on('error', (e) => { console.log(e.code); }).on('connect', () => console.log('connected'))`,
      ]);
      expect(asNobody.stdout.trim()).toBe('EACCES');
      added = main.addedPath;
    },
    afterPost: async (_post, dirs) => {
      readableAfterPost = await canRead(dirs, added);
    },
  });
  const { main, post } = steps;
  expect([main.mainExit, post?.postExit]).toEqual([0, 0]);
  // The same outputs as the other mode, but no password among them.
  expect(Object.keys(main.outputs).sort()).toEqual(
    [
      'docker_username_' + host.replace(/[^a-zA-Z0-9_]+/g, '_'),
      'expires-at',
      'registries',
      'registry',
    ].sort(),
  );
  expect(logLines(main)).toEqual(
    expect.arrayContaining([
      `Started the credential agent: docker-credential-${helperName} is on PATH for later steps (images the runner pulls itself do not use it)`,
      `docker: asks the credential helper docker-credential-${helperName}`,
    ]),
  );
  expect(logLines(post)).toEqual([
    'Stopped the credential agent',
    `Logged out of ${host} (docker)`,
  ]);
  // After post: no agent, no entry, no helper directory; docker can no longer read.
  expect(await running(agent)).toBe(false);
  expect(steps.after.post?.config).toEqual({});
  expect(steps.after.post?.temp).toEqual([]);
  expect(readableAfterPost).toBe(false);
  // The one process the step started is the agent; no CLI ran a login.
  expect(steps.execs.map((e) => e.args.slice(1))).toEqual([[expect.any(String), '--agent']]);
  expectHygiene(steps, {});
}, 60_000);

test('skopeo and podman ask the same helper through their auth file', async () => {
  issue();
  const steps = await runSteps(world, {
    inputs: {
      registries: A,
      region: REGION,
      'credential-helper': 'true',
      'container-cli': 'skopeo,podman',
    },
    afterMain: async (main, dirs) => {
      const auth = JSON.parse(await readFile(dirs.authFile, 'utf8')) as object;
      expect(Object.keys(auth)).toEqual(['credHelpers']);
      const env = {
        ...world.env,
        HOME: dirs.home,
        REGISTRY_AUTH_FILE: dirs.authFile,
        PATH: pathWith(main.addedPath),
      };
      const inspected = await run(
        'skopeo',
        ['inspect', '--tls-verify=false', '--raw', `docker://${host}/demo:1`],
        { env },
      );
      expect({ code: inspected.code, stderr: inspected.stderr }).toEqual({ code: 0, stderr: '' });
      const login = await run('podman', ['login', '--get-login', host], { env });
      expect(login.stdout.trim()).toBe('AWS');
    },
  });
  expect([steps.main.mainExit, steps.post?.postExit]).toEqual([0, 0]);
  expect(steps.after.post?.authFile).toEqual({});
  expect(steps.after.post?.temp).toEqual([]);
}, 60_000);

test('role-to-assume: the agent assumes the role again with a new OIDC token when it fetches again', async () => {
  issue();
  const steps = await runSteps(world, {
    inputs: { registries: A, region: REGION, 'credential-helper': 'true', 'role-to-assume': ROLE },
    afterMain: async (main, dirs) => {
      const [tokens, assumed] = [world.oidc.requests.length, world.sts.requests.length];
      issue();
      await sleep(LIFETIME_S * 1000 + 500);
      expect(world.oidc.requests.length).toBeGreaterThan(tokens);
      expect(world.sts.requests.slice(assumed).map((r) => r.action)).toContain(
        'AssumeRoleWithWebIdentity',
      );
      expect(await canRead(dirs, main.addedPath)).toBe(true);
    },
  });
  expect([steps.main.mainExit, steps.post?.postExit]).toEqual([0, 0]);
}, 60_000);

test.each(['SIGINT', 'SIGKILL'] as const)(
  'a main step ended by %s after the agent started: the post step stops the agent and removes the entry',
  async (signal) => {
    issue();
    const job = await runMain(world, {
      inputs: { registries: A, region: REGION, 'credential-helper': 'true' },
      whileMain: async (step, dirs) => {
        const configFile = join(dirs.dockerConfig, 'config.json');
        await waitUntil(
          async () => (await readFile(configFile, 'utf8').catch(() => '')).includes('credHelpers'),
          'the helper entry',
        );
        step.kill(signal);
      },
    });
    const agent = await agentOf(job.main.state['run-dir'] ?? '');
    expect(await running(agent)).toBe(true);
    const post = await job.runPost();
    expect(post.postExit).toBe(0);
    expect(await running(agent)).toBe(false);
    const after = await job.snapshot();
    expect(after.config).toEqual({});
    expect(after.temp).toEqual([]);
    await job.cleanup();
  },
  60_000,
);

test('bad combinations fail before any call', async () => {
  for (const [input, value] of [
    ['skip-logout', 'true'],
    ['mask-password', 'false'],
  ] as const) {
    const steps = await runSteps(world, {
      inputs: { registries: A, region: REGION, 'credential-helper': 'true', [input]: value },
    });
    expect(steps.main.mainExit).toBe(1);
    expect(logLines(steps.main).join('\n')).toContain(`cannot be combined with '${input}`);
  }
  expect(world.endpoint.requests).toEqual([]);
});
