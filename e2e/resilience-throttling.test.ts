// Many jobs at once against a rate-limited GetAuthorizationToken: the SDK's adaptive retries
// must carry every one of them through the throttling. (Bad credentials fail at once, unretried:
// aws-errors.test.ts.)
import { expect, test } from '@jest/globals';
import { encodeToken } from './support/ecr-tokens.ts';
import { runSteps, type Steps } from './support/jobs.ts';
import { errorsOf, logLines } from './support/log.ts';
import { TokenBucket } from './support/throttle.ts';
import { useWorld } from './support/use-world.ts';

const REGION = 'eu-west-1';
const ACCOUNT = '444444444444';
const PASSWORD = 'throttled-registry-password-5';
const RUNS = 30;
const BUCKET = { capacity: 5, refillPerSecond: 3 };

const bucket = new TokenBucket(BUCKET.capacity, BUCKET.refillPerSecond);
const world = useWorld([{ account: ACCOUNT, password: PASSWORD }], {
  endpoint: { throttle: bucket },
});

/** Milliseconds from the first to the last of `requests`. */
const span = (requests: { time: Date }[]) =>
  requests.length === 0
    ? 0
    : Math.max(...requests.map((r) => r.time.getTime())) -
      Math.min(...requests.map((r) => r.time.getTime()));

const SDK_RETRY = new RegExp(
  `^Retrying GetAuthorizationToken in ${REGION} \\(attempt (\\d+) of 10\\) after ThrottlingException$`,
);

const retries = (steps: Steps) => logLines(steps.main, /^Retrying /);

test(`${String(RUNS)} concurrent jobs all get through a throttled API`, async () => {
  const { endpoint } = world;
  const inputs = { registries: ACCOUNT, region: REGION };
  const started = Date.now();
  const runs = await Promise.all(
    Array.from({ length: RUNS }, () =>
      runSteps(world, { inputs, phases: 'main', timeoutMs: 90_000 }),
    ),
  );
  const elapsedMs = Date.now() - started;

  const problems = runs.flatMap(({ main }, i) =>
    main.mainExit === 0 && main.leaks.length === 0
      ? []
      : [{ run: i, exit: main.mainExit, leaks: main.leaks, log: main.log }],
  );
  expect(problems).toEqual([]);
  for (const [i, steps] of runs.entries()) {
    expect({ run: i, config: steps.after.main.config }).toEqual({
      run: i,
      config: { auths: { [world.hosts[0] ?? '']: { auth: encodeToken(PASSWORD) } } },
    });
  }

  const throttled = endpoint.requests.filter((r) => r.errorType === 'ThrottlingException');
  const served = endpoint.requests.filter((r) => r.status === 200);
  expect(served).toHaveLength(RUNS);
  expect(throttled.length).toBeGreaterThan(0);
  expect(throttled.length + served.length).toBe(endpoint.requests.length);
  expect(throttled.every((r) => r.status === 400 && r.signatureValid)).toBe(true);
  expect({ admitted: bucket.admitted, throttled: bucket.throttled }).toEqual({
    admitted: RUNS,
    throttled: throttled.length,
  });
  // Every throttled answer was retried once by the SDK and logged once, by the run it hit.
  const retryLines = runs.flatMap(retries);
  expect(retryLines.every((line) => SDK_RETRY.test(line))).toBe(true);
  expect(retryLines).toHaveLength(throttled.length);
  for (const steps of runs) {
    const attempts = retries(steps).map((l) => Number(SDK_RETRY.exec(l)?.[1]));
    expect(attempts).toEqual(attempts.map((_, i) => i + 2));
  }
  expect(elapsedMs).toBeLessThan(60_000);
  const perRun = runs.map((steps) => retries(steps).length);
  console.log(
    `throttling: ${String(RUNS)} runs in ${String(elapsedMs)} ms; ` +
      `${String(throttled.length)} throttled answers, ${String(served.length)} served; ` +
      `retries per run max ${String(Math.max(...perRun))}, ` +
      `runs never throttled ${String(perRun.filter((n) => n === 0).length)}; ` +
      `slowest main ${String(Math.max(...runs.map((r) => r.main.mainMs ?? 0)))} ms; ` +
      `API calls over ${String(span(endpoint.requests))} ms`,
  );
}, 120_000);

test('throttling that does not pass fails after AWS_MAX_ATTEMPTS with a clear message', async () => {
  world.endpoint.failNext('ThrottlingException', 3);
  const steps = await runSteps(world, {
    inputs: { registries: ACCOUNT, region: REGION },
    env: { AWS_MAX_ATTEMPTS: '3' },
    phases: 'main',
  });
  expect(steps.main.mainExit).toBe(1);
  expect(steps.leaks).toEqual([]);
  expect(world.endpoint.requests.map((r) => r.errorType)).toEqual([
    'ThrottlingException',
    'ThrottlingException',
    'ThrottlingException',
  ]);
  expect(retries(steps)).toEqual([
    `Retrying GetAuthorizationToken in ${REGION} (attempt 2 of 3) after ThrottlingException`,
    `Retrying GetAuthorizationToken in ${REGION} (attempt 3 of 3) after ThrottlingException`,
  ]);
  expect(errorsOf(steps.main)).toEqual([
    `ECR GetAuthorizationToken in ${REGION} was still throttled after 3 attempts ` +
      '(ThrottlingException: Rate exceeded).',
  ]);
  expect(steps.main.outputs).toEqual({});
}, 60_000);
