// isolate-credentials: logins go to a job-private docker config under RUNNER_TEMP, exported as
// DOCKER_CONFIG, deleted in post; the shared config is never touched, even by two jobs at once.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { makeCredentialHelper } from './support/cred-helper.ts';
import { encodeToken } from './support/ecr-tokens.ts';
import { dockerCanRead, pushImage } from './support/images.ts';
import { readJson, runDirEntries, runMain } from './support/jobs.ts';
import { makeTempDir } from './support/proc.ts';
import type { ActionRun } from './support/runner.ts';
import { useWorld } from './support/use-world.ts';

const REGION = 'eu-west-1';
const JOBS = [
  { account: '777777777701', password: '1-isolated-job-password' },
  { account: '777777777702', password: '2-isolated-job-password' },
];
const UNRELATED = {
  host: 'ghcr.io',
  auth: Buffer.from('someone:ghp_sharedRunnerToken01').toString('base64'),
};
const PLUGIN = 'docker-e2e-fake-plugin';
const [REPO, TAG] = ['e2e/app', 'v1'];

const world = useWorld(JOBS);
beforeAll(async () => {
  await pushImage(world.registries, world.certs, REPO, TAG);
});
const isolated = (i: number) => ({
  registries: JOBS[i]?.account ?? '',
  region: REGION,
  'isolate-credentials': 'true',
});
/** The private config a job's login leaves: the shared settings and credential, and its own. */
const privateConfig = (i: number) => ({
  detachKeys: 'ctrl-e,e',
  auths: {
    [UNRELATED.host]: { auth: UNRELATED.auth },
    [world.hosts[i] ?? '']: { auth: encodeToken(JOBS[i]?.password ?? '') },
  },
});

/** Makes `dir` a shared runner-wide docker config: a credential, a setting and a CLI plugin. */
async function shareConfig(dir: string): Promise<void> {
  await writeFile(
    join(dir, 'config.json'),
    `${JSON.stringify({ auths: { [UNRELATED.host]: { auth: UNRELATED.auth } }, detachKeys: 'ctrl-e,e' }, null, 2)}\n`,
  );
  await mkdir(join(dir, 'cli-plugins'));
  await writeFile(join(dir, 'cli-plugins', PLUGIN), '#!/bin/sh\n', { mode: 0o755 });
}

/** Everything of the shared config that a write would change. */
async function snapshotOf(dir: string): Promise<unknown> {
  const file = join(dir, 'config.json');
  const [bytes, info, dirInfo] = await Promise.all([readFile(file), stat(file), stat(dir)]);
  return {
    ...{ bytes: bytes.toString('base64'), mtimeMs: info.mtimeMs, mode: info.mode, ino: info.ino },
    dirMtimeMs: dirInfo.mtimeMs,
    entries: (await readdir(dir)).sort(),
    plugins: await readdir(join(dir, 'cli-plugins')),
  };
}

/** The job-private directory a main step exported, checked to be a new one under RUNNER_TEMP. */
function privateDir(run: ActionRun, runnerTemp: string): string {
  const dir = run.exportedEnv.DOCKER_CONFIG ?? '';
  expect(dirname(dir)).toBe(runnerTemp);
  expect(basename(dir)).toMatch(/^ecr-login-docker-/);
  expect(run.exportedEnv).toEqual({ DOCKER_CONFIG: dir }); // docker only: no REGISTRY_AUTH_FILE
  expect(run.log).toContain(`Credentials go to a job-private directory: ${dir}`);
  return dir;
}

describe('isolate-credentials', () => {
  test('logs in to a private config under RUNNER_TEMP, leaves the shared one alone', async () => {
    let before: unknown;
    const job = await runMain(world, {
      inputs: isolated(0),
      seed: async ({ dockerConfig }) => {
        await shareConfig(dockerConfig);
        before = await snapshotOf(dockerConfig);
      },
    });
    const { main, dirs } = job;
    expect({ exit: main.mainExit, stderr: main.stderr, leaks: main.leaks }).toEqual({
      exit: 0,
      stderr: '',
      leaks: [],
    });
    const dir = privateDir(main, dirs.runnerTemp);
    // No staging left: the private directory, and the run directory with the login records.
    const name = basename(dir);
    const plugins = [`${name}/cli-plugins`, `${name}/cli-plugins/${PLUGIN}`];
    expect(job.afterMain.temp).toEqual(
      [
        name,
        `${name}/.ecr-login-action`,
        ...plugins,
        `${name}/config.json`,
        ...runDirEntries(main),
      ].sort(),
    );
    expect(await readJson(join(dir, 'config.json'))).toEqual(privateConfig(0));
    expect((await stat(join(dir, 'config.json'))).mode & 0o777).toBe(0o600);
    // The CLI plugins of the shared config stay reachable from the private one.
    expect(await readdir(join(dir, 'cli-plugins'))).toEqual([PLUGIN]);
    expect(await snapshotOf(dirs.dockerConfig)).toEqual(before);

    // The post step runs with the exported DOCKER_CONFIG, as the runner passes it on.
    const post = await job.runPost();
    expect({ exit: post.postExit, leaks: post.leaks }).toEqual({ exit: 0, leaks: [] });
    expect(post.log).toContain(`Logged out of ${world.hosts[0] ?? ''} (docker)`);
    expect(post.log).toContain(`Deleted the job-private credential directory ${dir}`);
    expect((await job.snapshot()).temp).toEqual([]);
    // Deleting the private directory did not follow its links into the shared one.
    expect(await snapshotOf(dirs.dockerConfig)).toEqual(before);
  }, 60_000);

  test('two concurrent isolated jobs on one shared config never see each other', async () => {
    const shared = world.add(await makeTempDir('e2e-shared-docker')).path;
    await shareConfig(shared);
    const before = await snapshotOf(shared);
    const env = { DOCKER_CONFIG: shared };
    const jobs = await Promise.all(
      JOBS.map((_, i) => runMain(world, { inputs: isolated(i), env })),
    );
    const privates: string[] = [];
    for (const [i, { main, dirs }] of jobs.entries()) {
      expect({ job: i, exit: main.mainExit, leaks: main.leaks }).toEqual({
        job: i,
        exit: 0,
        leaks: [],
      });
      const dir = privateDir(main, dirs.runnerTemp);
      privates.push(dir);
      // Its own credential and the shared one; not the other job's.
      expect(await readJson(join(dir, 'config.json'))).toEqual(privateConfig(i));
    }
    expect(new Set(privates).size).toBe(JOBS.length);
    expect(await snapshotOf(shared)).toEqual(before);

    const posts = await Promise.all(jobs.map((job) => job.runPost()));
    for (const [i, post] of posts.entries()) {
      expect({ job: i, exit: post.postExit, leaks: post.leaks }).toEqual({
        job: i,
        exit: 0,
        leaks: [],
      });
      expect(post.log).toContain(`Logged out of ${world.hosts[i] ?? ''} (docker)`);
      expect((await jobs[i]?.snapshot())?.temp).toEqual([]);
    }
    expect(await snapshotOf(shared)).toEqual(before);
  }, 60_000);

  // docs/credentials.md: with isolate-credentials no job's post step can touch another's login,
  // and the runner-wide credential store is never written, even when the shared config.json
  // names a credential helper (credsStore) that is copied into the private config.
  test('with a credential helper in the shared config, jobs still do not log each other out', async () => {
    const helper = world.add(await makeCredentialHelper('e2efake'));
    const shared = world.add(await makeTempDir('e2e-shared-helper')).path;
    await writeFile(join(shared, 'config.json'), JSON.stringify({ credsStore: helper.name }));
    const opts = { inputs: isolated(0), env: { DOCKER_CONFIG: shared }, path: [helper.binDir] };
    const storeBefore = await helper.read();
    // Job A logs in, then job B logs in to the same registry and finishes (post) while A runs.
    const jobA = await runMain(world, opts);
    const storeAfterA = await helper.read();
    const jobB = await runMain(world, opts);
    expect([jobA.main.mainExit, jobB.main.mainExit]).toEqual([0, 0]);
    const dirA = privateDir(jobA.main, jobA.dirs.runnerTemp);
    privateDir(jobB.main, jobB.dirs.runnerTemp);
    // Is job A logged in? What a later docker command of job A can read.
    const aLoggedIn = () => dockerCanRead(dirA, world.hosts[0] ?? '', REPO, TAG, jobA.env);
    expect(await aLoggedIn()).toBe(true); // the check works
    expect((await jobB.runPost()).postExit).toBe(0);
    expect({
      sharedStoreWrittenByA: JSON.stringify(storeAfterA) !== JSON.stringify(storeBefore),
      aStillLoggedInAfterBsPost: await aLoggedIn(),
    }).toEqual({ sharedStoreWrittenByA: false, aStillLoggedInAfterBsPost: true });
    expect((await jobA.runPost()).postExit).toBe(0);
    expect(await aLoggedIn()).toBe(false);
  }, 60_000);
});
