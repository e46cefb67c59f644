// Docker config directories as users have them, judged by what a later step sees: after the
// main step a `docker manifest inspect` of the job can read each registry with its credential,
// after the post step it cannot, and everything else docker keeps there still works.
import { beforeAll, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeCredentialHelper } from './support/cred-helper.ts';
import { authsOf } from './support/ecr-tokens.ts';
import { docker, dockerCanRead, pushImage } from './support/images.ts';
import { type Job, readJson, runMain } from './support/jobs.ts';
import { errorsOf, logLines } from './support/log.ts';
import { which } from './support/prereqs.ts';
import { makeTempDir } from './support/proc.ts';
import { useWorld } from './support/use-world.ts';

const REGION = 'eu-west-1';
const [REPO, TAG] = ['e2e/app', 'v1'];
const ACCOUNTS = ['310000000001', '310000000002', '310000000003', '310000000004', '310000000005'];
// ECR-sized: longer than the 2560 bytes Windows' credential store takes (distinct in 72 bytes).
const PASSWORDS = ACCOUNTS.map((_, i) => `${String(i)}-${randomBytes(2100).toString('base64')}`);
/** A registry the action is not asked for, with a short password. */
const OTHER = { account: '310000000009', password: 'other-registry-password' };
const world = useWorld([
  ...ACCOUNTS.map((account, i) => ({ account, password: PASSWORDS[i] ?? '' })),
  OTHER,
]);
let hosts: string[];
let otherHost: string;
beforeAll(async () => {
  hosts = world.hosts.slice(0, ACCOUNTS.length);
  otherHost = world.hosts[ACCOUNTS.length] ?? '';
  await pushImage(world.registries, world.certs, REPO, TAG);
});

const inputs = (n: number) => ({ registries: ACCOUNTS.slice(0, n).join(','), region: REGION });
/** For each host: can a later docker command of the job read the image with what it has? */
const canRead = (job: Job, some: string[]) =>
  Promise.all(some.map((h) => dockerCanRead(job.dirs.dockerConfig, h, REPO, TAG, job.env)));
const all = (n: number, value: boolean) => Array<boolean>(n).fill(value);
const logins = (n: number) =>
  Object.fromEntries(hosts.slice(0, n).map((h, i) => [h, PASSWORDS[i] ?? '']));

async function dockerOk(dir: string, args: string[], env = world.env, input?: string) {
  const r = await docker(dir, args, env, input);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test.each([false, true])(
  'a relative DOCKER_CONFIG with a current context (isolate-credentials: %s): the logins work, and later steps keep the context',
  async (isolate) => {
    const workspace = world.add(await makeTempDir('e2e-workspace')).path;
    const config = join(workspace, 'ci-docker');
    await mkdir(config);
    await dockerOk(config, 'context create ci --docker host=unix:///nonexistent.sock'.split(' '));
    await dockerOk(config, ['context', 'use', 'ci']);
    const before = await readJson(join(config, 'config.json'));
    const job = await runMain(world, {
      inputs: { ...inputs(2), 'isolate-credentials': String(isolate) },
      cwd: workspace,
      env: { DOCKER_CONFIG: 'ci-docker' }, // as a workflow writes it, from GITHUB_WORKSPACE
    });
    expect(errorsOf(job.main)).toEqual([]);
    expect(job.main.mainExit).toBe(0);
    // What later steps use: the private directory when isolated, else the relative one.
    const later = isolate ? (job.main.exportedEnv.DOCKER_CONFIG ?? '') : config;
    expect(later).not.toBe('');
    const read = () =>
      Promise.all(hosts.slice(0, 2).map((h) => dockerCanRead(later, h, REPO, TAG, world.env)));
    expect(await read()).toEqual([true, true]);
    expect(await dockerOk(later, ['context', 'show'])).toBe('ci\n');
    expect(await dockerOk(later, ['context', 'inspect', '--format', '{{.Name}}'])).toBe('ci\n');
    expect((await job.runPost()).postExit).toBe(0);
    expect(await read()).toEqual([false, false]);
    expect(await dockerOk(config, ['context', 'show'])).toBe('ci\n');
    // config.json as docker left it: isolated, never written; else the logins came and went.
    expect(await readJson(join(config, 'config.json'))).toEqual(before);
  },
  60_000,
);

test('one host of five through credHelpers: its secret in the helper, the others in the file', async () => {
  const helper = world.add(await makeCredentialHelper('fake'));
  const third = hosts[2] ?? '';
  const unrelated = { 'ghcr.io': { auth: Buffer.from('someone:ghp_token01').toString('base64') } };
  const settings = { detachKeys: 'ctrl-e,e', 'x-custom': { nested: [1, 2] } };
  const before = { auths: unrelated, credHelpers: { [third]: 'fake' }, ...settings };
  const job = await runMain(world, {
    inputs: inputs(5),
    path: [helper.binDir],
    seed: ({ dockerConfig }) =>
      writeFile(join(dockerConfig, 'config.json'), JSON.stringify(before)),
  });
  expect(job.main.mainExit).toBe(0);
  expect(await canRead(job, hosts)).toEqual(all(5, true));
  expect(await helper.read()).toEqual({ [third]: { Username: 'AWS', Secret: PASSWORDS[2] } });
  const inFile = authsOf(logins(5)).auths;
  expect(job.afterMain.config).toEqual({
    ...before,
    auths: { ...unrelated, ...inFile, [third]: {} },
  });
  expect((await job.runPost()).postExit).toBe(0);
  expect(await canRead(job, hosts)).toEqual(all(5, false));
  expect(await helper.read()).toEqual({});
  expect((await job.snapshot()).config).toEqual(before);
}, 60_000);

test('a symlinked config.json: written through the link, its mode kept, the link left a link', async () => {
  let target = '';
  const job = await runMain(world, {
    inputs: inputs(2),
    seed: async ({ root, dockerConfig }) => {
      target = join(root, 'elsewhere', 'docker-config.json');
      await mkdir(join(root, 'elsewhere'));
      await writeFile(target, JSON.stringify(authsOf({ [otherHost]: OTHER.password })));
      await chmod(target, 0o640);
      await symlink(target, join(dockerConfig, 'config.json'));
    },
  });
  const link = join(job.dirs.dockerConfig, 'config.json');
  expect(job.main.mainExit).toBe(0);
  expect(await canRead(job, [...hosts.slice(0, 2), otherHost])).toEqual(all(3, true));
  expect((await lstat(link)).isSymbolicLink()).toBe(true);
  expect(await readJson(target)).toEqual(authsOf({ [otherHost]: OTHER.password, ...logins(2) }));
  expect((await stat(target)).mode & 0o777).toBe(0o640);
  expect((await job.runPost()).postExit).toBe(0);
  expect(await canRead(job, [...hosts.slice(0, 2), otherHost])).toEqual([false, false, true]);
  expect((await lstat(link)).isSymbolicLink()).toBe(true);
  expect(await readJson(target)).toEqual(authsOf({ [otherHost]: OTHER.password }));
  expect((await stat(target)).mode & 0o777).toBe(0o640);
}, 60_000);

test("docker's default store refusing ECR-sized tokens: the file keeps them, later logins still go to the store", async () => {
  const store = world.add(await makeCredentialHelper('secretservice', { maxSecret: 2560 }));
  const job = await runMain(world, { inputs: inputs(2), path: [store.binDir] });
  expect(which('pass', job.env.PATH)).toBeUndefined(); // else docker would pick pass
  const file = join(job.dirs.dockerConfig, 'config.json');
  expect(job.main.mainExit).toBe(0);
  expect(await canRead(job, hosts.slice(0, 2))).toEqual([true, true]);
  const note =
    "docker: docker's default credential store 'secretservice' refused the ECR token; " +
    `the credential is kept in ${file} for this registry alone`;
  expect(logLines(job.main, /default credential store/)).toEqual([note, note]);
  const pinned = Object.fromEntries(hosts.slice(0, 2).map((h) => [h, '']));
  expect(job.afterMain.config).toEqual({
    ...authsOf(logins(2)),
    credsStore: 'secretservice',
    credHelpers: pinned,
  });
  // A later login to another registry, with a short password, goes to the store as before.
  await dockerOk(
    job.dirs.dockerConfig,
    ['login', '-u', 'AWS', '--password-stdin', otherHost],
    job.env,
    OTHER.password,
  );
  expect(await store.read()).toEqual({ [otherHost]: { Username: 'AWS', Secret: OTHER.password } });
  expect((await job.runPost()).postExit).toBe(0);
  expect(await canRead(job, [...hosts.slice(0, 2), otherHost])).toEqual([false, false, true]);
  expect((await job.snapshot()).config).toEqual({
    auths: { [otherHost]: {} },
    credsStore: 'secretservice',
  });
}, 60_000);

test('docker, podman, buildah and skopeo all writing one config.json at once lose nothing', async () => {
  const job = await runMain(world, {
    inputs: { ...inputs(3), 'container-cli': 'docker,podman,buildah,skopeo' },
    // podman, buildah and skopeo then write docker's own config.json, as they choose to
    unset: ['REGISTRY_AUTH_FILE'],
    seed: ({ dockerConfig }) =>
      dockerOk(
        dockerConfig,
        ['login', '-u', 'AWS', '--password-stdin', otherHost],
        world.env,
        OTHER.password,
      ),
  });
  expect(job.main.mainExit).toBe(0);
  // 3 registries × 4 CLIs, every login recorded against the one file
  expect(job.logins.filter((l) => !l.pending)).toHaveLength(12);
  expect(await canRead(job, [...hosts.slice(0, 3), otherHost])).toEqual(all(4, true));
  const { auths = {} } = job.afterMain.config as { auths?: object };
  expect(Object.keys(auths).sort()).toEqual([...hosts.slice(0, 3), otherHost].sort());
  const post = await job.runPost();
  expect(post.postExit).toBe(0);
  expect(await canRead(job, [...hosts.slice(0, 3), otherHost])).toEqual([
    false,
    false,
    false,
    true,
  ]);
}, 120_000);
