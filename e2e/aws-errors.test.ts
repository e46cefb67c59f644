// Credentials the ECR stand-in refuses, as ECR does (it checks each request's SigV4 signature):
// the SDK does not retry a refusal, and the step says what was wrong. Throttling is in
// resilience-throttling.test.ts; the other API errors are the table of __tests__/aws-errors.test.ts.
import { expect, test } from '@jest/globals';
import { runSteps, type Steps } from './support/jobs.ts';
import { logLines } from './support/log.ts';
import { expectHygiene, runDirState, useWorld } from './support/use-world.ts';

const ACCOUNT = '111111111111';
const PASSWORD = 'aws-errors-password-1111';
const REGION = 'eu-west-1';
const WRONG_SECRET = 'wrongSecretKey/000000000000000000000000+9';
const world = useWorld([{ account: ACCOUNT, password: PASSWORD }]);

const inputs = { registries: ACCOUNT, region: REGION };

/** Nothing logged in: no outputs, no config.json, no docker, nothing left, a clean post step. */
function expectNothingLoggedIn(steps: Steps): void {
  expect([steps.main.mainExit, steps.post?.postExit]).toEqual([1, 0]);
  expect(steps.main.outputs).toEqual({});
  expect(steps.main.state).toEqual(runDirState(steps.dirs));
  expect(steps.after.main.config).toBeUndefined();
  expect(steps.after.post?.config).toBeUndefined();
  expect(steps.after.main.temp).toEqual([]);
  expect(steps.execs).toEqual([]);
  expect(logLines(steps.post)).toEqual(['No registry to log out of.']);
  expectHygiene(steps, {});
}

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
