// Jobs that share one docker config directory, as several runner services of one user do on a
// self-hosted machine, without isolate-credentials: their main and post steps overlap, and each
// job's login is judged by what docker can read with that shared config afterwards.
import { beforeAll, expect, test } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { makeCredentialHelper } from './support/cred-helper.ts';
import { dockerCanRead } from './support/images.ts';
import { readJson, runMain } from './support/jobs.ts';
import { logLines, logoutLine } from './support/log.ts';
import { startNodeRegistry } from './support/node-registry.ts';
import { makeTempDir, sleep } from './support/proc.ts';
import { runnerPath } from './support/runner.ts';
import { useWorld } from './support/use-world.ts';

const REGION = 'eu-west-1';
const JOBS = 8;
/** Registries each job logs in to. */
const EACH = 4;
const ROUNDS = 3;
const accountOf = (i: number) => `740000000${String(i).padStart(3, '0')}`;
/** A credential of another registry that was in the shared file before any job. */
const UNRELATED = {
  'ghcr.io': { auth: Buffer.from('someone:ghp_unrelated01').toString('base64') },
};

const world = useWorld([]);
/** EACH registries per job (job j has j*EACH … j*EACH+EACH-1); each takes the passwords of its set. */
const registries: { host: string; accepted: Set<string> }[] = [];
beforeAll(async () => {
  for (let i = 0; i < JOBS * EACH; i++) {
    const accepted = new Set<string>();
    const registry = world.add(await startNodeRegistry('', 0, accepted));
    registries.push({ host: registry.host, accepted });
  }
});

/** Makes the ECR stand-in answer job `i`'s registry with `password`, which the registry takes. */
function issue(i: number, password: string): void {
  const registry = registries[i];
  if (registry === undefined) throw new Error(`no registry ${String(i)}`);
  registry.accepted.add(password);
  world.answer(accountOf(i), password, registry.host);
}

/** A shared docker config directory holding `config`. */
async function sharedConfig(config: object): Promise<string> {
  const dir = world.add(await makeTempDir('e2e-shared-docker')).path;
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

const canRead = (dir: string, host: string, path?: string) =>
  dockerCanRead(dir, host, 'demo', '1', path ? { ...world.env, PATH: path } : world.env);

test(`${String(JOBS)} jobs on one docker config, mains and posts overlapping, ${String(ROUNDS)} rounds: no login lost, none left, the unrelated credential kept`, async () => {
  const shared = await sharedConfig({ auths: UNRELATED, detachKeys: 'ctrl-e,e' });
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < JOBS * EACH; i++) issue(i, `round-${String(round)}-${String(i)}-password`);
    const jobs = await Promise.all(
      Array.from({ length: JOBS }, async (_, j) => {
        const mine = Array.from({ length: EACH }, (_, k) => j * EACH + k);
        const hosts = mine.map((i) => registries[i]?.host ?? '');
        await sleep(j * 25); // staggered: the first posts run while the last mains do
        const job = await runMain(world, {
          inputs: { registries: mine.map(accountOf).join(','), region: REGION },
          env: { DOCKER_CONFIG: shared },
        });
        const mainEnded = Date.now();
        const readable = await Promise.all(hosts.map((h) => canRead(shared, h)));
        const postStarted = Date.now();
        const post = await job.runPost();
        const afterPost = await Promise.all(hosts.map((h) => canRead(shared, h)));
        return { hosts, job, post, readable, afterPost, mainEnded, postStarted };
      }),
    );
    // The steps did overlap: some job's post step began before another job's main step ended.
    const lastMain = Math.max(...jobs.map((j) => j.mainEnded));
    expect(jobs.some((j) => j.postStarted < lastMain)).toBe(true);
    for (const { hosts, job, post, readable, afterPost } of jobs) {
      expect({ hosts, main: job.main.mainExit, post: post.postExit }).toEqual({
        hosts,
        main: 0,
        post: 0,
      });
      // Right after its main step, a later docker command of the job could use each login…
      expect({ hosts, readable }).toEqual({ hosts, readable: hosts.map(() => true) });
      // …and its post step removed exactly those logins.
      expect(logLines(post).sort()).toEqual(hosts.map(logoutLine).sort());
      expect({ hosts, afterPost }).toEqual({ hosts, afterPost: hosts.map(() => false) });
      expect([...job.main.leaks, ...post.leaks]).toEqual([]);
    }
    expect(await readJson(join(shared, 'config.json'))).toEqual({
      auths: UNRELATED,
      detachKeys: 'ctrl-e,e',
    });
  }
}, 120_000);

test.each([
  ['config.json', false],
  ['a credential helper (credsStore)', true],
])(
  'the same registry in two jobs, kept in %s: the first job’s post step leaves the second job’s login',
  async (_where, throughHelper) => {
    const helper = throughHelper ? world.add(await makeCredentialHelper('shared')) : undefined;
    const path = helper ? [helper.binDir, runnerPath()].join(delimiter) : undefined;
    const shared = await sharedConfig(helper ? { credsStore: 'shared' } : {});
    const { host, accepted } = registries[0] ?? { host: '', accepted: new Set() };
    const step = {
      inputs: { registries: accountOf(0), region: REGION },
      env: { DOCKER_CONFIG: shared },
      ...(helper ? { path: [helper.binDir] } : {}),
    };
    accepted.clear();
    issue(0, 'first-job-token-password');
    const first = await runMain(world, step);
    // ECR hands each call a new token: the second job logs in to the same registry with its own.
    issue(0, 'second-job-token-password');
    const second = await runMain(world, step);
    expect([first.main.mainExit, second.main.mainExit]).toEqual([0, 0]);
    // The first token is no longer taken: only the second job's login can read.
    accepted.delete('first-job-token-password');
    expect(await canRead(shared, host, path)).toBe(true);

    const firstPost = await first.runPost();
    expect(firstPost.postExit).toBe(0);
    expect(logLines(firstPost)).toEqual([
      `Left the credential of ${host} (docker) in place: a later login replaced this job's`,
    ]);
    expect(await canRead(shared, host, path)).toBe(true);

    const secondPost = await second.runPost();
    expect(logLines(secondPost)).toEqual([logoutLine(host)]);
    expect(await canRead(shared, host, path)).toBe(false);
    expect(await readJson(join(shared, 'config.json'))).toEqual(
      helper ? { credsStore: 'shared', auths: {} } : { auths: {} },
    );
    if (helper) expect(await helper.read()).toEqual({});
    const leaks = [first.main, firstPost, second.main, secondPost].flatMap((run) => run.leaks);
    expect(leaks).toEqual([]);
  },
  60_000,
);
