// ECR Public: registry-type public, through AWS_ENDPOINT_URL_ECR_PUBLIC; public.ecr.aws itself is
// served by a local registry through the CONNECT proxy (HTTPS_PROXY), no /etc/hosts needed.
import { beforeAll, beforeEach, expect, test } from '@jest/globals';
import { authsOf } from './support/ecr-tokens.ts';
import { runSteps } from './support/jobs.ts';
import { loginBlock, logLines, logoutLine } from './support/log.ts';
import { expectHygiene, runDirState, useWorld } from './support/use-world.ts';

const HOST = 'public.ecr.aws';
const PASSWORD = 'public-registry-password';
const world = useWorld([{ account: 'public', name: HOST, password: PASSWORD }]);
let registryHost: string;
beforeAll(() => {
  registryHost = world.registries[0]?.host ?? '';
});
beforeEach(() => {
  world.proxy.route(HOST, registryHost);
});

function expectPublicRequest(): void {
  expect(world.endpoint.requests).toHaveLength(1);
  const [request] = world.endpoint.requests;
  expect(request).toMatchObject({
    target: 'SpencerFrontendService.GetAuthorizationToken',
    service: 'ecr-public',
    region: 'us-east-1',
    registryIds: undefined,
    signatureValid: true,
    status: 200,
  });
  expect(request?.headers.authorization).toMatch(
    /^AWS4-HMAC-SHA256 Credential=\w+\/\d{8}\/us-east-1\/ecr-public\/aws4_request,/,
  );
}

test('logs in to public.ecr.aws (signed for us-east-1 whatever the region) and out', async () => {
  const steps = await runSteps(world, {
    inputs: { 'registry-type': 'public', region: 'eu-west-1', registries: '111111111111' },
  });
  const { main, post } = steps;
  expect([main.mainExit, post?.postExit]).toEqual([0, 0]);
  const expiresAt = main.outputs['expires-at'] ?? '';
  expect(main.outputs).toEqual({
    registry: HOST,
    registries: HOST,
    docker_username_public_ecr_aws: 'AWS',
    docker_password_public_ecr_aws: PASSWORD,
    'expires-at': expiresAt,
  });
  expect(logLines(main)).toEqual(loginBlock(HOST, 'us-east-1', expiresAt));
  expect(steps.after.main.config).toEqual(authsOf({ [HOST]: PASSWORD }));
  expect(steps.after.post?.config).toEqual({ auths: {} });
  expect(logLines(post)).toEqual([logoutLine(HOST)]);
  expectPublicRequest();
  expect(world.proxy.connects.map((c) => c.target)).toContain(`${HOST}:443`);
  expectHygiene(steps, { [HOST]: PASSWORD });
});

test('public.ecr.aws unreachable: the failure names it, nothing is logged in', async () => {
  world.proxy.unroute(HOST);
  const steps = await runSteps(world, {
    inputs: { 'registry-type': 'public', 'login-attempts': '2' },
  });
  const { main, post } = steps;
  expect([main.mainExit, post?.postExit]).toEqual([1, 0]);
  expect(main.outputs).toEqual({});
  expect(main.state).toEqual(runDirState(steps.dirs));
  expect(steps.after.main.config).toEqual(undefined);
  expect(steps.after.post?.config).toEqual(undefined);
  expect(steps.after.main.temp).toEqual([]);
  const reason = `Get "https://${HOST}/v2/": Bad Gateway`;
  const [retry, error, ...rest] = logLines(main);
  expect(retry).toMatch(
    new RegExp(`^Login to ${HOST} failed \\(attempt 1 of 2\\): .*; retrying in [01]\\.\\d s$`),
  );
  expect(retry).toContain(reason);
  expect(error).toBe(`Error: docker login to ${HOST} failed: ${reason} (after 2 attempts)`);
  expect(rest).toEqual([]);
  expect(logLines(post)).toEqual(['No registry to log out of.']);
  expectPublicRequest();
  // docker tried public.ecr.aws itself, twice, and nothing else.
  expect(world.proxy.connects).toEqual([
    { target: `${HOST}:443`, routedTo: undefined },
    { target: `${HOST}:443`, routedTo: undefined },
  ]);
  expect(steps.execs.map((e) => [e.args.at(-1), e.code])).toEqual([
    [HOST, 1],
    [HOST, 1],
  ]);
  expectHygiene(steps, { [HOST]: PASSWORD });
});
