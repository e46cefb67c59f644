// The action acts only on what it started, made or stored: a credential helper that hangs is
// ended with its process group at login-timeout, and the step does not wait on pipes it handed
// on; an agent a helper started is never stopped; directories the state names are deleted only
// when they carry the action's mark.
import { afterEach, beforeAll, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeCredentialHelper, type HelperBehaviour } from './support/cred-helper.ts';
import { authsOf } from './support/ecr-tokens.ts';
import { dockerCanRead, pushImage } from './support/images.ts';
import { loginRecord, readJson, runMain, type RunDirs } from './support/jobs.ts';
import { errorsOf, logLines } from './support/log.ts';
import { cancelStep, makeTempDir, waitUntil } from './support/proc.ts';
import { runAction, runnerPath } from './support/runner.ts';
import { useWorld } from './support/use-world.ts';

const REGION = 'eu-west-1';
const ACCOUNT = '750000000001';
const PASSWORD = 'ownership-registry-password';
const world = useWorld([{ account: ACCOUNT, password: PASSWORD }]);
const [REPO, TAG] = ['e2e/own', 'v1'];
let host = '';
beforeAll(async () => {
  host = world.hosts[0] ?? '';
  await pushImage(world.registries, world.certs, REPO, TAG);
});

/** Processes a test started or found, ended after it whatever happened. */
const strays = new Set<number>();
afterEach(() => {
  for (const pid of strays) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  strays.clear();
});
/** Whether `pid` is a running process (a zombie, killed and not yet reaped, is not). */
const alive = (pid: number | undefined): boolean => {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
};

/** A helper that holds the registry's credential (credHelpers for its host), misbehaving so. */
async function helperFor(behaviour: HelperBehaviour) {
  const helper = world.add(await makeCredentialHelper('odd', behaviour));
  const seed = ({ dockerConfig }: RunDirs) =>
    writeFile(
      join(dockerConfig, 'config.json'),
      JSON.stringify({ credHelpers: { [host]: 'odd' } }),
    );
  const watch = async () => {
    for (const which of ['agent', 'hung', 'escaped'] as const) {
      const pid = await helper.pid(which);
      if (pid !== undefined) strays.add(pid);
    }
  };
  return { helper, seed, watch };
}
const inputs = { registries: ACCOUNT, region: REGION, 'login-timeout': '2', 'login-attempts': '1' };

test('a helper that hangs in store: login-timeout ends it with its group, and the step does not wait on the pipes its child kept', async () => {
  const { helper, seed, watch } = await helperFor({ hang: ['store'], escape: true });
  const job = await runMain(world, { inputs, seed, path: [helper.binDir] });
  await watch();
  expect(job.main.mainExit).toBe(1);
  expect(errorsOf(job.main)).toEqual([`docker login to ${host} failed: timed out after 2 s`]);
  // The hung helper was in docker's process group: ended with it.
  expect(alive(await helper.pid('hung'))).toBe(false);
  // Its child in a session of its own still holds docker's stdout and stderr, and the step
  // ended all the same.
  expect(alive(await helper.pid('escaped'))).toBe(true);
  // The login was recorded before docker started; the helper never stored it: nothing to undo.
  const post = await job.runPost();
  expect(post.postExit).toBe(0);
  expect(logLines(post)).toEqual(['No registry to log out of.']);
}, 60_000);

test('a helper that hangs in get and erase: the post step gives up at login-timeout, says so, and fails', async () => {
  const { helper, seed, watch } = await helperFor({ hang: ['get', 'erase'] });
  const job = await runMain(world, { inputs, seed, path: [helper.binDir] });
  expect(job.main.mainExit).toBe(0);
  expect(await helper.read()).toEqual({ [host]: { Username: 'AWS', Secret: PASSWORD } });
  const post = await job.runPost();
  await watch();
  expect(post.postExit).toBe(1);
  expect(errorsOf(post)).toEqual([
    `Could not log out of ${host} (docker): docker-credential-odd get timed out`,
    '1 registry credential(s) could not be removed.',
  ]);
  expect(alive(await helper.pid('hung'))).toBe(false);
  // Nothing was erased without knowing whose it was.
  expect(await helper.read()).toEqual({ [host]: { Username: 'AWS', Secret: PASSWORD } });
}, 60_000);

test('an agent a helper started survives the post step after a cancelled main step', async () => {
  const { helper, seed, watch } = await helperFor({ hang: ['store'], agent: true });
  const job = await runMain(world, {
    inputs: { ...inputs, 'login-timeout': '60' },
    seed,
    path: [helper.binDir],
    whileMain: async (step) => {
      await waitUntil(async () => (await helper.pid('hung')) !== undefined, 'the helper to hang');
      await cancelStep(step, 2000);
    },
  });
  await watch();
  expect(job.main.mainExit).toBe(1);
  expect(alive(await helper.pid('hung'))).toBe(false); // stopped with docker's group by the cancel
  const post = await job.runPost();
  expect(post.postExit).toBe(0);
  expect(alive(await helper.pid('agent'))).toBe(true);
  expect(logLines(post, /Stopped/)).toEqual([]);
}, 60_000);

test('an agent a helper started survives the post step after skip-logout', async () => {
  const { helper, seed, watch } = await helperFor({ agent: true });
  const job = await runMain(world, {
    inputs: { ...inputs, 'skip-logout': 'true' },
    seed,
    path: [helper.binDir],
  });
  await watch();
  expect(job.main.mainExit).toBe(0);
  const post = await job.runPost();
  expect(post.postExit).toBe(0);
  expect(logLines(post)).toEqual(['No registry to log out of.']);
  expect(alive(await helper.pid('agent'))).toBe(true);
  // skip-logout: the login stays usable after the post step
  const env = { ...world.env, PATH: `${helper.binDir}:${runnerPath()}` };
  expect(await dockerCanRead(job.dirs.dockerConfig, host, REPO, TAG, env)).toBe(true);
  expect(await helper.read()).toEqual({ [host]: { Username: 'AWS', Secret: PASSWORD } });
}, 60_000);

test('state that names directories the action did not make: the post step deletes, stops and logs out of nothing', async () => {
  const root = world.add(await makeTempDir('e2e-forged')).path;
  const temp = join(root, 'temp');
  const home = join(root, 'home');
  const docker = join(root, 'docker');
  const forgedRun = join(temp, 'ecr-login-forged');
  for (const dir of [home, docker, forgedRun]) await mkdir(dir, { recursive: true });
  const config = authsOf({ [host]: PASSWORD });
  await writeFile(join(docker, 'config.json'), JSON.stringify(config));
  await writeFile(join(home, 'precious.txt'), 'keep me');
  // Records as the main step writes them, naming a live process that is not the action's.
  const bystander = spawn('sleep', ['60'], { stdio: 'ignore' });
  const pid = bystander.pid ?? 0;
  strays.add(pid);
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  const login = loginRecord(host, 'docker', join(docker, 'config.json'), PASSWORD);
  await writeFile(join(forgedRun, 'logins.jsonl'), `${JSON.stringify(login)}\n`);
  await writeFile(join(forgedRun, 'processes.jsonl'), `${JSON.stringify({ pid, start })}\n`);
  const tree = async () => ({
    temp: (await readdir(temp, { recursive: true })).sort(),
    home: (await readdir(home)).sort(),
  });
  const before = await tree();

  const post = await runAction({
    phases: 'post',
    env: { ...world.env, RUNNER_TEMP: temp, HOME: home, DOCKER_CONFIG: docker },
    state: { 'run-dir': forgedRun, 'private-config': home },
    secrets: world.secrets,
  });
  expect(post.postExit).toBe(0);
  expect(logLines(post)).toEqual([
    `Warning: The run directory ${forgedRun} named in the state was not made by this action: left alone.`,
    'No registry to log out of.',
    `Warning: The directory ${home} named in the state was not made by this action: left alone.`,
  ]);
  expect(alive(pid)).toBe(true);
  expect(await tree()).toEqual(before);
  expect(await readJson(join(docker, 'config.json'))).toEqual(config);
}, 60_000);
