// container-cli on PATH: `auto` takes the first of docker, podman, buildah, skopeo installed, and a
// CLI that is asked for but missing fails the step before any AWS call, naming it.
import { beforeAll, expect, test } from '@jest/globals';
import { authsOf } from './support/ecr-tokens.ts';
import { runSteps } from './support/jobs.ts';
import { logLines as lines } from './support/log.ts';
import { CONTAINER_CLIS, pathWith } from './support/prereqs.ts';
import { useWorld } from './support/use-world.ts';

const REGION = 'eu-west-1';
const A = '220000000001';
const PASSWORD_A = 'a-clis-path-password-0001';
const world = useWorld([{ account: A, password: PASSWORD_A }], { prereqs: [...CONTAINER_CLIS] });
let hostA = '';
beforeAll(() => {
  [hostA = ''] = world.hosts;
});

/** A PATH holding only node and `commands`. */
async function onlyOnPath(commands: string[]): Promise<string> {
  return world.add(await pathWith(commands)).path;
}

/**
 * Runs with only `commands` (and node) on PATH and `container-cli: cli`; expects the step to fail
 * before any AWS call or command, with exactly `message`.
 */
async function expectEarlyFailure(commands: string[], cli: string, message: string): Promise<void> {
  const PATH = await onlyOnPath(commands);
  const requestsBefore = world.endpoint.requests.length;
  const run = await runSteps(world, {
    inputs: { registries: A, region: REGION, 'container-cli': cli },
    env: { PATH },
  });
  expect([run.main.mainExit, run.post?.postExit]).toEqual([1, 0]);
  expect(lines(run.main)).toEqual([`Error: ${message}`]);
  expect(world.endpoint.requests.length).toBe(requestsBefore);
  expect([run.execs, run.postExecs]).toEqual([[], []]);
  expect(run.main.outputs).toEqual({});
  expect(run.main.state).toEqual({});
  expect(run.main.summary).toBe('');
  expect(lines(run.post)).toEqual(['No registry to log out of.']);
  expect(run.after.main).toEqual({
    ...{ config: undefined, authFile: undefined, xdgAuthFile: undefined },
    ...{ docker: [], temp: [] },
  });
  expect(run.leaks).toEqual([]);
}

test("'auto' without docker on PATH takes podman (before skopeo)", async () => {
  const PATH = await onlyOnPath(['podman', 'skopeo']);
  const run = await runSteps(world, {
    inputs: { registries: A, region: REGION, 'container-cli': 'auto' },
    env: { PATH },
  });
  expect([run.main.mainExit, run.post?.postExit]).toEqual([0, 0]);
  expect(lines(run.main)).toEqual([
    `▶ Logged in to ${hostA} (${REGION}) with podman`,
    'podman: Login Succeeded!',
    `Credentials expire at ${run.main.outputs['expires-at'] ?? ''}`,
  ]);
  expect(run.execs.map((e) => [e.args, e.code])).toEqual([
    [['podman', 'login', '--username', 'AWS', '--password-stdin', hostA], 0],
  ]);
  expect(run.after.main.authFile).toEqual(authsOf({ [hostA]: PASSWORD_A }));
  expect(run.after.main.config).toBeUndefined();
  expect(run.after.post?.authFile).toEqual({ auths: {} });
  expect(lines(run.post)).toEqual([`Logged out of ${hostA} (podman)`]);
  expect(run.postExecs.map((e) => [e.args, e.code])).toEqual([[['podman', 'logout', hostA], 0]]);
  expect(run.leaks).toEqual([]);
}, 60_000);

test("'auto' with none of the four CLIs on PATH fails saying which it looked for, before any AWS call", async () => {
  await expectEarlyFailure(
    [],
    'auto',
    "'container-cli: auto' found none of docker, podman, buildah, skopeo on PATH. Install one before this step.",
  );
}, 60_000);

test('a CLI asked for but not on PATH (buildah) fails naming it and its package, before any AWS call', async () => {
  await expectEarlyFailure(
    ['docker', 'podman', 'skopeo'],
    'buildah',
    'The buildah CLI was not found on PATH. Install it before this step (on Debian and Ubuntu: apt-get install buildah).',
  );
}, 60_000);

test('one missing CLI among several fails the whole step before any login', async () => {
  await expectEarlyFailure(
    ['docker', 'podman', 'skopeo'],
    'podman, buildah',
    'The buildah CLI was not found on PATH. Install it before this step (on Debian and Ubuntu: apt-get install buildah).',
  );
}, 60_000);
