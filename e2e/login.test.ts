// One registry: login and logout, mask-password false. (skip-logout: ownership.test.ts.)
import { beforeAll, expect, test } from '@jest/globals';
import { authsOf, encodeToken } from './support/ecr-tokens.ts';
import { loginRecord, runDirEntries, runSteps } from './support/jobs.ts';
import { loginBlock, logLines, logoutLine } from './support/log.ts';
import { expectHygiene, runDirState, useWorld } from './support/use-world.ts';

const ACCOUNT = '111111111111';
const PASSWORD = 'login-test-password-1111';
const REGION = 'eu-west-1';
const world = useWorld([{ account: ACCOUNT, password: PASSWORD }]);
let host: string;
let suffix: string;
beforeAll(() => {
  host = world.hosts[0] ?? '';
  suffix = host.replace(/[^a-zA-Z0-9_]+/g, '_');
});

/** expires-at is ISO 8601 UTC, about 12 hours from now. */
function expectExpiry(value: string | undefined): void {
  expect(value).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const hoursAhead = (Date.parse(value ?? '') - Date.now()) / 3_600_000;
  expect(hoursAhead).toBeGreaterThan(11.9);
  expect(hoursAhead).toBeLessThanOrEqual(12);
}

test('logs in to one registry, sets the outputs, and the post step logs out', async () => {
  const steps = await runSteps(world, { inputs: { registries: ACCOUNT, region: REGION } });
  const { main, post } = steps;
  expect([main.mainExit, post?.postExit]).toEqual([0, 0]);
  const expiresAt = main.outputs['expires-at'];
  expectExpiry(expiresAt);
  expect(main.outputs).toEqual({
    registry: host,
    registries: host,
    [`docker_username_${suffix}`]: 'AWS',
    [`docker_password_${suffix}`]: PASSWORD,
    'expires-at': expiresAt,
  });
  expect(steps.after.main.config).toEqual(authsOf({ [host]: PASSWORD }));
  expect(steps.after.post?.config).toEqual({ auths: {} });
  // The run directory holds the login records for the post step, which deletes it.
  expect(main.state).toEqual(runDirState(steps.dirs));
  expect(steps.after.main.temp).toEqual(runDirEntries(main));
  expect(steps.logins).toEqual([
    loginRecord(host, 'docker', `${steps.dirs.dockerConfig}/config.json`, PASSWORD),
  ]);
  expect(steps.after.post?.temp).toEqual([]);
  expect(logLines(main)).toEqual([...loginBlock(host, REGION, expiresAt)]);
  expect(logLines(post)).toEqual([logoutLine(host)]);
  expect([main.stderr, post?.postStderr]).toEqual(['', '']);
  expect(main.masks).toEqual(expect.arrayContaining([PASSWORD, encodeToken(PASSWORD)]));
  expect(world.endpoint.requests).toHaveLength(1);
  expect(world.endpoint.requests[0]).toMatchObject({
    service: 'ecr',
    region: REGION,
    registryIds: [ACCOUNT],
    signatureValid: true,
    status: 200,
  });
  expect(steps.execs.map((e) => [e.args.slice(1), e.code])).toEqual([
    [['login', '--username', 'AWS', '--password-stdin', host], 0],
  ]);
  expect(steps.postExecs).toEqual([]);
  expectHygiene(steps, { [host]: PASSWORD });
});

test('mask-password false: the password is an unmasked output, with a warning, never printed', async () => {
  const steps = await runSteps(world, {
    inputs: { registries: ACCOUNT, region: REGION, 'mask-password': 'false' },
  });
  const { main, post } = steps;
  expect([main.mainExit, post?.postExit]).toEqual([0, 0]);
  expect(main.outputs[`docker_password_${suffix}`]).toBe(PASSWORD);
  expect(main.masks).not.toContain(PASSWORD);
  // The token (base64 of AWS:<password>) is still masked.
  expect(main.masks).toContain(encodeToken(PASSWORD));
  expect(main.commands.filter((c) => c.name === 'add-mask').map((c) => c.message)).toEqual([
    encodeToken(PASSWORD),
  ]);
  for (const text of [main.stdout, main.stderr, post?.postStdout, post?.postStderr]) {
    expect(text).not.toContain(PASSWORD);
  }
  expect(logLines(main)).toEqual([
    ...loginBlock(host, REGION, main.outputs['expires-at']),
    "Warning: 'mask-password' is false: the registry passwords in this step's outputs are not " +
      'masked. Pass them only to job outputs or service credentials, never print them.',
  ]);
  expect(steps.after.main.config).toEqual(authsOf({ [host]: PASSWORD }));
  expect(steps.after.post?.config).toEqual({ auths: {} });
  expect(logLines(post)).toEqual([logoutLine(host)]);
  // Unmasked, yet never printed: the leak scan (which includes the password) finds nothing.
  expectHygiene(steps, { [host]: PASSWORD }, false);
});
