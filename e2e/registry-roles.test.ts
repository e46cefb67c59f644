// registry-roles: registries in two accounts and two regions, each logged in with a role of its
// own account, assumed with one GitHub OIDC token — real registries, real docker.
import { beforeAll, expect, test } from '@jest/globals';
import { dockerCanRead, pushImage } from './support/images.ts';
import { execsOf, runMain } from './support/jobs.ts';
import { logLines } from './support/log.ts';
import { expectHygiene, useWorld } from './support/use-world.ts';

const [A, B] = ['111111111111', '222222222222'];
const A_HOST = `${A}.dkr.ecr.eu-west-1.amazonaws.com`;
const B_HOST = `${B}.dkr.ecr.us-west-2.amazonaws.com`;
const PASSWORDS = { [A_HOST]: 'registry-roles-password-a', [B_HOST]: 'registry-roles-password-b' };
const [ROLE_A, ROLE_B] = [`arn:aws:iam::${A}:role/ecr-push`, `arn:aws:iam::${B}:role/ecr-push`];
const trust = { aud: 'sts.amazonaws.com', sub: 'repo:octo-org/octo-repo:*' };
const world = useWorld(
  [
    { account: A, region: 'eu-west-1', name: A_HOST, password: PASSWORDS[A_HOST] ?? '' },
    { account: B, region: 'us-west-2', name: B_HOST, password: PASSWORDS[B_HOST] ?? '' },
  ],
  {
    roles: [
      { arn: ROLE_A, account: A, trust },
      { arn: ROLE_B, account: B, trust },
    ],
  },
);
beforeAll(async () => {
  await pushImage(world.registries, world.certs, 'e2e/app', 'v1');
});

test('two accounts, two regions, two roles: both logged in, each with its own role', async () => {
  const job = await runMain(world, {
    inputs: {
      region: 'eu-west-1',
      registries: `${A}\n${B_HOST}`,
      'role-to-assume': ROLE_A,
      'registry-roles': `${B_HOST}=${ROLE_B}`,
    },
  });
  const canRead = () =>
    Promise.all(
      [A_HOST, B_HOST].map((h) =>
        dockerCanRead(job.dirs.dockerConfig, h, 'e2e/app', 'v1', job.env),
      ),
    );
  expect(job.main.mainExit).toBe(0);
  expect(await canRead()).toEqual([true, true]);
  // one OIDC token, one AssumeRoleWithWebIdentity per role
  expect(world.oidc.requests).toHaveLength(1);
  const assumed = world.sts.requests.map((r) => [r.action, r.roleArn, r.status]).sort();
  expect(assumed).toEqual([
    ['AssumeRoleWithWebIdentity', ROLE_A, 200],
    ['AssumeRoleWithWebIdentity', ROLE_B, 200],
  ]);
  // each account's token call was signed with its own role's key (the stand-in refuses others)
  const keyOf = (arn: string) =>
    world.sts.requests.find((r) => r.roleArn === arn)?.issued?.accessKeyId;
  expect(
    world.endpoint.requests.map((r) => [r.registryIds?.join(','), r.accessKeyId, r.status]).sort(),
  ).toEqual([
    [A, keyOf(ROLE_A), 200],
    [B, keyOf(ROLE_B), 200],
  ]);
  expect(logLines(job.main)).toEqual(
    expect.arrayContaining([
      `▶ Logged in to ${A_HOST} (eu-west-1) with docker as ${ROLE_A}`,
      `▶ Logged in to ${B_HOST} (us-west-2) with docker as ${ROLE_B}`,
    ]),
  );
  const post = await job.runPost();
  expect(post.postExit).toBe(0);
  expect(await canRead()).toEqual([false, false]);
  expectHygiene(
    {
      main: job.main,
      execs: execsOf(job.main),
      postExecs: execsOf(post),
      leaks: [...job.main.leaks, ...post.leaks],
    },
    PASSWORDS,
  );
}, 60_000);
