// Resilience of the docker logins: a registry that is down at first and then comes up, one that
// accepts connections but never answers, and one that answers 503 at first. A refused password is
// not retried: several.test.ts.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { startBlackHole, type BlackHole } from './support/blackhole.ts';
import { encodeToken } from './support/ecr-tokens.ts';
import { startFlakyFront } from './support/flaky-front.ts';
import { runDirEntries, runSteps } from './support/jobs.ts';
import { errorsOf, escapeRegExp, logLines } from './support/log.ts';
import { freePort, sleep } from './support/proc.ts';
import { startRegistry } from './support/registry.ts';
import { useWorld } from './support/use-world.ts';

const REGION = 'eu-west-1';
const LATE = { account: '111111111111', password: 'late-registry-password-1' };
/** The registry behind the flaky front, on plain HTTP (the front answers docker's HTTP fallback). */
const BEHIND = { account: '222222222222', password: 'registry-behind-front-password-2' };
/** Requests one `docker login` attempt makes to a plain-HTTP registry that answers 5xx. */
const REQUESTS_PER_ATTEMPT = 2;
const SILENT = { account: '333333333333', password: 'black-hole-password-4' };
/** A registry behind a front that answers 503 to docker's first attempt. */
const FLAKY = '888888880503';

const world = useWorld([{ ...BEHIND, tls: false }]);
let latePort: number;
let behindHost: string;
let blackHole: BlackHole;

beforeAll(async () => {
  behindHost = world.hosts[0] ?? '';
  latePort = await freePort();
  world.answer(LATE.account, LATE.password, `127.0.0.1:${String(latePort)}`);
  blackHole = world.add(await startBlackHole());
  world.answer(SILENT.account, SILENT.password, blackHole.host);
});

describe('transient docker login failures', () => {
  test('a registry that refuses connections at first is retried until it is up', async () => {
    const host = `127.0.0.1:${String(latePort)}`;
    const running = runSteps(world, {
      inputs: { registries: LATE.account, region: REGION, 'login-attempts': '3' },
      phases: 'main',
    });
    // Not awaited yet: the first attempt must find nothing listening on the port. The registry
    // starts 0.5 s after ECR answered (about 1.2 s after the step started): the first attempt
    // comes right after that answer, the third (the last) at least 1.5 s after it.
    let steps: Awaited<typeof running>;
    try {
      const asked = () =>
        world.endpoint.requests.some((r) => r.registryIds?.includes(LATE.account));
      for (let waited = 0; !asked() && waited < 20_000; waited += 20) await sleep(20);
      await sleep(500);
      world.add(
        await startRegistry({ password: LATE.password, certs: world.certs, port: latePort }),
      );
    } finally {
      steps = await running;
    }
    const run = steps.main;

    expect({ exit: run.mainExit, stderr: run.stderr }).toEqual({ exit: 0, stderr: '' });
    expect(run.leaks).toEqual([]);
    const retries = logLines(run, /^Login to .* failed \(attempt/);
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(retries.length).toBeLessThanOrEqual(2); // the third attempt is the last one
    retries.forEach((line, i) => {
      const attempt = i + 1;
      expect(line).toMatch(
        new RegExp(
          `^Login to ${escapeRegExp(host)} failed \\(attempt ${String(attempt)} of 3\\): ` +
            `.*connection refused; retrying in (\\d+\\.\\d) s$`,
        ),
      );
      // Backoff with jitter: 0.5–1 s after the first attempt, 1–2 s after the second.
      const delay = Number(/retrying in (\d+\.\d) s$/.exec(line)?.[1]);
      expect(delay).toBeGreaterThanOrEqual(0.5 * attempt);
      expect(delay).toBeLessThanOrEqual(1.0 * attempt);
    });
    expect(run.log).toContain(`Logged in to ${host} (${REGION}) with docker`);
    expect(run.outputs.registry).toBe(host);
    expect(steps.after.main.config).toEqual({
      auths: { [host]: { auth: encodeToken(LATE.password) } },
    });
    expect(world.endpoint.requests.filter((r) => r.registryIds?.[0] === LATE.account)).toHaveLength(
      1,
    );
    // The staging configs of the attempts are gone: the run directory holds the records alone.
    expect(steps.after.main.temp).toEqual(runDirEntries(run));
  }, 60_000);

  test('login-timeout bounds each attempt against a registry that never answers', async () => {
    const connectionsBefore = blackHole.connections;
    const started = Date.now();
    const steps = await runSteps(world, {
      inputs: {
        registries: SILENT.account,
        region: REGION,
        'login-attempts': '2',
        'login-timeout': '1',
      },
      phases: 'main',
      timeoutMs: 30_000,
    });
    const elapsed = Date.now() - started;
    const run = steps.main;

    expect(run.mainExit).toBe(1);
    expect(run.leaks).toEqual([]);
    const host = escapeRegExp(blackHole.host);
    expect(logLines(run, /retrying in/)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Login to ${host} failed \\(attempt 1 of 2\\): timed out after 1 s; retrying in \\d\\.\\d s$`,
        ),
      ),
    ]);
    expect(errorsOf(run)).toEqual([
      `docker login to ${blackHole.host} failed: timed out after 1 s (after 2 attempts)`,
    ]);
    expect(blackHole.connections - connectionsBefore).toBeGreaterThanOrEqual(2);
    // Two 1 s attempts and one backoff of at most 1 s, plus start-up: a bound, not a benchmark.
    expect(run.mainMs).toBeGreaterThanOrEqual(2000);
    expect(elapsed).toBeLessThan(10_000);
    expect(steps.after.main.temp).toEqual([]);
  }, 30_000);

  test('a registry answering 503 for one attempt is retried and logged in to', async () => {
    // One docker login attempt is two requests: GET /v2/ for the auth challenge, then GET /v2/
    // with the credentials. (A failure of the first alone makes docker send the second without
    // credentials and report the registry's "401 Unauthorized", a refusal, which is not retried.)
    // How docker reports other statuses is classified in __tests__/retry.test.ts.
    const front = world.add(await startFlakyFront(behindHost, REQUESTS_PER_ATTEMPT, 503));
    world.answer(FLAKY, BEHIND.password, front.host);
    const steps = await runSteps(world, {
      inputs: { registries: FLAKY, region: REGION },
      phases: 'main',
    });
    const run = steps.main;
    expect({ exit: run.mainExit, stderr: run.stderr, leaks: run.leaks }).toEqual({
      exit: 0,
      stderr: '',
      leaks: [],
    });
    expect(logLines(run, /retrying/)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Login to ${escapeRegExp(front.host)} failed \\(attempt 1 of 3\\): ` +
            `login attempt to http://${escapeRegExp(front.host)}/v2/ failed with status: ` +
            '503 Service Unavailable; retrying in (0\\.[5-9]|1\\.0) s$',
        ),
      ),
    ]);
    expect(front.failed).toBe(REQUESTS_PER_ATTEMPT);
    expect(steps.after.main.config).toEqual({
      auths: { [front.host]: { auth: encodeToken(BEHIND.password) } },
    });
  }, 30_000);
});
