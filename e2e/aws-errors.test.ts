// The GetAuthorizationToken call: throttling retried, refusals not, and no region at all.
import { beforeAll, expect, test } from '@jest/globals';
import { TEST_CREDENTIALS } from './support/ecr-endpoint.ts';
import { authsOf } from './support/ecr-tokens.ts';
import { runSteps, type Steps } from './support/jobs.ts';
import { loginBlock, logLines, logoutLine } from './support/log.ts';
import { expectHygiene, runDirState, useWorld } from './support/use-world.ts';

const ACCOUNT = '111111111111';
const PASSWORD = 'aws-errors-password-1111';
const REGION = 'eu-west-1';
const WRONG_SECRET = 'wrongSecretKey/000000000000000000000000+9';
const world = useWorld([{ account: ACCOUNT, password: PASSWORD }]);
let host: string;
beforeAll(() => {
  host = world.hosts[0] ?? '';
});

const inputs = { registries: ACCOUNT, region: REGION };

/**
 * Nothing logged in: no outputs, no config.json, no docker, nothing left in RUNNER_TEMP, a clean
 * post step; the state names the run directory only when the step got as far as the API call.
 */
function expectNothingLoggedIn(steps: Steps, started = true): void {
  expect([steps.main.mainExit, steps.post?.postExit]).toEqual([1, 0]);
  expect(steps.main.outputs).toEqual({});
  expect(steps.main.state).toEqual(started ? runDirState(steps.dirs) : {});
  expect(steps.after.main.config).toBeUndefined();
  expect(steps.after.post?.config).toBeUndefined();
  expect(steps.after.main.temp).toEqual([]);
  expect(steps.execs).toEqual([]);
  expect(logLines(steps.post)).toEqual(['No registry to log out of.']);
  expectHygiene(steps, {});
}

test('throttled twice, then answered: one Retrying line per retry, three requests', async () => {
  world.endpoint.failNext('ThrottlingException', 2);
  const steps = await runSteps(world, { inputs });
  const { main, post } = steps;
  expect([main.mainExit, post?.postExit]).toEqual([0, 0]);
  expect(logLines(main)).toEqual([
    `Retrying GetAuthorizationToken in ${REGION} (attempt 2 of 10) after ThrottlingException`,
    `Retrying GetAuthorizationToken in ${REGION} (attempt 3 of 10) after ThrottlingException`,
    ...loginBlock(host, REGION, main.outputs['expires-at']),
  ]);
  expect(
    world.endpoint.requests.map((r) => [r.registryIds, r.signatureValid, r.status, r.errorType]),
  ).toEqual([
    [[ACCOUNT], true, 400, 'ThrottlingException'],
    [[ACCOUNT], true, 400, 'ThrottlingException'],
    [[ACCOUNT], true, 200, undefined],
  ]);
  expect(main.outputs.registry).toBe(host);
  expect(steps.after.main.config).toEqual(authsOf({ [host]: PASSWORD }));
  expect(steps.after.post?.config).toEqual({ auths: {} });
  expect(logLines(post)).toEqual([logoutLine(host)]);
  expectHygiene(steps, { [host]: PASSWORD });
});

test.each<{ what: string; env: Record<string, string>; error: string; detail: string }>([
  {
    what: 'a wrong secret key',
    env: { AWS_SECRET_ACCESS_KEY: WRONG_SECRET },
    error: 'InvalidSignatureException',
    detail:
      'The request signature we calculated does not match the signature you provided. Check ' +
      'your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  },
  {
    what: 'an unknown access key',
    env: { AWS_ACCESS_KEY_ID: 'AKIAE2EUNKNOWN000000' },
    error: 'UnrecognizedClientException',
    detail: 'The security token included in the request is invalid.',
  },
])('$what: rejected at once, one request', async ({ env, error, detail }) => {
  const steps = await runSteps(world, { inputs, env, secrets: [WRONG_SECRET] });
  expect(logLines(steps.main)).toEqual([
    `Error: The AWS credentials were rejected by ECR GetAuthorizationToken in ${REGION} ` +
      `(${error}: ${detail}). ` +
      'Check the access key ID, secret key and session token, and that they have not expired.',
  ]);
  expect(world.endpoint.requests.map((r) => [r.region, r.status, r.errorType])).toEqual([
    [REGION, 403, error],
  ]);
  expectNothingLoggedIn(steps);
});

test('access denied: the message names ecr:GetAuthorizationToken', async () => {
  world.endpoint.failNext('AccessDeniedException');
  const steps = await runSteps(world, { inputs });
  const action = 'ecr:GetAuthorizationToken';
  expect(logLines(steps.main)).toEqual([
    `Error: Access denied to ECR GetAuthorizationToken in ${REGION} (User: arn:aws:iam::` +
      `${world.endpoint.accountId}:user/x is not authorized to perform: ${action} on resource: * ` +
      `because no identity-based policy allows the ${action} action). ` +
      `The IAM principal needs ${action} on resource "*".`,
  ]);
  expect(world.endpoint.requests.map((r) => [r.status, r.errorType, r.accessKeyId])).toEqual([
    [400, 'AccessDeniedException', TEST_CREDENTIALS.accessKeyId],
  ]);
  expectNothingLoggedIn(steps);
});

test('no region anywhere: fails naming the region input, before any request', async () => {
  const steps = await runSteps(world, {
    inputs: { registries: ACCOUNT },
    env: { AWS_REGION: '', AWS_DEFAULT_REGION: '' },
  });
  expect(logLines(steps.main)).toEqual([
    "Error: No AWS region is set. Set the 'region' input, or AWS_REGION " +
      "(aws-actions/configure-aws-credentials sets it from its 'aws-region' input), " +
      'or name registries by host.',
  ]);
  expect(world.endpoint.requests).toEqual([]);
  expectNothingLoggedIn(steps, false);
});
