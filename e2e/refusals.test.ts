// Refusals before or at login: a registry that refuses the password, no docker, a bad input.
import { expect, test } from '@jest/globals';
import { dirname } from 'node:path';
import { NODE_BIN } from './support/action-yml.ts';
import { runSteps, type Steps } from './support/jobs.ts';
import { logLines } from './support/log.ts';
import { expectHygiene, runDirState, useWorld } from './support/use-world.ts';

const REGION = 'eu-west-1';
const [HTTPS_ACCOUNT, HTTP_ACCOUNT] = ['333333333333', '444444444444'];
const [WRONG_HTTPS, WRONG_HTTP] = ['refused-wrong-tls-password', 'refused-wrong-plain-password'];
const world = useWorld([
  { account: HTTPS_ACCOUNT, password: 'refused-real-tls-password', answer: WRONG_HTTPS },
  {
    account: HTTP_ACCOUNT,
    password: 'refused-real-plain-password',
    answer: WRONG_HTTP,
    tls: false,
  },
]);

/**
 * Nothing logged in: no outputs, no credential, nothing left in RUNNER_TEMP, a clean post step;
 * the state names the run directory only when the step got as far as the logins (`started`).
 */
function expectNothingLoggedIn(steps: Steps, started: boolean): void {
  expect([steps.main.mainExit, steps.post?.postExit]).toEqual([1, 0]);
  expect(steps.main.outputs).toEqual({});
  expect(steps.main.state).toEqual(started ? runDirState(steps.dirs) : {});
  expect([steps.after.main.temp, steps.logins]).toEqual([[], []]);
  expect(logLines(steps.post)).toEqual(['No registry to log out of.']);
  expect(steps.postExecs).toEqual([]);
}

test.each([
  {
    scheme: 'https',
    account: HTTPS_ACCOUNT,
    index: 0,
    wrong: WRONG_HTTPS,
    reason: '400 Bad Request',
  },
  {
    scheme: 'http',
    account: HTTP_ACCOUNT,
    index: 1,
    wrong: WRONG_HTTP,
    reason: '401 Unauthorized',
  },
])('$scheme registry refuses the password: fails naming it and docker’s reason', async (c) => {
  const host = world.hosts[c.index] ?? '';
  const steps = await runSteps(world, { inputs: { registries: c.account, region: REGION } });
  // docker tries HTTPS first; on a loopback (insecure) registry it falls back to HTTP, whose
  // answer is the one it reports.
  expect(logLines(steps.main)).toEqual([
    `Error: docker login to ${host} failed: login attempt to http://${host}/v2/ failed with status: ${c.reason}`,
  ]);
  expect(steps.execs.map((e) => [e.args.at(-1), e.code])).toEqual([[host, 1]]);
  // No credential reached config.json (it was never written), and the staging config is gone.
  expect(steps.after.main.config).toBeUndefined();
  expect(steps.after.post?.config).toBeUndefined();
  expect(world.endpoint.requests.map((r) => [r.region, r.registryIds, r.status])).toEqual([
    [REGION, [c.account], 200],
  ]);
  expectNothingLoggedIn(steps, true);
  expectHygiene(steps, { [host]: c.wrong });
});

test('no docker on PATH: fails saying so, before any request', async () => {
  const steps = await runSteps(world, {
    inputs: { registries: HTTPS_ACCOUNT, region: REGION },
    env: { PATH: dirname(NODE_BIN) },
  });
  expect(logLines(steps.main)).toEqual([
    'Error: The docker CLI was not found on PATH. Install it before this step (GitHub-hosted ' +
      'Ubuntu runners have it; on a self-hosted runner install docker-ce-cli or docker.io).',
  ]);
  expect(world.endpoint.requests).toEqual([]);
  expect(steps.execs).toEqual([]);
  expect(steps.after.main.config).toBeUndefined();
  expectNothingLoggedIn(steps, false);
  expectHygiene(steps, {});
});

test('an entry that is not a registry fails before any request or command', async () => {
  const steps = await runSteps(world, { inputs: { registries: '--password=x', region: REGION } });
  expect(logLines(steps.main)).toEqual([
    "Error: Invalid registry '--password=x' in 'registries': expected a 12-digit AWS account ID, " +
      'a private registry host such as 123456789012.dkr.ecr.us-east-1.amazonaws.com (or ' +
      '.amazonaws.com.cn, .amazonaws.eu, dkr.ecr-fips, dual-stack ' +
      '123456789012.dkr-ecr.us-east-1.on.aws), or public.ecr.aws.',
  ]);
  expect(world.endpoint.requests).toEqual([]);
  // No process at all was started, so no docker wrote config.json.
  expect(steps.execs).toEqual([]);
  expect(steps.after.main.config).toBeUndefined();
  expect(steps.after.post?.config).toBeUndefined();
  expectNothingLoggedIn(steps, false);
  expectHygiene(steps, {});
});
