import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, expect, jest, test } from '@jest/globals';
import * as core from '../__fixtures__/core.ts';
import { credential, endJob, startJob } from '../__fixtures__/job.ts';
import type { Group } from '../src/registries.ts';
import type { Run } from '../src/run.ts';

jest.unstable_mockModule('@actions/core', () => core);
const { startAgent } = await import('../src/helper-mode.ts');
const { startRun } = await import('../src/run.ts');
const { planLogins, logIn, logOut } = await import('../src/logins.ts');
const { stopProcesses } = await import('../src/runner.ts');
const { ask } = await import('../src/helper.ts');

const HOST = '111111111111.dkr.ecr.eu-west-1.amazonaws.com';
const GROUPS: Group[] = [
  {
    region: 'eu-west-1',
    public: false,
    targets: [{ kind: 'account', account: '111111111111', region: 'eu-west-1' }],
  },
];
const SETTINGS = {
  roleSettings: { audience: 'sts.amazonaws.com', sessionName: 'test', durationSeconds: 3600 },
  apiTimeoutMs: 5_000,
};

let run: Run;
let dockerDir: string;
beforeEach(() => {
  core.reset();
  ({ dockerDir } = startJob());
  run = startRun({ attempts: 1, timeoutMs: 5000 }, true);
});
afterEach(async () => {
  await stopProcesses(run.records.running(true));
  endJob();
});

test('starts the agent with the tokens, writes the helper onto PATH, hooks each CLI up, and all of it comes out again', async () => {
  const token = credential(HOST, 'agent-password');
  const agent = await startAgent(run, SETTINGS, {}, GROUPS, [{ credential: token, group: 0 }]);
  expect(agent.helper).toBe(`ecr-login-${path.basename(run.dir).slice('ecr-login-'.length)}`);
  // The agent answers over its socket; it was recorded for the post step.
  expect(await ask(path.join(run.dir, 'agent.sock'), HOST)).toEqual({
    username: 'AWS',
    secret: 'agent-password',
  });
  expect(run.records.running(true)).toHaveLength(1);
  // The helper, in the run's directory, on PATH for later steps.
  const bin = path.join(run.dir, 'bin');
  expect(core.addedPaths).toEqual([bin]);
  const script = fs.readFileSync(path.join(bin, `docker-credential-${agent.helper}`), 'utf8');
  expect(script).toContain(`'${path.join(run.dir, 'agent.sock')}' "$@"`);
  expect(script).not.toContain('agent-password');
  expect(fs.statSync(path.join(bin, `docker-credential-${agent.helper}`)).mode & 0o777).toBe(0o700);

  fs.writeFileSync(
    path.join(dockerDir, 'config.json'),
    JSON.stringify({ auths: { 'ghcr.io': {} } }),
  );
  const plan = await planLogins(run, ['docker'], false);
  const outcomes = await logIn({ ...plan, helper: agent.helper }, token);
  expect(outcomes).toEqual([
    {
      registry: HOST,
      cli: 'docker',
      ok: true,
      credential: token,
      output: `asks the credential helper docker-credential-${agent.helper}`,
    },
  ]);
  const file = path.join(dockerDir, 'config.json');
  expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({
    auths: { 'ghcr.io': {} },
    credHelpers: { [HOST]: agent.helper },
  });
  expect(fs.readFileSync(file, 'utf8')).not.toContain('agent-password');

  // The post step: the entry that still names this run's helper comes out; the rest stays.
  const removals = await logOut(run, run.records.logins());
  expect(removals.map((r) => r.state)).toEqual(['removed']);
  expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ auths: { 'ghcr.io': {} } });
  expect(await stopProcesses(run.records.running(true))).toBe(1);
  expect(await ask(path.join(run.dir, 'agent.sock'), HOST)).toEqual({
    error: 'credentials not found in native keychain',
  });
}, 20_000);

test('an entry another run rewrote since is left alone; one already gone is said so', async () => {
  const token = credential(HOST, 'agent-password');
  const plan = await planLogins(run, ['docker'], false);
  await logIn({ ...plan, helper: 'ecr-login-aaaaaa' }, token);
  await logIn(
    { ...plan, helper: 'ecr-login-bbbbbb' },
    credential('222222222222.dkr.ecr.eu-west-1.amazonaws.com', 'p'),
  );
  const file = path.join(dockerDir, 'config.json');
  const config = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    credHelpers: Record<string, string>;
  };
  config.credHelpers[HOST] = 'ecr-login-later1';
  delete config.credHelpers['222222222222.dkr.ecr.eu-west-1.amazonaws.com'];
  fs.writeFileSync(file, JSON.stringify(config));
  const removals = await logOut(run, run.records.logins());
  expect(removals.map((r) => [r.login.host, r.state])).toEqual([
    [HOST, 'replaced'],
    ['222222222222.dkr.ecr.eu-west-1.amazonaws.com', 'gone'],
  ]);
  expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(config);
});

test('a CLI whose credential file only it knows cannot be hooked up: that login fails, naming the way out', async () => {
  const plan = { ...(await planLogins(run, ['podman'], false)), containersFile: '' };
  const [outcome] = await logIn({ ...plan, helper: 'ecr-login-aaaaaa' }, credential(HOST, 'p'));
  expect(outcome).toEqual({
    registry: HOST,
    cli: 'podman',
    ok: false,
    error:
      "podman's credential file cannot be known here (no XDG_RUNTIME_DIR): set REGISTRY_AUTH_FILE.",
  });
});

test('a run directory too deep for a Unix socket fails before the agent starts', async () => {
  const deep = path.join(path.dirname(run.dir), 'd'.repeat(100));
  fs.mkdirSync(deep);
  process.env.RUNNER_TEMP = deep;
  const deepRun = startRun({ attempts: 1, timeoutMs: 5000 }, true);
  await expect(startAgent(deepRun, SETTINGS, {}, GROUPS, [])).rejects.toThrow(
    /socket path .* is longer than 100 bytes, which Unix sockets do not take: set RUNNER_TEMP to a shorter directory/,
  );
  expect(deepRun.records.running(true)).toEqual([]);
});

test('an agent that ends before it listens fails the start, naming its exit, and is not left running', async () => {
  // A directory where the socket goes: the agent cannot listen there.
  fs.mkdirSync(path.join(run.dir, 'agent.sock'));
  await expect(startAgent(run, SETTINGS, {}, GROUPS, [])).rejects.toThrow(
    /^The credential agent could not be started: ended before it was ready \(exit code 1\)$/,
  );
  expect(core.addedPaths).toEqual([]);
}, 20_000);
