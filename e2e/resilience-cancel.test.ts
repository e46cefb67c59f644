// A cancelled or killed main step: the logins that landed are logged out by the post step, the
// CLIs still running are stopped, and no file of the job keeps a registry password.
import { afterEach, beforeAll, expect, test } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { startBlackHole } from './support/blackhole.ts';
import { authsOf } from './support/ecr-tokens.ts';
import { dockerCanRead, pushImage } from './support/images.ts';
import { runDirEntries, runSteps, type RunDirs } from './support/jobs.ts';
import { filesHolding, killAll, processesOf, recordsIn, runDirsIn } from './support/leftovers.ts';
import { logLines, logoutLine } from './support/log.ts';
import { cancelStep, waitUntil } from './support/proc.ts';
import { expectHygiene, runDirState, useWorld } from './support/use-world.ts';

const REGION = 'eu-west-1';
const REPO = 'e2e/cancel';
const TAG = 'v1';
/** Registries that answer at once: their logins land before the step is stopped. */
const FAST = [
  { account: '710000000001', password: '1-cancel-fast-registry-password' },
  { account: '710000000002', password: '2-cancel-fast-registry-password' },
];
/** Registries that accept the connection and never answer: their docker logins hang. */
const HUNG = [
  { account: '710000000011', password: '11-cancel-hung-registry-password' },
  { account: '710000000012', password: '12-cancel-hung-registry-password' },
];
const inputs = {
  registries: [FAST[0], HUNG[0], FAST[1], HUNG[1]].map((r) => r?.account).join(','),
  region: REGION,
};

const world = useWorld(FAST);
let fastHosts: string[];
let hungHosts: string[];
/** Registry host → the password ECR hands out for it. */
let logins: Record<string, string>;
beforeAll(async () => {
  fastHosts = world.hosts;
  hungHosts = [];
  for (const { account, password } of HUNG) {
    const hole = world.add(await startBlackHole());
    world.answer(account, password, hole.host);
    hungHosts.push(hole.host);
  }
  const passwords = [...FAST, ...HUNG].map((r) => r.password);
  logins = Object.fromEntries([...fastHosts, ...hungHosts].map((h, i) => [h, passwords[i] ?? '']));
  await pushImage(world.registries, world.certs, REPO, TAG);
}, 60_000);

/** Runs a test looked at: whatever happened, no process of theirs outlives the test. */
const runs = new Set<string>();
afterEach(() => {
  for (const runDir of runs) killAll(processesOf(runDir));
  runs.clear();
});

/** The docker logins still running for `runDir`, by host, sorted. */
const runningLogins = (runDir: string): string[] => {
  runs.add(runDir);
  return processesOf(runDir)
    .flatMap((p) => (p.args[1] === 'login' ? [p.args.at(-1) ?? ''] : []))
    .sort();
};

/**
 * Waits until the fast registries' logins are recorded and the docker logins of the hung ones
 * are running; returns the run directory.
 */
async function untilLoginsHang(dirs: RunDirs): Promise<string> {
  let runDir = '';
  await waitUntil(async () => {
    runDir = (await runDirsIn(dirs.runnerTemp))[0] ?? '';
    const recorded = new Set((await recordsIn(dirs.runnerTemp)).map((r) => r.host));
    return (
      fastHosts.every((h) => recorded.has(h)) &&
      runDir !== '' &&
      runningLogins(runDir).join() === [...hungHosts].sort().join()
    );
  }, 'the fast logins to land while the others hang');
  return runDir;
}

/**
 * What the job leaves for what comes after it: the docker logins of the run still running,
 * whether docker can read each fast registry with the job's config, and every file under the
 * job's directories (HOME, DOCKER_CONFIG, RUNNER_TEMP, XDG_RUNTIME_DIR, REGISTRY_AUTH_FILE)
 * that holds a registry password or its base64 `auth` form.
 */
const whatIsLeft = async (runDir: string, dirs: RunDirs) => ({
  running: runningLogins(runDir),
  readable: await Promise.all(
    fastHosts.map((h) => dockerCanRead(dirs.dockerConfig, h, REPO, TAG, world.env)),
  ),
  holding: await filesHolding([dirs.root], world.secrets),
});

test('cancelled as the runner does while logins hang: main stops at once, the post step logs out of what landed, nothing is left', async () => {
  let cancel: Awaited<ReturnType<typeof cancelStep>> | undefined;
  let runDir = '';
  const checks: Record<string, unknown> = {};
  const steps = await runSteps(world, {
    inputs,
    timeoutMs: 30_000,
    whileMain: async (step, dirs) => {
      runDir = await untilLoginsHang(dirs);
      cancel = await cancelStep(step, 2000);
    },
    afterMain: async (_main, dirs) => {
      checks.afterMain = await whatIsLeft(runDir, dirs);
    },
    afterPost: async (_post, dirs) => {
      checks.afterPost = await whatIsLeft(runDir, dirs);
    },
  });
  const { main, post, dirs } = steps;

  // SIGINT alone ended the step, within moments.
  expect(cancel?.signals).toEqual(['SIGINT']);
  expect(cancel?.ms).toBeLessThan(3000);
  expect(main.mainExit).toBe(1);
  expect(logLines(main).at(-1)).toBe(
    'Stopped by SIGINT: the post step logs out of the registries logged in so far.',
  );
  expect(main.outputs).toEqual({});
  expect(main.state).toEqual(runDirState(dirs));
  expect(steps.logins.map((l) => l.host).sort()).toEqual([...fastHosts].sort());
  // Main killed the hung logins and deleted their staging directories; only the landed
  // credentials are on disk, in config.json, and a later docker command can use them.
  expect(steps.after.main.config).toEqual(
    authsOf(Object.fromEntries(fastHosts.map((h) => [h, logins[h] ?? '']))),
  );
  // the records, and no mark of a main step that ended by itself: the post step looks for CLIs
  expect(steps.after.main.temp).toEqual(runDirEntries(main).filter((e) => !e.endsWith('/ended')));
  expect(checks.afterMain).toEqual({
    running: [],
    readable: [true, true],
    holding: [`${dirs.dockerConfig}/config.json`],
  });

  expect(post?.postExit).toBe(0);
  expect(logLines(post)).toEqual(steps.logins.map((l) => logoutLine(l.host)));
  expect(steps.after.post?.config).toEqual({ auths: {} });
  expect(steps.after.post?.temp).toEqual([]);
  expect(checks.afterPost).toEqual({ running: [], readable: [false, false], holding: [] });
  expectHygiene(steps, logins);
}, 60_000);

test('main killed (SIGKILL) while logins hang: the post step stops the orphaned CLIs, deletes the interrupted write, logs out of what landed', async () => {
  let runDir = '';
  let planted = '';
  let mainPid = 0;
  const checks: Record<string, unknown> = {};
  const steps = await runSteps(world, {
    inputs,
    timeoutMs: 30_000,
    whileMain: async (step, dirs) => {
      runDir = await untilLoginsHang(dirs);
      mainPid = step.pid ?? 0;
      step.kill('SIGKILL');
    },
    afterMain: async (_main, dirs) => {
      // What a kill between the write of config.json's new content and its rename leaves.
      const file = (await recordsIn(dirs.runnerTemp))[0]?.file ?? '';
      // This run's temporary files are named by its run directory's suffix and the writer's PID.
      const tag = runDir.slice(runDir.lastIndexOf('-') + 1);
      planted = `${file}.ecr-login-${tag}-${String(mainPid)}-1.tmp`;
      await writeFile(planted, JSON.stringify(authsOf(logins), null, '\t'), { mode: 0o600 });
      checks.afterMain = await whatIsLeft(runDir, dirs);
    },
    afterPost: async (_post, dirs) => {
      checks.afterPost = await whatIsLeft(runDir, dirs);
    },
  });
  const { main, post, dirs } = steps;

  expect(main.mainExit).toBeNull(); // killed by the signal
  expect(main.state).toEqual(runDirState(dirs));
  expect(steps.logins.map((l) => l.host).sort()).toEqual([...fastHosts].sort());
  // The hung docker logins outlived main; the landed credentials and the planted file hold
  // passwords.
  expect(checks.afterMain).toEqual({
    running: [...hungHosts].sort(),
    readable: [true, true],
    holding: [`${dirs.dockerConfig}/config.json`, planted].sort(),
  });

  expect(post?.postExit).toBe(0);
  expect(logLines(post)).toEqual([
    `Stopped ${String(HUNG.length)} CLI process(es) that the main step left running`,
    ...steps.logins.map((l) => logoutLine(l.host)),
    `Deleted a temporary credential file left by an interrupted write: ${planted}`,
  ]);
  expect(steps.after.post?.config).toEqual({ auths: {} });
  expect(steps.after.post?.docker).toEqual(['config.json']);
  expect(steps.after.post?.temp).toEqual([]);
  expect(checks.afterPost).toEqual({ running: [], readable: [false, false], holding: [] });
  expectHygiene(steps, logins);
}, 60_000);
