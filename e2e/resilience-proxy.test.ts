// The AWS API calls through a real forward proxy (Debian's tinyproxy, CONNECT tunnelling, Basic
// proxy authentication): the proxy as the transport, a password that must never be printed, and
// a proxy that refuses or is down. How HTTPS_PROXY, NO_PROXY and values without a scheme are
// read, and which requests Node then sends through a proxy, are the tables of
// __tests__/proxy.test.ts; a proxy that never answers is in resilience-api-timeout.test.ts.
import { beforeAll, expect, test } from '@jest/globals';
import { URL } from 'node:url';
import { runSteps, type StepOptions } from './support/jobs.ts';
import { errorsOf, logLines } from './support/log.ts';
import { freePort } from './support/proc.ts';
import { startTinyproxy, type TestProxy } from './support/proxy.ts';
import { useWorld } from './support/use-world.ts';

const REGION = 'eu-west-1';
const ACCOUNT = '555555555555';
const PROXY_USER = 'user';
const PROXY_PASSWORD = 's3cretpw';

const world = useWorld([{ account: ACCOUNT, password: 'proxied-registry-password-6' }], {
  prereqs: ['tinyproxy'],
});
let endpointTarget: string;
/** A proxy that tunnels only to the endpoint's port, and only with Basic authentication. */
let proxy: TestProxy;
const proxyUrl = (password: string) =>
  `http://${PROXY_USER}:${password}@127.0.0.1:${String(proxy.port)}`;

beforeAll(async () => {
  const port = Number(new URL(world.endpoint.url).port);
  endpointTarget = `127.0.0.1:${String(port)}`;
  proxy = world.add(
    await startTinyproxy({
      connectPorts: [port],
      basicAuth: { user: PROXY_USER, password: PROXY_PASSWORD },
    }),
  );
}, 60_000);

/** One main step with `http-proxy`; returns the run and the CONNECTs the proxy logged during it. */
async function loginVia(httpProxy: string, extra: StepOptions = {}) {
  const seen = (await proxy.connects()).length;
  const steps = await runSteps(world, {
    inputs: { registries: ACCOUNT, region: REGION, 'http-proxy': httpProxy },
    secrets: [PROXY_PASSWORD],
    phases: 'main',
    ...extra,
  });
  return {
    run: steps.main,
    connects: (await proxy.connects()).slice(seen),
    requests: world.endpoint.requests.length,
  };
}

test('the API call goes through the proxy with its password, which is never printed', async () => {
  const { run, connects, requests } = await loginVia(proxyUrl(PROXY_PASSWORD), { debug: true });
  expect({ exit: run.mainExit, leaks: run.leaks, stderr: run.stderr }).toEqual({
    exit: 0,
    leaks: [],
    stderr: '',
  });
  expect(run.outputs.registry).toBe(world.hosts[0]);
  expect([requests, connects]).toEqual([1, [endpointTarget]]);
  expect(run.commands.filter((c) => c.name === 'add-mask').map((c) => c.message)).toContain(
    PROXY_PASSWORD,
  );
  expect(run.log).not.toContain(PROXY_PASSWORD);
  // tinyproxy saw the credential only in the Proxy-Authorization header, never logged it.
  expect(await proxy.log()).not.toContain(PROXY_PASSWORD);
}, 30_000);

test('a wrong proxy password fails the step at once, without printing it', async () => {
  const wrong = 'wr0ngpw-proxy';
  const { run, requests } = await loginVia(proxyUrl(wrong), { secrets: [wrong] });
  expect([run.mainExit, run.leaks, requests]).toEqual([1, [], 0]);
  expect(run.log).not.toContain(wrong);
  // Node names the proxy without its credentials; the SDK does not retry a refused tunnel.
  expect(errorsOf(run)).toEqual([
    `ECR GetAuthorizationToken in ${REGION} failed after 1 attempt(s): Error: Failed to ` +
      `establish tunnel to ${endpointTarget} via http://127.0.0.1:${String(proxy.port)}/: ` +
      'HTTP/1.0 401 Unauthorized',
  ]);
}, 30_000);

test('a proxy that is down: the SDK retries, then the step fails naming the cause', async () => {
  const { run, requests } = await loginVia(`http://127.0.0.1:${String(await freePort())}`, {
    env: { AWS_MAX_ATTEMPTS: '3', AWS_RETRY_MODE: 'standard' },
  });
  expect([run.mainExit, run.leaks, requests]).toEqual([1, [], 0]);
  expect(logLines(run, /^Retrying /)).toEqual([
    `Retrying GetAuthorizationToken in ${REGION} (attempt 2 of 3) after ECONNREFUSED`,
    `Retrying GetAuthorizationToken in ${REGION} (attempt 3 of 3) after ECONNREFUSED`,
  ]);
  expect(errorsOf(run)).toEqual([
    expect.stringMatching(
      new RegExp(
        `^ECR GetAuthorizationToken in ${REGION} failed after 3 attempt\\(s\\): .*ECONNREFUSED`,
      ),
    ),
  ]);
}, 30_000);
