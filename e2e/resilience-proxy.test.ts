// The AWS API calls through a real forward proxy (Debian's tinyproxy, CONNECT tunnelling): the
// http-proxy input, HTTPS_PROXY, NO_PROXY, and a proxy password that must never be printed.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { URL } from 'node:url';
import { runSteps, type StepOptions } from './support/jobs.ts';
import { errorsOf, logLines } from './support/log.ts';
import { freePort } from './support/proc.ts';
import { startTinyproxy, type TestProxy } from './support/proxy.ts';
import type { ActionRun } from './support/runner.ts';
import { useWorld } from './support/use-world.ts';

const REGION = 'eu-west-1';
const ACCOUNT = '555555555555';
const PASSWORD = 'proxied-registry-password-6';
const PROXY_USER = 'user';
const PROXY_PASSWORD = 's3cretpw';

// No registry has a name to reach through the CONNECT proxy: no proxy in the steps' environment
// but the one a test sets.
const world = useWorld([{ account: ACCOUNT, password: PASSWORD }], { prereqs: ['tinyproxy'] });
let endpointTarget: string;
/** Open proxy that tunnels only to the endpoint's port. */
let proxy: TestProxy;
/** The same, requiring Basic proxy authentication. */
let authProxy: TestProxy;

beforeAll(async () => {
  const port = Number(new URL(world.endpoint.url).port);
  endpointTarget = `127.0.0.1:${String(port)}`;
  proxy = world.add(await startTinyproxy({ connectPorts: [port] }));
  authProxy = world.add(
    await startTinyproxy({
      connectPorts: [port],
      basicAuth: { user: PROXY_USER, password: PROXY_PASSWORD },
    }),
  );
}, 60_000);

/** One main step; returns the run and the CONNECTs each proxy logged during it. */
async function loginVia(
  inputs: Record<string, string>,
  env: Record<string, string>,
  extra: StepOptions = {},
): Promise<{ run: ActionRun; connects: string[]; authConnects: string[]; requests: number }> {
  const [seen, authSeen] = [(await proxy.connects()).length, (await authProxy.connects()).length];
  const steps = await runSteps(world, {
    inputs: { registries: ACCOUNT, region: REGION, ...inputs },
    env,
    secrets: [PROXY_PASSWORD],
    phases: 'main',
    ...extra,
  });
  return {
    run: steps.main,
    connects: (await proxy.connects()).slice(seen),
    authConnects: (await authProxy.connects()).slice(authSeen),
    requests: world.endpoint.requests.length,
  };
}

const expectLoggedIn = (run: ActionRun) => {
  expect({ exit: run.mainExit, leaks: run.leaks, stderr: run.stderr }).toEqual({
    exit: 0,
    leaks: [],
    stderr: '',
  });
  expect(run.outputs.registry).toBe(world.hosts[0]);
};

describe('API calls through a forward proxy (tinyproxy)', () => {
  test('the http-proxy input sends the API call through the proxy', async () => {
    const { run, connects, authConnects, requests } = await loginVia(
      { 'http-proxy': proxy.url },
      {},
    );
    expectLoggedIn(run);
    expect(requests).toBe(1);
    expect(connects).toEqual([endpointTarget]);
    expect(authConnects).toEqual([]);
  }, 30_000);

  test('HTTPS_PROXY without the input sends the API call through the proxy', async () => {
    const { run, connects, requests } = await loginVia({}, { HTTPS_PROXY: proxy.url });
    expectLoggedIn(run);
    expect(requests).toBe(1);
    expect(connects).toEqual([endpointTarget]);
  }, 30_000);

  test('lower-case https_proxy is honoured too', async () => {
    const { run, connects } = await loginVia({}, { https_proxy: proxy.url });
    expectLoggedIn(run);
    expect(connects).toEqual([endpointTarget]);
  }, 30_000);

  test('NO_PROXY=127.0.0.1 with HTTPS_PROXY goes direct', async () => {
    const { run, connects, requests } = await loginVia(
      {},
      { HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' },
    );
    expectLoggedIn(run);
    expect(requests).toBe(1);
    expect(connects).toEqual([]);
  }, 30_000);

  test('NO_PROXY also applies to the http-proxy input (as the action passes it on)', async () => {
    const { run, connects, requests } = await loginVia(
      { 'http-proxy': proxy.url },
      { NO_PROXY: '127.0.0.1' },
    );
    expectLoggedIn(run);
    expect(requests).toBe(1);
    expect(connects).toEqual([]);
  }, 30_000);

  test('the http-proxy input wins over HTTPS_PROXY', async () => {
    const { run, connects, authConnects } = await loginVia(
      { 'http-proxy': proxy.url },
      // The authenticating proxy would refuse a CONNECT without credentials (407).
      { HTTPS_PROXY: authProxy.url },
    );
    expectLoggedIn(run);
    expect(connects).toEqual([endpointTarget]);
    expect(authConnects).toEqual([]);
  }, 30_000);

  test('a proxy password in http-proxy is used and never printed unmasked', async () => {
    const url = `http://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:${String(authProxy.port)}`;
    const { run, connects, authConnects, requests } = await loginVia(
      { 'http-proxy': url },
      {},
      { debug: true },
    );
    expectLoggedIn(run);
    expect(requests).toBe(1);
    expect(authConnects).toEqual([endpointTarget]);
    expect(connects).toEqual([]);
    expect(run.leaks).toEqual([]);
    expect(run.masks).toContain(PROXY_PASSWORD);
    const masks = run.commands.filter((c) => c.name === 'add-mask').map((c) => c.message);
    expect(masks).toContain(PROXY_PASSWORD);
    expect(run.stdout).toContain(`::add-mask::${PROXY_PASSWORD}`);
    expect(run.log).not.toContain(PROXY_PASSWORD);
    // tinyproxy saw the credential only in the Proxy-Authorization header, never logged it.
    expect(await authProxy.log()).not.toContain(PROXY_PASSWORD);
  }, 30_000);

  test('a wrong proxy password fails the step without printing it', async () => {
    const wrong = 'wr0ngpw-proxy';
    const url = `http://${PROXY_USER}:${wrong}@127.0.0.1:${String(authProxy.port)}`;
    const { run, requests } = await loginVia({ 'http-proxy': url }, {}, { secrets: [wrong] });
    expect(run.mainExit).toBe(1);
    expect(run.leaks).toEqual([]);
    expect(run.log).not.toContain(wrong);
    expect(requests).toBe(0);
    // Node names the proxy without its credentials; the SDK does not retry a refused tunnel.
    expect(errorsOf(run)).toEqual([
      `ECR GetAuthorizationToken in ${REGION} failed after 1 attempt(s): Error: Failed to ` +
        `establish tunnel to ${endpointTarget} via http://127.0.0.1:${String(authProxy.port)}/: ` +
        'HTTP/1.0 401 Unauthorized',
    ]);
  }, 30_000);

  test('HTTP_PROXY alone does not proxy the HTTPS API call (as curl and the AWS CLI)', async () => {
    const { run, connects, requests } = await loginVia({}, { HTTP_PROXY: proxy.url });
    expectLoggedIn(run);
    expect(requests).toBe(1);
    expect(connects).toEqual([]);
  }, 30_000);

  test('a proxy that is down: the SDK retries, then the step fails naming the cause', async () => {
    const dead = `http://127.0.0.1:${String(await freePort())}`;
    const { run, requests } = await loginVia(
      { 'http-proxy': dead },
      { AWS_MAX_ATTEMPTS: '3', AWS_RETRY_MODE: 'standard' },
    );
    expect(run.mainExit).toBe(1);
    expect(run.leaks).toEqual([]);
    expect(requests).toBe(0);
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

  test('an http-proxy without a scheme is read as http://, as curl reads it, its password masked', async () => {
    const value = `${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:${String(authProxy.port)}`;
    const { run, connects, authConnects } = await loginVia({ 'http-proxy': value }, {});
    expectLoggedIn(run);
    expect(authConnects).toEqual([endpointTarget]);
    expect(connects).toEqual([]);
    expect(run.masks).toContain(PROXY_PASSWORD);
    expect(run.log).not.toContain(PROXY_PASSWORD);
  }, 30_000);

  // The password of a proxy URL that cannot be used must not be printed in the
  // "Invalid 'http-proxy'" message either.
  test.each([
    ['with a slash in the password', `http://${PROXY_USER}:${PROXY_PASSWORD}/x@127.0.0.1:3128`],
    ['with an unsupported scheme', `socks5://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:1080`],
  ])(
    'an invalid http-proxy %s is refused without printing its password',
    async (_, url) => {
      const { run, requests } = await loginVia({ 'http-proxy': url }, {});
      expect(run.mainExit).toBe(1);
      expect(requests).toBe(0);
      expect(errorsOf(run)).toEqual([expect.stringMatching(/^Invalid 'http-proxy' '/)]);
      expect(run.leaks).toEqual([]);
      expect(run.log).not.toContain(PROXY_PASSWORD);
    },
    30_000,
  );

  test('HTTPS_PROXY without a scheme is read as http://, as curl reads it', async () => {
    const { run, connects, requests } = await loginVia(
      {},
      { HTTPS_PROXY: `127.0.0.1:${String(proxy.port)}` },
    );
    expectLoggedIn(run);
    expect(requests).toBe(1);
    expect(connects).toEqual([endpointTarget]);
  }, 30_000);

  // Refused before any API call, the credentials shown as *** and masked as secrets.
  test.each([
    [
      'a scheme that cannot carry the calls',
      `socks5://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:1080`,
      "Invalid HTTPS_PROXY 'socks5://***@127.0.0.1:1080': the AWS API calls can go through an " +
        'http:// or https:// proxy only, not socks5://. Name an HTTP proxy or unset it.',
    ],
    [
      'a value that cannot be parsed',
      `http://${PROXY_USER}:${PROXY_PASSWORD}@[::1`,
      "Invalid HTTPS_PROXY 'http://***@[::1': expected a URL such as http://proxy.example.com:3128.",
    ],
  ])(
    'HTTPS_PROXY with %s fails before any API call, its password masked',
    async (_, value, error) => {
      const { run, requests } = await loginVia({}, { HTTPS_PROXY: value });
      expect(run.mainExit).toBe(1);
      expect(requests).toBe(0);
      expect(errorsOf(run)).toEqual([error]);
      expect(run.state).toEqual({});
      expect(run.masks).toContain(PROXY_PASSWORD);
      expect(run.leaks).toEqual([]);
      expect(run.log).not.toContain(PROXY_PASSWORD);
    },
    30_000,
  );

  test('a password in HTTPS_PROXY is used and masked too', async () => {
    const url = `http://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:${String(authProxy.port)}`;
    const { run, connects, authConnects } = await loginVia({}, { HTTPS_PROXY: url });
    expectLoggedIn(run);
    expect(authConnects).toEqual([endpointTarget]);
    expect(connects).toEqual([]);
    expect(run.commands.filter((c) => c.name === 'add-mask').map((c) => c.message)).toContain(
      PROXY_PASSWORD,
    );
    expect(run.log).not.toContain(PROXY_PASSWORD);
  }, 30_000);

  test.each([
    ['*', false],
    ['127.0.0.1:1', true], // another port of the same host
    ['example.com,127.0.0.2', true],
    [' example.com , 127.0.0.1 ', false],
  ])(
    'NO_PROXY=%j: through the proxy %s',
    async (noProxy, proxied) => {
      const { run, connects } = await loginVia({}, { HTTPS_PROXY: proxy.url, no_proxy: noProxy });
      expectLoggedIn(run);
      expect(connects).toEqual(proxied ? [endpointTarget] : []);
    },
    30_000,
  );
});
