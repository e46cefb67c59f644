// Several registries, accounts and regions in one step; and a partial failure.
import { expect, test } from '@jest/globals';
import { authsOf } from './support/ecr-tokens.ts';
import { runDirEntries, runSteps } from './support/jobs.ts';
import { logBlocks, loginBlock, logLines, logoutLine } from './support/log.ts';
import { expectHygiene, useWorld } from './support/use-world.ts';

const REGION = 'eu-west-1';
const [A, B, C, D, E] = [
  '111111111111',
  '222222222222',
  '333333333333',
  '444444444444',
  '555555555555',
];
const HOST_D = `${D}.dkr.ecr.us-west-2.amazonaws.com`;
const PASSWORDS = ['aaaa', 'bbbb', 'cccc', 'dddd', 'eeee'].map((s) => `several-password-${s}`);
const WRONG = 'several-wrong-eeee';
const world = useWorld(
  [
    { account: A, region: REGION, password: PASSWORDS[0] ?? '' },
    { account: B, region: REGION, password: PASSWORDS[1] ?? '', tls: false },
    { account: C, region: REGION, password: PASSWORDS[2] ?? '' },
    // A host entry in another region, reached under its real name through the CONNECT proxy.
    { account: D, region: 'us-west-2', name: HOST_D, password: PASSWORDS[3] ?? '' },
    // The endpoint hands out a password this registry refuses.
    { account: E, region: REGION, password: PASSWORDS[4] ?? '', answer: WRONG },
  ],
  { timeoutMs: 60_000 },
);

const passwordOf = (i: number) => PASSWORDS[i] ?? '';
const suffix = (host: string) => host.replace(/[^a-zA-Z0-9_]+/g, '_');

test('three accounts in one region and a host in another: one call per region, all logged in and out', async () => {
  const registries = `${A}, ${B}\n${C}\n${HOST_D}`;
  const steps = await runSteps(world, { inputs: { registries, region: REGION } });
  const { main, post } = steps;
  expect([main.mainExit, post?.postExit]).toEqual([0, 0]);
  const hosts = world.hosts.slice(0, 4);
  const logins = Object.fromEntries(hosts.map((host, i) => [host, passwordOf(i)]));
  const expiresAt = main.outputs['expires-at'] ?? '';
  expect(main.outputs).toEqual({
    registries: expect.any(String),
    'expires-at': expiresAt,
    ...Object.fromEntries(
      hosts.flatMap((host, i) => [
        [`docker_username_${suffix(host)}`, 'AWS'],
        [`docker_password_${suffix(host)}`, passwordOf(i)],
      ]),
    ),
  });
  expect(main.outputs.registries?.split(',').sort()).toEqual([...hosts].sort());
  expect(steps.after.main.config).toEqual(authsOf(logins));
  expect(steps.after.post?.config).toEqual({ auths: {} });
  const regionOf = (i: number) => (i === 3 ? 'us-west-2' : REGION);
  expect(logBlocks(main)).toEqual(
    hosts
      .map((host, i) => loginBlock(host, regionOf(i), expiresAt))
      .sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? '')),
  );
  expect([...logLines(post)].sort()).toEqual(hosts.map(logoutLine).sort());
  const requests = [...world.endpoint.requests].sort((a, b) =>
    (a.region ?? '').localeCompare(b.region ?? ''),
  );
  expect(
    requests.map((r) => [r.service, r.region, r.registryIds, r.signatureValid, r.status]),
  ).toEqual([
    ['ecr', REGION, [A, B, C], true, 200],
    ['ecr', 'us-west-2', [D], true, 200],
  ]);
  for (const request of requests) {
    expect(request.headers.authorization).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=\\w+/\\d{8}/${request.region ?? ''}/ecr/aws4_request,`,
      ),
    );
  }
  expect(world.proxy.connects.map((c) => c.target)).toEqual(
    expect.arrayContaining([`${HOST_D}:443`]),
  );
  expect(world.proxy.connects.every((c) => c.target === `${HOST_D}:443`)).toBe(true);
  expectHygiene(steps, logins);
});

test('one of two registries refuses: the step fails, and the post step logs out of only the other', async () => {
  const [hostA = '', , , , hostE = ''] = world.hosts;
  const steps = await runSteps(world, { inputs: { registries: `${A},${E}`, region: REGION } });
  const { main, post } = steps;
  expect([main.mainExit, post?.postExit]).toEqual([1, 0]);
  const expiresAt = main.outputs['expires-at'] ?? '';
  // `registry` is set only when one registry was asked for, as with the official action.
  expect(main.outputs).toEqual({
    registries: hostA,
    [`docker_username_${suffix(hostA)}`]: 'AWS',
    [`docker_password_${suffix(hostA)}`]: passwordOf(0),
    'expires-at': expiresAt,
  });
  expect(steps.logins.map(({ host, cli }) => ({ host, cli }))).toEqual([
    { host: hostA, cli: 'docker' },
  ]);
  expect(steps.after.main.config).toEqual(authsOf({ [hostA]: passwordOf(0) }));
  expect(steps.after.post?.config).toEqual({ auths: {} });
  expect(steps.after.main.temp).toEqual(runDirEntries(main));
  expect(steps.after.post?.temp).toEqual([]);
  expect(logLines(main)).toEqual([
    ...loginBlock(hostA, REGION, expiresAt),
    `Error: docker login to ${hostE} failed: login attempt to http://${hostE}/v2/ failed with status: 400 Bad Request`,
  ]);
  expect(logLines(post)).toEqual([logoutLine(hostA)]);
  expect(world.endpoint.requests.map((r) => [r.region, r.registryIds, r.status])).toEqual([
    [REGION, [A, E], 200],
  ]);
  // The refusal is not retried: one docker login per registry.
  expect(steps.execs.map((e) => [e.args.at(-1), e.code]).sort()).toEqual(
    [
      [hostA, 0],
      [hostE, 1],
    ].sort(),
  );
  expectHygiene(steps, { [hostA]: passwordOf(0), [hostE]: WRONG });
});
