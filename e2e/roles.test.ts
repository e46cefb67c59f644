// role-to-assume: the registries are logged in to with a role's credentials, assumed with
// GitHub's OIDC token or with the job's credentials; the role's credentials never leave the step.
import { beforeAll, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TEST_CREDENTIALS } from './support/ecr-endpoint.ts';
import { dockerCanRead, pushImage } from './support/images.ts';
import { execsOf, listTree, runMain, type StepOptions } from './support/jobs.ts';
import { logBlocks, loginBlock, logLines } from './support/log.ts';
import { DEFAULT_SUB } from './support/oidc.ts';
import type { IssuedCredentials } from './support/sts.ts';
import { expectHygiene, useWorld } from './support/use-world.ts';
import { GITHUB_RUN_ID } from './support/world.ts';

const A = '111111111111';
const [EU, US] = ['eu-west-1', 'us-west-2'];
const [EU_HOST, US_HOST] = [`${A}.dkr.ecr.${EU}.amazonaws.com`, `${A}.dkr.ecr.${US}.amazonaws.com`];
const PASSWORDS = { [EU_HOST]: 'roles-password-eu-1111', [US_HOST]: 'roles-password-us-1111' };
const [REPO, TAG] = ['e2e/app', 'v1'];
const role = (name: string) => `arn:aws:iam::${A}:role/${name}`;
const [PUSH, OTHER_REPO, CHAINED] = [role('ecr-push'), role('other-repo'), role('chained')];
const trust = (sub: string, aud = 'sts.amazonaws.com') => ({ aud, sub });
const world = useWorld(
  [
    { account: A, region: EU, name: EU_HOST, password: PASSWORDS[EU_HOST] ?? '' },
    { account: A, region: US, name: US_HOST, password: PASSWORDS[US_HOST] ?? '' },
  ],
  {
    roles: [
      { arn: PUSH, account: A, trust: trust('repo:octo-org/octo-repo:*') },
      { arn: OTHER_REPO, account: A, trust: trust('repo:octo-org/other-repo:*') },
      { arn: CHAINED, account: A, trust: trust('nobody'), callers: [TEST_CREDENTIALS.accessKeyId] },
    ],
  },
);
beforeAll(async () => {
  await pushImage(world.registries, world.certs, REPO, TAG);
});

const SESSION = `ecr-login-octo-repo-${GITHUB_RUN_ID}`;
const NO_OIDC = ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
const NO_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];

/**
 * Runs main with `role-to-assume: roleArn` for `hosts`; asks a later docker of the job whether
 * it can read each host, runs post and asks again. `files` is the text of everything the main
 * step wrote or left: GITHUB_ENV, GITHUB_OUTPUT, GITHUB_STATE, the summary, RUNNER_TEMP (its run
 * directory's records) and DOCKER_CONFIG.
 */
async function job(roleArn: string, opts: StepOptions = {}, hosts = [EU_HOST]) {
  const inputs = { registries: hosts.join(','), 'role-to-assume': roleArn, ...opts.inputs };
  const job = await runMain(world, { ...opts, inputs });
  const canRead = () =>
    Promise.all(hosts.map((h) => dockerCanRead(job.dirs.dockerConfig, h, REPO, TAG, job.env)));
  const afterMain = await canRead();
  const { main, dirs } = job;
  const left = [dirs.runnerTemp, dirs.dockerConfig].map(async (dir) => {
    const names = await listTree(dir);
    return Promise.all(names.map((n) => readFile(join(dir, n), 'utf8').catch(() => '')));
  });
  const written = [main.exportedEnv, main.outputs].map((record) => JSON.stringify(record));
  const files = [...written, main.stateFile, main.summary, ...(await Promise.all(left)).flat()];
  const post = await job.runPost();
  return {
    ...{ main, post, execs: execsOf(main), postExecs: execsOf(post) },
    ...{ leaks: [...main.leaks, ...post.leaks], files: files.join('\n') },
    readable: [afterMain, await canRead()],
  };
}
type Run = Awaited<ReturnType<typeof job>>;

/** The one credential STS handed out during the test. */
function issued(): IssuedCredentials {
  const given = world.sts.requests.flatMap((r) => (r.issued ? [r.issued] : []));
  expect(given).toHaveLength(1);
  return given[0] as IssuedCredentials;
}

/** The step logged in to `hosts`, and to them alone, with the role's credentials. */
function expectLoggedInAs(run: Run, roleArn: string, hosts = [EU_HOST]) {
  expect([run.main.mainExit, run.post.postExit]).toEqual([0, 0]);
  expect(run.readable).toEqual([hosts.map(() => true), hosts.map(() => false)]);
  const credentials = issued();
  // Every ECR call was signed with the role's key and session token, never the job's key.
  expect(
    world.endpoint.requests.map((r) => [
      ...[r.accessKeyId, r.headers['x-amz-security-token'] === credentials.sessionToken],
      ...[r.signatureValid, r.status],
    ]),
  ).toEqual(hosts.map(() => [credentials.accessKeyId, true, true, 200]));
  const expiresAt = run.main.outputs['expires-at'];
  expect(logBlocks(run.main).filter((block) => block[0]?.startsWith('▶'))).toEqual(
    hosts.map((host) => loginBlock(host, host === EU_HOST ? EU : US, expiresAt, roleArn)),
  );
  // Its credentials are in no file of the step, and were masked before any use.
  const { accessKeyId, secretAccessKey, sessionToken } = credentials;
  for (const value of [accessKeyId, secretAccessKey, sessionToken]) {
    expect(run.files).not.toContain(value);
  }
  expect(Object.keys(run.main.exportedEnv).filter((name) => name.startsWith('AWS_'))).toEqual([]);
  // The leak scan knew them: the world names every credential STS will hand out.
  expect(world.secrets).toEqual(expect.arrayContaining([secretAccessKey, sessionToken]));
  expect(run.main.masks).toEqual(expect.arrayContaining([secretAccessKey, sessionToken]));
  expectHygiene(run, Object.fromEntries(hosts.map((host) => [host, PASSWORDS[host] ?? ''])));
}

/** The step failed with `error` alone, and logged in to nothing: not one ECR call. */
function expectRefused(run: Run, error: string) {
  expect([run.main.mainExit, run.post.postExit]).toEqual([1, 0]);
  expect(logLines(run.main)).toEqual([`Error: ${error}`]);
  expect(run.main.outputs).toEqual({});
  expect(run.readable.flat().filter(Boolean)).toEqual([]);
  expect([run.execs, run.postExecs, world.endpoint.requests]).toEqual([[], [], []]);
  expectHygiene(run, {});
}

const REFUSED_SUB =
  `The role ${OTHER_REPO} refused GitHub's OIDC token (AccessDenied: Not authorized to perform ` +
  'sts:AssumeRoleWithWebIdentity): its trust policy must allow ' +
  `token.actions.githubusercontent.com for the token's aud 'sts.amazonaws.com' and sub '${DEFAULT_SUB}'.`;

test('OIDC: one role logs in to two registries of its account, and only in this step', async () => {
  const run = await job(PUSH, {}, [EU_HOST, US_HOST]);
  expectLoggedInAs(run, PUSH, [EU_HOST, US_HOST]);
  expect(logLines(run.main)[0]).toBe(
    `Assumed ${PUSH} with GitHub's OIDC token (session ${SESSION})`,
  );
  expect(world.oidc.requests.map((r) => [r.audience, r.apiVersion, r.authorized])).toEqual([
    ['sts.amazonaws.com', '2.0', true],
  ]);
  expect(world.sts.requests).toEqual([
    expect.objectContaining({
      ...{ action: 'AssumeRoleWithWebIdentity', roleArn: PUSH, sessionName: SESSION },
      ...{ durationSeconds: 3600, status: 200, accessKeyId: undefined },
      claims: expect.objectContaining({ aud: 'sts.amazonaws.com', sub: DEFAULT_SUB }),
    }),
  ]);
  expect(world.endpoint.requests.map((r) => r.region).sort()).toEqual([EU, US]);
  // GitHub's token, too, stays in the step and out of the log.
  const token = world.oidc.requests[0]?.token ?? '';
  expect([token, run.files.includes(token), run.main.log.includes(token)]).toEqual([
    world.sts.requests[0]?.webIdentityToken,
    false,
    false,
  ]);
}, 60_000);

test('a trust policy for another sub: refused, naming the role, aud and sub', async () => {
  expectRefused(await job(OTHER_REPO), REFUSED_SUB);
  expect(world.sts.requests.map((r) => [r.action, r.status, r.errorCode])).toEqual([
    ['AssumeRoleWithWebIdentity', 403, 'AccessDenied'],
  ]);
}, 60_000);

test('no OIDC token service and no AWS keys: says what is missing, before any call', async () => {
  expectRefused(
    await job(PUSH, { unset: [...NO_OIDC, ...NO_KEYS] }),
    "'role-to-assume' needs something to assume the role with: GitHub's OIDC token (grant the " +
      "job 'permissions: id-token: write') or AWS credentials from an earlier step; neither is available.",
  );
  expect([world.oidc.requests, world.sts.requests]).toEqual([[], []]);
}, 60_000);

test("role chaining: AssumeRole signed with the job's key, with the session name and duration asked for", async () => {
  const inputs = { 'role-session-name': 'deploy-42', 'role-duration-seconds': '900' };
  const run = await job(CHAINED, { inputs, unset: NO_OIDC });
  expectLoggedInAs(run, CHAINED);
  expect(logLines(run.main)[0]).toBe(
    `Assumed ${CHAINED} with the job's credentials (session deploy-42)`,
  );
  const sts = world.sts.requests.map((r) => [r.action, r.accessKeyId, r.sessionName, r.status]);
  expect(sts).toEqual([['AssumeRole', TEST_CREDENTIALS.accessKeyId, 'deploy-42', 200]]);
  expect(world.sts.requests[0]?.durationSeconds).toBe(900);
  expect(world.oidc.requests).toEqual([]);
}, 60_000);

test("AssumeRole denied: fails naming the role and the job's principal", async () => {
  expectRefused(
    await job(PUSH, { unset: NO_OIDC }),
    `The job's credentials may not assume ${PUSH} (AccessDenied: User: ` +
      `arn:aws:iam::123456789012:user/e2e is not authorized to perform: sts:AssumeRole on ` +
      `resource: ${PUSH}).`,
  );
  expect(world.sts.requests.map((r) => [r.action, r.status])).toEqual([['AssumeRole', 403]]);
}, 60_000);
