// isolate-credentials: logins go to a job-private docker config under RUNNER_TEMP, exported as
// DOCKER_CONFIG, deleted in post; the shared config is never touched, even by two jobs at once.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { makeCerts, type TestCerts } from './support/certs.ts';
import { EcrEndpoint } from './support/ecr-endpoint.ts';
import { encodeToken } from './support/ecr-tokens.ts';
import { checkPrereqs } from './support/prereqs.ts';
import { makeCredentialHelper } from './support/cred-helper.ts';
import { makeTempDir, type TempDir } from './support/proc.ts';
import { startRegistry, type TestRegistry } from './support/registry.ts';
import { apiEnv, listDir, makeRunDirs, type RunDirs, Cleanups } from './support/resilience-env.ts';
import { runAction, type ActionRun } from './support/runner.ts';

checkPrereqs();

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

let certs: TestCerts;
let endpoint: EcrEndpoint;
const registries: TestRegistry[] = [];

const cleanups = new Cleanups();
afterAll(() => cleanups.run());

beforeAll(async () => {
  certs = cleanups.add(await makeCerts());
  for (const job of JOBS) {
    registries.push(cleanups.add(await startRegistry({ password: job.password, certs })));
  }
  endpoint = new EcrEndpoint({
    certs,
    auth: Object.fromEntries(
      JOBS.map((job, i) => [job.account, { password: job.password, host: registries[i]?.host }]),
    ),
  });
  await endpoint.start();
  cleanups.add(endpoint);
}, 60_000);

interface Config {
  auths?: Record<string, { auth?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}
const readConfig = async (dir: string) =>
  JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Config;

/** A shared runner-wide docker config: a credential, a setting and a CLI plugin. */
async function sharedConfig(): Promise<{ dir: TempDir; snapshot: () => Promise<unknown> }> {
  const dir = await makeTempDir('e2e-res-shared-docker');
  await writeFile(
    join(dir.path, 'config.json'),
    `${JSON.stringify({ auths: { [UNRELATED.host]: { auth: UNRELATED.auth } }, detachKeys: 'ctrl-e,e' }, null, 2)}\n`,
  );
  await mkdir(join(dir.path, 'cli-plugins'));
  await writeFile(join(dir.path, 'cli-plugins', PLUGIN), '#!/bin/sh\n', { mode: 0o755 });
  const file = join(dir.path, 'config.json');
  const snapshot = async () => {
    const [bytes, info, dirInfo] = await Promise.all([readFile(file), stat(file), stat(dir.path)]);
    return {
      bytes: bytes.toString('base64'),
      mtimeMs: info.mtimeMs,
      mode: info.mode,
      ino: info.ino,
      dirMtimeMs: dirInfo.mtimeMs,
      entries: await listDir(dir.path),
      plugins: await listDir(join(dir.path, 'cli-plugins')),
    };
  };
  return { dir, snapshot };
}

const envFor = (shared: string, runnerTemp: string) => ({
  ...apiEnv(endpoint.url, certs),
  DOCKER_CONFIG: shared,
  RUNNER_TEMP: runnerTemp,
});
const secrets = JOBS.flatMap((job) => [job.password, encodeToken(job.password)]);

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
    const shared = await sharedConfig();
    let dirs: RunDirs | undefined;
    try {
      dirs = await makeRunDirs('e2e-res-isolated');
      const job = JOBS[0] ?? JOBS[1];
      const host = registries[0]?.host ?? '';
      const before = await shared.snapshot();
      const env = envFor(shared.dir.path, dirs.runnerTemp.path);
      const main = await runAction({
        inputs: { registries: job?.account ?? '', region: REGION, 'isolate-credentials': 'true' },
        env,
        secrets,
        phases: 'main',
      });
      expect({ exit: main.mainExit, stderr: main.stderr, leaks: main.leaks }).toEqual({
        exit: 0,
        stderr: '',
        leaks: [],
      });
      const dir = privateDir(main, dirs.runnerTemp.path);
      expect(await listDir(dirs.runnerTemp.path)).toEqual([basename(dir)]); // no staging left
      expect(await readConfig(dir)).toEqual({
        detachKeys: 'ctrl-e,e',
        auths: {
          [UNRELATED.host]: { auth: UNRELATED.auth },
          [host]: { auth: encodeToken(job?.password ?? '') },
        },
      });
      expect((await stat(join(dir, 'config.json'))).mode & 0o777).toBe(0o600);
      // The CLI plugins of the shared config stay reachable from the private one.
      expect(await listDir(join(dir, 'cli-plugins'))).toEqual([PLUGIN]);
      expect(await shared.snapshot()).toEqual(before);

      // The post step runs with the exported DOCKER_CONFIG, as the runner passes it on.
      const post = await runAction({
        env: { ...env, DOCKER_CONFIG: dir },
        secrets,
        phases: 'post',
        state: main.state,
      });
      expect({ exit: post.postExit, leaks: post.leaks }).toEqual({ exit: 0, leaks: [] });
      expect(post.log).toContain(`Logged out of ${host} (docker)`);
      expect(post.log).toContain(`Deleted the job-private credential directory ${dir}`);
      expect(await listDir(dirs.runnerTemp.path)).toEqual([]);
      // Deleting the private directory did not follow its links into the shared one.
      expect(await shared.snapshot()).toEqual(before);
    } finally {
      await dirs?.cleanup();
      await shared.dir.cleanup();
    }
  }, 60_000);

  test('two concurrent isolated jobs on one shared config never see each other', async () => {
    const shared = await sharedConfig();
    const dirs: RunDirs[] = [];
    try {
      for (const i of JOBS.keys()) dirs.push(await makeRunDirs(`e2e-res-isolated-${String(i)}`));
      const before = await shared.snapshot();
      const envs = dirs.map((d) => envFor(shared.dir.path, d.runnerTemp.path));
      const mains = await Promise.all(
        JOBS.map((job, i) =>
          runAction({
            inputs: { registries: job.account, region: REGION, 'isolate-credentials': 'true' },
            env: envs[i] ?? {},
            secrets,
            phases: 'main',
          }),
        ),
      );
      const privates: string[] = [];
      for (const [i, main] of mains.entries()) {
        expect({ job: i, exit: main.mainExit, leaks: main.leaks }).toEqual({
          job: i,
          exit: 0,
          leaks: [],
        });
        const dir = privateDir(main, dirs[i]?.runnerTemp.path ?? '');
        privates.push(dir);
        // Its own credential and the shared one; not the other job's.
        expect(await readConfig(dir)).toEqual({
          detachKeys: 'ctrl-e,e',
          auths: {
            [UNRELATED.host]: { auth: UNRELATED.auth },
            [registries[i]?.host ?? '']: { auth: encodeToken(JOBS[i]?.password ?? '') },
          },
        });
      }
      expect(new Set(privates).size).toBe(JOBS.length);
      expect(await shared.snapshot()).toEqual(before);

      const posts = await Promise.all(
        mains.map((main, i) =>
          runAction({
            env: { ...(envs[i] ?? {}), DOCKER_CONFIG: privates[i] ?? '' },
            secrets,
            phases: 'post',
            state: main.state,
          }),
        ),
      );
      for (const [i, post] of posts.entries()) {
        expect({ job: i, exit: post.postExit, leaks: post.leaks }).toEqual({
          job: i,
          exit: 0,
          leaks: [],
        });
        expect(post.log).toContain(`Logged out of ${registries[i]?.host ?? ''} (docker)`);
        expect(await listDir(dirs[i]?.runnerTemp.path ?? '')).toEqual([]);
      }
      expect(await shared.snapshot()).toEqual(before);
    } finally {
      await Promise.all(dirs.map((d) => d.cleanup()));
      await shared.dir.cleanup();
    }
  }, 60_000);

  test('works when the shared config directory does not exist, and does not create it', async () => {
    const parent = await makeTempDir('e2e-res-no-docker');
    const missing = join(parent.path, '.docker');
    let dirs: RunDirs | undefined;
    try {
      dirs = await makeRunDirs('e2e-res-isolated-fresh');
      const env = envFor(missing, dirs.runnerTemp.path);
      const main = await runAction({
        inputs: {
          registries: JOBS[1]?.account ?? '',
          region: REGION,
          'isolate-credentials': 'true',
        },
        env,
        secrets,
        phases: 'main',
      });
      expect({ exit: main.mainExit, leaks: main.leaks }).toEqual({ exit: 0, leaks: [] });
      const dir = privateDir(main, dirs.runnerTemp.path);
      expect(await readConfig(dir)).toEqual({
        auths: { [registries[1]?.host ?? '']: { auth: encodeToken(JOBS[1]?.password ?? '') } },
      });
      const post = await runAction({
        env: { ...env, DOCKER_CONFIG: dir },
        secrets,
        phases: 'post',
        state: main.state,
      });
      expect({ exit: post.postExit, leaks: post.leaks }).toEqual({ exit: 0, leaks: [] });
      expect(await listDir(dirs.runnerTemp.path)).toEqual([]);
      expect(await listDir(parent.path)).toEqual([]);
    } finally {
      await dirs?.cleanup();
      await parent.cleanup();
    }
  }, 60_000);

  // README: with isolate-credentials "one job's post step" can no longer "log the other out" and
  // "the runner-wide credential store is never written", even when the shared config.json names
  // a credential helper (credsStore) that is copied into the private config.
  test('with a credential helper in the shared config, jobs still do not log each other out', async () => {
    const helper = await makeCredentialHelper('e2efake');
    const shared = await makeTempDir('e2e-res-shared-helper');
    const dirs: RunDirs[] = [];
    try {
      await writeFile(
        join(shared.path, 'config.json'),
        JSON.stringify({ credsStore: helper.name }),
      );
      const path = [helper.binDir, ...(process.env.PATH ?? '').split(':')]
        .filter((p) => p !== '' && !p.includes('node_modules'))
        .join(':');
      for (const i of JOBS.keys()) dirs.push(await makeRunDirs(`e2e-res-helper-${String(i)}`));
      const job = JOBS[0];
      const host = registries[0]?.host ?? '';
      const storeBefore = await helper.read();
      const envs = dirs.map((d) => ({
        ...envFor(shared.path, d.runnerTemp.path),
        PATH: path,
      }));
      const main = (i: number) =>
        runAction({
          inputs: { registries: job?.account ?? '', region: REGION, 'isolate-credentials': 'true' },
          env: envs[i] ?? {},
          secrets,
          phases: 'main',
        });
      // Job A logs in, then job B logs in to the same registry and finishes (post) while A runs.
      const mainA = await main(0);
      const storeAfterA = await helper.read();
      const mainB = await main(1);
      expect([mainA.mainExit, mainB.mainExit]).toEqual([0, 0]);
      const dirA = privateDir(mainA, dirs[0]?.runnerTemp.path ?? '');
      const dirB = privateDir(mainB, dirs[1]?.runnerTemp.path ?? '');
      // Is job A logged in? Its credential as docker looks it up: through the credential helper
      // its config names for the host (a credHelpers entry, even an empty one, wins over
      // credsStore; empty means config.json), else in its config.json.
      const aLoggedIn = async () => {
        const config = await readConfig(dirA);
        const helpers = config.credHelpers ?? {};
        const store = host in helpers ? helpers[host] : config.credsStore;
        if (!store) return host in (config.auths ?? {});
        const held = await helper.read();
        return host in held || `https://${host}` in held;
      };
      expect(await aLoggedIn()).toBe(true); // the check works
      const postB = await runAction({
        env: { ...(envs[1] ?? {}), DOCKER_CONFIG: dirB },
        secrets,
        phases: 'post',
        state: mainB.state,
      });
      expect(postB.postExit).toBe(0);
      expect({
        sharedStoreWrittenByA: JSON.stringify(storeAfterA) !== JSON.stringify(storeBefore),
        aStillLoggedInAfterBsPost: await aLoggedIn(),
      }).toEqual({ sharedStoreWrittenByA: false, aStillLoggedInAfterBsPost: true });
      await runAction({
        env: { ...(envs[0] ?? {}), DOCKER_CONFIG: dirA },
        secrets,
        phases: 'post',
        state: mainA.state,
      });
    } finally {
      await Promise.all(dirs.map((d) => d.cleanup()));
      await shared.cleanup();
      await helper.cleanup();
    }
  }, 60_000);
});
