// Resilience of the docker logins: a registry that is down at first and then comes up, a
// registry that refuses the password, and a registry that accepts connections but never answers.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startBlackHole, type BlackHole } from './support/blackhole.ts';
import { makeCerts, type TestCerts } from './support/certs.ts';
import { EcrEndpoint } from './support/ecr-endpoint.ts';
import { encodeToken, type RegistryAuth } from './support/ecr-tokens.ts';
import { startFlakyFront } from './support/flaky-front.ts';
import { checkPrereqs } from './support/prereqs.ts';
import { freePort, sleep } from './support/proc.ts';
import { startRegistry, type TestRegistry } from './support/registry.ts';
import {
  apiEnv,
  escapeRegExp,
  linesMatching,
  listDir,
  makeRunDirs,
  Cleanups,
} from './support/resilience-env.ts';
import { runAction } from './support/runner.ts';

checkPrereqs();

const REGION = 'eu-west-1';
const LATE = { account: '111111111111', password: 'late-registry-password-1' };
const REFUSING = { account: '222222222222', password: 'refusing-registry-password-2' };
/** What the endpoint hands out for the refusing registry: not its password. */
const WRONG_PASSWORD = 'wrong-password-handed-out-by-ecr-3';
/** Requests one `docker login` attempt makes to a plain-HTTP registry that answers 5xx. */
const REQUESTS_PER_ATTEMPT = 2;
const SILENT = { account: '333333333333', password: 'black-hole-password-4' };

let certs: TestCerts;
let endpoint: EcrEndpoint;
let latePort: number;
let refusing: TestRegistry;
let blackHole: BlackHole;
/** What the endpoint answers per account; tests add entries for registries they start. */
const auth: Record<string, RegistryAuth> = {};

const cleanups = new Cleanups();
afterAll(() => cleanups.run());

beforeAll(async () => {
  certs = cleanups.add(await makeCerts());
  latePort = await freePort();
  // Plain HTTP: docker's HTTPS try fails, its HTTP fallback gets the 401 (with TLS the fallback
  // would get "400 Bad Request" from the TLS port instead, which hides the refusal).
  refusing = cleanups.add(await startRegistry({ password: REFUSING.password }));
  blackHole = cleanups.add(await startBlackHole());
  auth[LATE.account] = { password: LATE.password, host: `127.0.0.1:${String(latePort)}` };
  auth[REFUSING.account] = { password: WRONG_PASSWORD, host: refusing.host };
  auth[SILENT.account] = { password: SILENT.password, host: blackHole.host };
  endpoint = new EcrEndpoint({ certs, auth: (q) => auth[q.registryId] });
  await endpoint.start();
  cleanups.add(endpoint);
}, 60_000);

const savedAuth = async (dockerConfig: string, host: string) => {
  const config = JSON.parse(await readFile(join(dockerConfig, 'config.json'), 'utf8')) as {
    auths?: Record<string, { auth?: string }>;
  };
  return config.auths?.[host]?.auth;
};

describe('transient docker login failures', () => {
  test('a registry that refuses connections at first is retried until it is up', async () => {
    const host = `127.0.0.1:${String(latePort)}`;
    const dirs = await makeRunDirs('e2e-res-late');
    let registry: TestRegistry | undefined;
    try {
      const running = runAction({
        inputs: { registries: LATE.account, region: REGION, 'login-attempts': '3' },
        env: { ...apiEnv(endpoint.url, certs), ...dirs.env },
        secrets: [LATE.password, encodeToken(LATE.password)],
        phases: 'main',
      });
      // Not awaited yet: the first attempt must find nothing listening on the port. The registry
      // starts 0.5 s after ECR answered (about 1.2 s after the step started): the first attempt
      // comes right after that answer, the third (the last) at least 1.5 s after it.
      let run: Awaited<typeof running>;
      try {
        const asked = () => endpoint.requests.some((r) => r.registryIds?.includes(LATE.account));
        for (let waited = 0; !asked() && waited < 20_000; waited += 20) await sleep(20);
        await sleep(500);
        registry = await startRegistry({ password: LATE.password, certs, port: latePort });
      } finally {
        run = await running;
      }

      expect({ exit: run.mainExit, stderr: run.stderr }).toEqual({ exit: 0, stderr: '' });
      expect(run.leaks).toEqual([]);
      const retries = linesMatching(run.log, /^Login to .* failed \(attempt/);
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
      expect(await savedAuth(dirs.dockerConfig.path, host)).toBe(encodeToken(LATE.password));
      expect(endpoint.requests.filter((r) => r.registryIds?.[0] === LATE.account)).toHaveLength(1);
      // The staging configs of the attempts are gone.
      expect(await listDir(dirs.runnerTemp.path)).toEqual([]);
    } finally {
      await registry?.stop();
      await dirs.cleanup();
    }
  }, 60_000);

  test('a refused password is not retried: one attempt, docker’s message, at once', async () => {
    const dirs = await makeRunDirs('e2e-res-refused');
    try {
      const run = await runAction({
        inputs: { registries: REFUSING.account, region: REGION, 'login-attempts': '5' },
        env: { ...apiEnv(endpoint.url, certs), ...dirs.env },
        secrets: [REFUSING.password, WRONG_PASSWORD, encodeToken(WRONG_PASSWORD)],
        phases: 'main',
      });

      expect(run.mainExit).toBe(1);
      expect(run.leaks).toEqual([]);
      expect(run.log).not.toMatch(/retrying/i);
      const errors = run.commands.filter((c) => c.name === 'error').map((c) => c.message);
      expect(errors).toEqual([
        `docker login to ${refusing.host} failed: ` +
          `login attempt to http://${refusing.host}/v2/ failed with status: 401 Unauthorized`,
      ]);
      expect(run.outputs).toEqual({});
      expect(run.state).toEqual({});
      expect(await listDir(dirs.dockerConfig.path)).toEqual([]);
      expect(await listDir(dirs.runnerTemp.path)).toEqual([]);
      // "At once": no backoff wait (the first would be at least 0.5 s) on top of one login.
      expect(run.mainMs).toBeLessThan(5000);
    } finally {
      await dirs.cleanup();
    }
  }, 30_000);

  test('login-timeout bounds each attempt against a registry that never answers', async () => {
    const dirs = await makeRunDirs('e2e-res-silent');
    const connectionsBefore = blackHole.connections;
    try {
      const started = Date.now();
      const run = await runAction({
        inputs: {
          registries: SILENT.account,
          region: REGION,
          'login-attempts': '2',
          'login-timeout': '1',
        },
        env: { ...apiEnv(endpoint.url, certs), ...dirs.env },
        secrets: [SILENT.password, encodeToken(SILENT.password)],
        phases: 'main',
        timeoutMs: 30_000,
      });
      const elapsed = Date.now() - started;

      expect(run.mainExit).toBe(1);
      expect(run.leaks).toEqual([]);
      const host = escapeRegExp(blackHole.host);
      expect(linesMatching(run.log, /retrying in/)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^Login to ${host} failed \\(attempt 1 of 2\\): timed out after 1 s; retrying in \\d\\.\\d s$`,
          ),
        ),
      ]);
      const errors = run.commands.filter((c) => c.name === 'error').map((c) => c.message);
      expect(errors).toEqual([
        `docker login to ${blackHole.host} failed: timed out after 1 s (after 2 attempts)`,
      ]);
      expect(blackHole.connections - connectionsBefore).toBeGreaterThanOrEqual(2);
      // Two 1 s attempts and one backoff of at most 1 s, plus start-up: a bound, not a benchmark.
      expect(run.mainMs).toBeGreaterThanOrEqual(2000);
      expect(elapsed).toBeLessThan(10_000);
      expect(await listDir(dirs.runnerTemp.path)).toEqual([]);
    } finally {
      await dirs.cleanup();
    }
  }, 30_000);

  test.each([
    [503, 'Service Unavailable'],
    [500, 'Internal Server Error'],
    [429, 'Too Many Requests'],
  ])(
    'a registry answering %i for one attempt is retried and logged in to',
    async (status, reason) => {
      const account = `88888888${String(status).padStart(4, '0')}`;
      // One docker login attempt is two requests: GET /v2/ for the auth challenge, then GET /v2/
      // with the credentials. (A failure of the first alone makes docker send the second without
      // credentials and report the registry's "401 Unauthorized", a refusal, which is not retried.)
      const front = await startFlakyFront(refusing.host, REQUESTS_PER_ATTEMPT, status);
      auth[account] = { password: REFUSING.password, host: front.host };
      const dirs = await makeRunDirs(`e2e-res-${String(status)}`);
      try {
        const run = await runAction({
          inputs: { registries: account, region: REGION },
          env: { ...apiEnv(endpoint.url, certs), ...dirs.env },
          secrets: [REFUSING.password, encodeToken(REFUSING.password)],
          phases: 'main',
        });
        expect({ exit: run.mainExit, stderr: run.stderr, leaks: run.leaks }).toEqual({
          exit: 0,
          stderr: '',
          leaks: [],
        });
        expect(linesMatching(run.log, /retrying/)).toEqual([
          expect.stringMatching(
            new RegExp(
              `^Login to ${escapeRegExp(front.host)} failed \\(attempt 1 of 3\\): ` +
                `login attempt to http://${escapeRegExp(front.host)}/v2/ failed with status: ` +
                `${String(status)} ${reason}; retrying in (0\\.[5-9]|1\\.0) s$`,
            ),
          ),
        ]);
        expect(front.failed).toBe(REQUESTS_PER_ATTEMPT);
        expect(await savedAuth(dirs.dockerConfig.path, front.host)).toBe(
          encodeToken(REFUSING.password),
        );
      } finally {
        await dirs.cleanup();
        await front.stop();
      }
    },
    30_000,
  );

  test('a registry that keeps answering 503 fails after login-attempts', async () => {
    const account = '888888888599';
    const front = await startFlakyFront(refusing.host, Infinity, 503);
    auth[account] = { password: REFUSING.password, host: front.host };
    const dirs = await makeRunDirs('e2e-res-503-always');
    try {
      const run = await runAction({
        inputs: { registries: account, region: REGION, 'login-attempts': '2' },
        env: { ...apiEnv(endpoint.url, certs), ...dirs.env },
        secrets: [REFUSING.password, encodeToken(REFUSING.password)],
        phases: 'main',
      });
      expect(run.mainExit).toBe(1);
      expect(run.leaks).toEqual([]);
      expect(linesMatching(run.log, /retrying/)).toHaveLength(1);
      const errors = run.commands.filter((c) => c.name === 'error').map((c) => c.message);
      expect(errors).toEqual([
        `docker login to ${front.host} failed: login attempt to http://${front.host}/v2/ ` +
          'failed with status: 503 Service Unavailable (after 2 attempts)',
      ]);
      expect(front.failed).toBe(2 * REQUESTS_PER_ATTEMPT);
      expect(await listDir(dirs.dockerConfig.path)).toEqual([]);
    } finally {
      await dirs.cleanup();
      await front.stop();
    }
  }, 30_000);
});
