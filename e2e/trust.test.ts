// Trust in what AWS's own API answers: without an endpoint override the SDK calls
// api.ecr.<region>.amazonaws.com — here the local ECR stand-in, reached under that name through
// the CONNECT proxy — and an account is then logged in only at a registry host of its own.
import { beforeAll, expect, test } from '@jest/globals';
import { authsOf } from './support/ecr-tokens.ts';
import { runSteps } from './support/jobs.ts';
import { errorsOf } from './support/log.ts';
import { expectHygiene, useWorld } from './support/use-world.ts';

const REGION = 'eu-west-1';
const API = `api.ecr.${REGION}.amazonaws.com`;
const OWN = '111111111111';
const OWN_HOST = `${OWN}.dkr.ecr.${REGION}.amazonaws.com`;
const ELSEWHERE = '222222222222';
const world = useWorld([
  { account: OWN, region: REGION, name: OWN_HOST, password: 'own-registry-password' },
  // answered as some other host: a registry on 127.0.0.1, which is no ECR host of that account
  { account: ELSEWHERE, region: REGION, password: 'elsewhere-password' },
  // only for the certificate and the route: the API name is then pointed at the ECR stand-in
  { account: '333333333333', name: API, password: 'unused-password' },
]);
beforeAll(() => {
  world.proxy.route(API, new URL(world.endpoint.url).host);
});

test('from AWS’s own API: the account’s own registry host is logged in to, any other refused', async () => {
  const steps = await runSteps(world, {
    inputs: { registries: `${OWN}, ${ELSEWHERE}`, region: REGION },
    // no override: the SDK resolves AWS's own endpoint, as on a real runner
    env: { AWS_ENDPOINT_URL_ECR: '' },
  });
  const { main, post } = steps;
  expect([main.mainExit, post?.postExit]).toEqual([1, 0]);
  expect(world.proxy.connects.map((c) => c.target)).toContain(`${API}:443`);
  expect(world.endpoint.requests.map((r) => [r.registryIds, r.signatureValid])).toEqual([
    [[OWN, ELSEWHERE], true],
  ]);
  expect(errorsOf(main)).toEqual([
    `ECR in ${REGION} answered the proxy endpoint '${world.hosts[1] ?? ''}' for ${ELSEWHERE}, ` +
      `which is not an ECR registry host of that account in ${REGION}: not logged in.`,
  ]);
  expect(main.outputs.registries).toBe(OWN_HOST);
  expect(steps.after.main.config).toEqual(authsOf({ [OWN_HOST]: 'own-registry-password' }));
  expect(steps.after.post?.config).toEqual({ auths: {} });
  expectHygiene(steps, { [OWN_HOST]: 'own-registry-password' });
}, 60_000);

test('through an endpoint override (a stand-in, a proxy) the host answered is logged in to', async () => {
  const steps = await runSteps(world, { inputs: { registries: ELSEWHERE, region: REGION } });
  expect([steps.main.mainExit, steps.post?.postExit]).toEqual([0, 0]);
  expect(steps.main.outputs.registry).toBe(world.hosts[1]);
}, 60_000);
