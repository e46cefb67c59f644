// An API endpoint, or the proxy in front of it, that accepts connections and never answers: each
// attempt is cut off and retried, and 'api-timeout' bounds the whole API phase.
import { beforeAll, expect, test } from '@jest/globals';
import { startBlackHole, type BlackHole } from './support/blackhole.ts';
import { runSteps, type Steps } from './support/jobs.ts';
import { errorsOf, logLines } from './support/log.ts';
import { expectHygiene, runDirState, useWorld } from './support/use-world.ts';

const REGION = 'eu-west-1';
const ACCOUNT = '720000000001';
const PASSWORD = 'api-timeout-registry-password';

// No registry is reached: every case fails before any login.
const world = useWorld([]);
let endpointHole: BlackHole;
let proxyHole: BlackHole;
beforeAll(async () => {
  world.answer(ACCOUNT, PASSWORD, '127.0.0.1:9');
  endpointHole = world.add(await startBlackHole());
  proxyHole = world.add(await startBlackHole());
});

/** The step's error when the API phase ran out of `seconds` after `attempts` attempts at `url`. */
const timedOut = (url: string, seconds: number, attempts: number) =>
  `ECR GetAuthorizationToken in ${REGION} at ${url} timed out: no answer within ` +
  `${String(seconds)} s (${String(attempts)} attempt(s)). Check that the runner can reach that ` +
  "endpoint (or its proxy: HTTPS_PROXY, NO_PROXY), or raise 'api-timeout'.";

/**
 * Runs both steps with `api-timeout` and `env`. A main step still running 5 s past the limit is
 * killed (its exit is then null).
 */
const withApiTimeout = (seconds: number, env: Record<string, string>) =>
  runSteps(world, {
    inputs: { registries: ACCOUNT, region: REGION, 'api-timeout': String(seconds) },
    env,
    timeoutMs: (seconds + 5) * 1000,
  });

/** The step failed with `error` alone; nothing was logged in or left behind. */
function expectTimedOutClean(steps: Steps, error: string): void {
  const { main, post } = steps;
  expect([main.mainExit, post?.postExit]).toEqual([1, 0]);
  expect(errorsOf(main)).toEqual([error]);
  expect(main.outputs).toEqual({});
  expect(main.state).toEqual(runDirState(steps.dirs));
  expect(steps.execs).toEqual([]);
  expect(steps.after.main.config).toBeUndefined();
  expect([steps.after.main.temp, steps.after.post?.temp]).toEqual([[], []]);
  expect(logLines(post)).toEqual(['No registry to log out of.']);
  expectHygiene(steps, {});
}

const endpointUrl = () => `https://${endpointHole.host}`;

test('an endpoint that never answers: the step fails at api-timeout, naming the endpoint', async () => {
  const before = endpointHole.connections;
  const steps = await withApiTimeout(3, { AWS_ENDPOINT_URL_ECR: endpointUrl() });
  expectTimedOutClean(steps, timedOut(endpointUrl(), 3, 1));
  expect(logLines(steps.main, /^Retrying /)).toEqual([]);
  expect(endpointHole.connections - before).toBe(1);
  expect(steps.main.mainMs).toBeGreaterThanOrEqual(3000);
  expect(steps.main.mainMs).toBeLessThan(6000);
}, 30_000);

test('each unanswered attempt is cut off after 10 s and retried until api-timeout', async () => {
  const before = endpointHole.connections;
  const steps = await withApiTimeout(25, { AWS_ENDPOINT_URL_ECR: endpointUrl() });
  const retries = logLines(steps.main, /^Retrying /);
  // Attempts start at 0 s, after 10 s (plus backoff) and after 20 s (plus backoff): two or three.
  expect(retries.length).toBeGreaterThanOrEqual(1);
  expect(retries.length).toBeLessThanOrEqual(2);
  expect(retries).toEqual(
    retries.map(
      (_, i) =>
        `Retrying GetAuthorizationToken in ${REGION} (attempt ${String(i + 2)} of 10) after ETIMEDOUT`,
    ),
  );
  expectTimedOutClean(steps, timedOut(endpointUrl(), 25, retries.length + 1));
  expect(endpointHole.connections - before).toBe(retries.length + 1);
  expect(steps.main.mainMs).toBeGreaterThanOrEqual(25_000);
  expect(steps.main.mainMs).toBeLessThan(28_000);
}, 60_000);

test('a proxy that accepts CONNECT and never answers: bounded by api-timeout as well', async () => {
  const before = proxyHole.connections;
  const steps = await withApiTimeout(3, { HTTPS_PROXY: `http://${proxyHole.host}` });
  // The step ends at the limit, not only its error.
  expect(steps.main.mainMs).toBeLessThan(6000);
  expectTimedOutClean(steps, timedOut(world.endpoint.url, 3, 1));
  expect(world.endpoint.requests).toEqual([]);
  expect(proxyHole.connections - before).toBe(1);
}, 30_000);
