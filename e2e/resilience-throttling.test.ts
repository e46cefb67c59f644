// Many jobs at once against a rate-limited GetAuthorizationToken: the SDK's adaptive retries
// must carry every one of them through the throttling, while bad credentials still fail at once.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeCerts, type TestCerts } from './support/certs.ts';
import { EcrEndpoint } from './support/ecr-endpoint.ts';
import { encodeToken } from './support/ecr-tokens.ts';
import { checkPrereqs } from './support/prereqs.ts';
import { startRegistry, type TestRegistry } from './support/registry.ts';
import {
  apiEnv,
  linesMatching,
  makeRunDirs,
  type RunDirs,
  Cleanups,
} from './support/resilience-env.ts';
import { runAction, type ActionRun } from './support/runner.ts';
import { TokenBucket } from './support/throttle.ts';

checkPrereqs();

const REGION = 'eu-west-1';
const ACCOUNT = '444444444444';
const PASSWORD = 'throttled-registry-password-5';
const RUNS = 30;
const BUCKET = { capacity: 5, refillPerSecond: 3 };

let certs: TestCerts;
let registry: TestRegistry;
let bucket: TokenBucket;
let endpoint: EcrEndpoint;

const cleanups = new Cleanups();
afterAll(() => cleanups.run());

beforeAll(async () => {
  certs = cleanups.add(await makeCerts());
  registry = cleanups.add(await startRegistry({ password: PASSWORD, certs }));
  bucket = new TokenBucket(BUCKET.capacity, BUCKET.refillPerSecond);
  endpoint = new EcrEndpoint({
    certs,
    auth: { [ACCOUNT]: { password: PASSWORD, host: registry.host } },
    throttle: bucket,
  });
  await endpoint.start();
  cleanups.add(endpoint);
}, 60_000);

/** Milliseconds from the first to the last of `requests`. */
const span = (requests: { time: Date }[]) =>
  requests.length === 0
    ? 0
    : Math.max(...requests.map((r) => r.time.getTime())) -
      Math.min(...requests.map((r) => r.time.getTime()));

const SDK_RETRY = new RegExp(
  `^Retrying GetAuthorizationToken in ${REGION} \\(attempt (\\d+) of 10\\) after ThrottlingException$`,
);

test(`${String(RUNS)} concurrent jobs all get through a throttled API; bad keys still fail at once`, async () => {
  const dirs: RunDirs[] = [];
  try {
    for (let i = 0; i < RUNS; i++) dirs.push(await makeRunDirs(`e2e-res-throttle-${String(i)}`));
    const started = Date.now();
    const runs: ActionRun[] = await Promise.all(
      dirs.map((d) =>
        runAction({
          inputs: { registries: ACCOUNT, region: REGION },
          env: { ...apiEnv(endpoint.url, certs), ...d.env },
          secrets: [PASSWORD, encodeToken(PASSWORD)],
          phases: 'main',
          timeoutMs: 90_000,
        }),
      ),
    );
    const elapsedMs = Date.now() - started;

    const problems = runs.flatMap((run, i) =>
      run.mainExit === 0 && run.leaks.length === 0
        ? []
        : [{ run: i, exit: run.mainExit, leaks: run.leaks, log: run.log }],
    );
    expect(problems).toEqual([]);
    for (const [i, d] of dirs.entries()) {
      const config = JSON.parse(
        await readFile(join(d.dockerConfig.path, 'config.json'), 'utf8'),
      ) as { auths: Record<string, { auth: string }> };
      expect({ run: i, auths: config.auths }).toEqual({
        run: i,
        auths: { [registry.host]: { auth: encodeToken(PASSWORD) } },
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
    const retryLines = runs.flatMap((run) => linesMatching(run.log, /^Retrying /));
    expect(retryLines.every((line) => SDK_RETRY.test(line))).toBe(true);
    expect(retryLines).toHaveLength(throttled.length);
    for (const run of runs) {
      const attempts = linesMatching(run.log, /^Retrying /).map((l) =>
        Number(SDK_RETRY.exec(l)?.[1]),
      );
      expect(attempts).toEqual(attempts.map((_, i) => i + 2));
    }
    expect(elapsedMs).toBeLessThan(60_000);
    const perRun = runs.map((run) => linesMatching(run.log, /^Retrying /).length);
    console.log(
      `throttling: ${String(RUNS)} runs in ${String(elapsedMs)} ms; ` +
        `${String(throttled.length)} throttled answers, ${String(served.length)} served; ` +
        `retries per run max ${String(Math.max(...perRun))}, ` +
        `runs never throttled ${String(perRun.filter((n) => n === 0).length)}; ` +
        `slowest main ${String(Math.max(...runs.map((r) => r.mainMs ?? 0)))} ms; ` +
        `API calls over ${String(span(endpoint.requests))} ms`,
    );

    // A 31st job with a wrong secret key: refused by the endpoint, not retried by the SDK.
    const before = endpoint.requests.length;
    const bad = await makeRunDirs('e2e-res-throttle-bad');
    dirs.push(bad);
    const wrongSecret = 'e2eWrongSecretKey/000000000000000000000+9';
    const run = await runAction({
      inputs: { registries: ACCOUNT, region: REGION },
      env: { ...apiEnv(endpoint.url, certs), AWS_SECRET_ACCESS_KEY: wrongSecret, ...bad.env },
      secrets: [wrongSecret, PASSWORD],
      phases: 'main',
    });
    expect(run.mainExit).toBe(1);
    expect(run.leaks).toEqual([]);
    const requests = endpoint.requests.slice(before);
    expect(requests.map((r) => ({ status: r.status, type: r.errorType }))).toEqual([
      { status: 403, type: 'InvalidSignatureException' },
    ]);
    expect(linesMatching(run.log, /^Retrying /)).toEqual([]);
    const errors = run.commands.filter((c) => c.name === 'error').map((c) => c.message);
    expect(errors).toEqual([
      expect.stringMatching(
        /^The AWS credentials were rejected by ECR GetAuthorizationToken in eu-west-1 \(InvalidSignatureException: /,
      ),
    ]);
    expect(run.mainMs).toBeLessThan(5000);
  } finally {
    await Promise.all(dirs.map((d) => d.cleanup()));
  }
}, 120_000);

test('throttling that does not pass fails after AWS_MAX_ATTEMPTS with a clear message', async () => {
  const dirs = await makeRunDirs('e2e-res-throttle-always');
  try {
    const before = endpoint.requests.length;
    endpoint.failNext('ThrottlingException', 3);
    const run = await runAction({
      inputs: { registries: ACCOUNT, region: REGION },
      env: { ...apiEnv(endpoint.url, certs), ...dirs.env, AWS_MAX_ATTEMPTS: '3' },
      secrets: [PASSWORD, encodeToken(PASSWORD)],
      phases: 'main',
    });
    expect(run.mainExit).toBe(1);
    expect(run.leaks).toEqual([]);
    expect(endpoint.requests.slice(before).map((r) => r.errorType)).toEqual([
      'ThrottlingException',
      'ThrottlingException',
      'ThrottlingException',
    ]);
    expect(linesMatching(run.log, /^Retrying /)).toEqual([
      `Retrying GetAuthorizationToken in ${REGION} (attempt 2 of 3) after ThrottlingException`,
      `Retrying GetAuthorizationToken in ${REGION} (attempt 3 of 3) after ThrottlingException`,
    ]);
    const errors = run.commands.filter((c) => c.name === 'error').map((c) => c.message);
    expect(errors).toEqual([
      `ECR GetAuthorizationToken in ${REGION} was still throttled after 3 attempts ` +
        '(ThrottlingException: Rate exceeded).',
    ]);
    expect(run.outputs).toEqual({});
  } finally {
    endpoint.failures.splice(0);
    await dirs.cleanup();
  }
}, 60_000);
