// Eight real registries logged in to side by side with the real docker CLI: no credential may
// be lost to the concurrent logins, and an unrelated credential must survive main and post.
import { beforeAll, expect, test } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { authsOf } from './support/ecr-tokens.ts';
import { runDirEntries, runSteps } from './support/jobs.ts';
import { errorsOf, escapeRegExp, logLines } from './support/log.ts';
import { freePort } from './support/proc.ts';
import { useWorld } from './support/use-world.ts';

const REGION = 'eu-west-1';
const N = 8;
const ACCOUNTS = Array.from({ length: N }, (_, i) => `6000000000${String(i + 1).padStart(2, '0')}`);
// Distinct within bcrypt's first 72 bytes: the index comes first.
const PASSWORDS = ACCOUNTS.map((_, i) => `${String(i + 1)}-many-registries-password`);
const UNRELATED = {
  host: 'ghcr.io',
  auth: Buffer.from('someone:ghp_unrelatedToken0001').toString('base64'),
};

/** A ninth account whose registry is down for good (nothing listens on its port). */
const DOWN = { account: '600000000099', password: '9-down-registry-password' };
let downHost: string;
const world = useWorld(ACCOUNTS.map((account, i) => ({ account, password: PASSWORDS[i] ?? '' })));
beforeAll(async () => {
  downHost = `127.0.0.1:${String(await freePort())}`;
  world.answer(DOWN.account, DOWN.password, downHost);
});

/** Seeds DOCKER_CONFIG/config.json with the unrelated credential and `settings`. */
const seedUnrelated =
  (settings: Record<string, string> = {}) =>
  (dirs: { dockerConfig: string }) =>
    writeFile(
      join(dirs.dockerConfig, 'config.json'),
      JSON.stringify({ auths: { [UNRELATED.host]: { auth: UNRELATED.auth } }, ...settings }),
    );

test(`${String(N)} registries in one call, logged in side by side, logged out in post`, async () => {
  const settings = { psFormat: 'table {{.ID}}\\t{{.Names}}', detachKeys: 'ctrl-e,e' };
  const hosts = world.hosts;
  const steps = await runSteps(world, {
    inputs: { registries: ACCOUNTS.join('\n'), region: REGION },
    seed: seedUnrelated(settings),
  });
  const { main, post } = steps;
  expect({ exit: main.mainExit, stderr: main.stderr, leaks: main.leaks }).toEqual({
    exit: 0,
    stderr: '',
    leaks: [],
  });
  // One GetAuthorizationToken call carrying all eight registry IDs, in input order.
  expect(world.endpoint.requests.map((r) => ({ status: r.status, ids: r.registryIds }))).toEqual([
    { status: 200, ids: ACCOUNTS },
  ]);
  const logins = Object.fromEntries(hosts.map((h, i) => [h, PASSWORDS[i] ?? '']));
  expect(steps.after.main.config).toEqual({
    ...settings,
    auths: { [UNRELATED.host]: { auth: UNRELATED.auth }, ...authsOf(logins).auths },
  });
  expect(steps.after.main.docker).toEqual(['config.json']);
  expect(steps.after.main.temp).toEqual(runDirEntries(main)); // staging configs removed
  expect((main.outputs.registries ?? '').split(',').sort()).toEqual([...hosts].sort());
  expect(main.outputs.registry).toBeUndefined();
  for (const [i, host] of hosts.entries()) {
    const suffix = host.replace(/[^a-zA-Z0-9_]+/g, '_');
    expect(main.outputs[`docker_password_${suffix}`]).toBe(PASSWORDS[i]);
    expect(main.log).toContain(`Logged in to ${host} (${REGION}) with docker`);
  }
  for (const password of PASSWORDS) expect(main.masks).toContain(password);
  expect(logLines(main, /retrying/i)).toEqual([]);

  expect({ exit: post?.postExit, leaks: post?.leaks }).toEqual({ exit: 0, leaks: [] });
  expect(logLines(post, /^Logged out of /).sort()).toEqual(
    hosts.map((h) => `Logged out of ${h} (docker)`).sort(),
  );
  expect(steps.after.post?.config).toEqual({
    ...settings,
    auths: { [UNRELATED.host]: { auth: UNRELATED.auth } },
  });
  expect(steps.after.post?.docker).toEqual(['config.json']);
  expect(steps.after.post?.temp).toEqual([]);
}, 60_000);

test('one registry down: the others are logged in, reported and logged out; the step fails', async () => {
  const hosts = world.hosts;
  const steps = await runSteps(world, {
    inputs: {
      registries: [...ACCOUNTS.slice(0, 4), DOWN.account, ...ACCOUNTS.slice(4)].join(','),
      region: REGION,
      'login-attempts': '2',
    },
    seed: seedUnrelated(),
  });
  const { main, post } = steps;
  expect({ exit: main.mainExit, leaks: main.leaks }).toEqual({ exit: 1, leaks: [] });
  expect(world.endpoint.requests.map((r) => r.registryIds?.length)).toEqual([N + 1]);
  expect(errorsOf(main)).toEqual([
    `docker login to ${downHost} failed: Get "http://${downHost}/v2/": dial tcp ${downHost}: ` +
      'connect: connection refused (after 2 attempts)',
  ]);
  expect(logLines(main, /retrying in/)).toEqual([
    expect.stringMatching(
      new RegExp(`^Login to ${escapeRegExp(downHost)} failed \\(attempt 1 of 2\\)`),
    ),
  ]);
  expect((main.outputs.registries ?? '').split(',').sort()).toEqual([...hosts].sort());
  const auths = (steps.after.main.config as { auths?: object } | undefined)?.auths ?? {};
  expect(Object.keys(auths).sort()).toEqual([UNRELATED.host, ...hosts].sort());
  expect(steps.logins.map((l) => l.host).sort()).toEqual([...hosts].sort());

  expect({ exit: post?.postExit, leaks: post?.leaks }).toEqual({ exit: 0, leaks: [] });
  expect(logLines(post, /^Logged out of /)).toHaveLength(N);
  expect(steps.after.post?.config).toEqual({
    auths: { [UNRELATED.host]: { auth: UNRELATED.auth } },
  });
}, 60_000);
