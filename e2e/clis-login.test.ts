// container-cli: podman, buildah and skopeo log in to real HTTPS registries and the post step
// logs them out of the very file they wrote: REGISTRY_AUTH_FILE, or the CLI's own default;
// `auto` takes the first CLI on a real PATH; a real run's job summary.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { lstat, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { authsOf } from './support/ecr-tokens.ts';
import { loginRecord, readJson, runDirEntries, runSteps, type Steps } from './support/jobs.ts';
import { logLines as lines } from './support/log.ts';
import { CONTAINER_CLIS, pathWith } from './support/prereqs.ts';
import { runDirState, useWorld } from './support/use-world.ts';

const REGION = 'eu-west-1';
const A = '210000000001';
const B = '210000000002';
const BAD = '210000000003';
const PASSWORD_A = 'a-clis-login-password-0001';
const PASSWORD_B = 'b-clis-login-password-0002';
const PASSWORD_BAD = 'c-clis-login-password-0003';
const WRONG = 'd-clis-login-wrong-password';
/** Where podman, buildah and skopeo keep credentials when nothing else says: never touched here. */
const ROOT_AUTH_FILE = '/run/containers/0/auth.json';
/** Whether the CLIs' root default credential file exists, and its bytes (to prove it untouched). */
async function rootAuthSnapshot(): Promise<string> {
  const info = await lstat(ROOT_AUTH_FILE).catch(() => undefined);
  if (info === undefined) return 'absent';
  return `${String(info.mtimeMs)}:${(await readFile(ROOT_AUTH_FILE)).toString('base64')}`;
}
let rootAuthBefore = '';
beforeAll(async () => {
  rootAuthBefore = await rootAuthSnapshot();
});
const clis = { prereqs: [...CONTAINER_CLIS] };
const world = useWorld(
  [
    { account: A, password: PASSWORD_A },
    { account: B, password: PASSWORD_B },
    { account: BAD, password: PASSWORD_BAD, answer: WRONG },
  ],
  clis,
);
let hostA = '';
let hostB = '';
let hostBad = '';
beforeAll(() => {
  [hostA = '', hostB = '', hostBad = ''] = world.hosts;
});
afterAll(async () => {
  // No run may have written the CLIs' machine-wide default file.
  expect(await rootAuthSnapshot()).toBe(rootAuthBefore);
});

/** Every login ran `<cli> login --username AWS --password-stdin <host>`; no secret in any argv. */
function expectCleanExecs(run: Steps): void {
  expect(run.leaks).toEqual([]);
  for (const exec of [...run.execs, ...run.postExecs]) {
    for (const secret of world.secrets) expect(exec.args.join(' ')).not.toContain(secret);
    if (exec.args[1] === 'login') {
      expect(exec.args.slice(1, -1)).toEqual(['login', '--username', 'AWS', '--password-stdin']);
    }
  }
}

test.each(CONTAINER_CLIS)(
  '%s logs in to REGISTRY_AUTH_FILE and the post step logs it out',
  async (cli) => {
    const run = await runSteps(world, {
      inputs: { registries: A, region: REGION, 'container-cli': cli },
    });
    expect([run.main.mainExit, run.post?.postExit]).toEqual([0, 0]);
    const expiresAt = run.main.outputs['expires-at'] ?? '';
    expect(expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(run.after.main.authFile).toEqual(authsOf({ [hostA]: PASSWORD_A }));
    expect(run.after.post?.authFile).toEqual({ auths: {} });
    // docker was not asked for: its config and the CLIs' default file stay untouched.
    expect(run.after.main.config).toBeUndefined();
    expect(run.after.post?.config).toBeUndefined();
    expect(run.after.main.xdgAuthFile).toBeUndefined();
    expect(lines(run.main)).toEqual([
      `▶ Logged in to ${hostA} (${REGION}) with ${cli}`,
      `${cli}: Login Succeeded!`,
      `Credentials expire at ${expiresAt}`,
    ]);
    expect(lines(run.post)).toEqual([`Logged out of ${hostA} (${cli})`]);
    expect(run.execs.map((e) => [e.args, e.code])).toEqual([
      [[cli, 'login', '--username', 'AWS', '--password-stdin', hostA], 0],
    ]);
    expect(run.postExecs.map((e) => [e.args, e.code])).toEqual([[[cli, 'logout', hostA], 0]]);
    expect(run.main.state).toEqual(runDirState(run.dirs));
    expect(run.after.main.temp).toEqual(runDirEntries(run.main));
    expect(run.after.post?.temp).toEqual([]);
    expectCleanExecs(run);
  },
  60_000,
);

test('container-cli: auto, on a PATH without docker, takes podman (before skopeo)', async () => {
  const PATH = world.add(await pathWith(['podman', 'skopeo'])).path;
  const run = await runSteps(world, {
    inputs: { registries: A, region: REGION, 'container-cli': 'auto' },
    env: { PATH },
  });
  expect([run.main.mainExit, run.post?.postExit]).toEqual([0, 0]);
  expect(run.execs.map((e) => [e.args, e.code])).toEqual([
    [['podman', 'login', '--username', 'AWS', '--password-stdin', hostA], 0],
  ]);
  expect(run.after.main.authFile).toEqual(authsOf({ [hostA]: PASSWORD_A }));
  expect(lines(run.post)).toEqual([`Logged out of ${hostA} (podman)`]);
  expectCleanExecs(run);
}, 60_000);

test('a refused password with podman fails naming podman and the registry, and leaves nothing', async () => {
  const run = await runSteps(world, {
    inputs: { registries: BAD, region: REGION, 'container-cli': 'podman' },
  });
  expect([run.main.mainExit, run.post?.postExit]).toEqual([1, 0]);
  expect(lines(run.main)).toEqual([
    `Error: podman login to ${hostBad} failed: Error: logging into "${hostBad}": invalid username/password`,
  ]);
  // A refusal is not retried.
  expect(run.execs.map((e) => [e.args, e.code])).toEqual([
    [['podman', 'login', '--username', 'AWS', '--password-stdin', hostBad], 125],
  ]);
  expect(run.main.outputs).toEqual({});
  expect(run.main.state).toEqual(runDirState(run.dirs));
  // podman writes the file itself: its login was recorded before it started, and stays pending.
  expect(run.logins).toEqual([
    loginRecord(hostBad, 'podman', run.dirs.authFile, WRONG, { pending: true }),
  ]);
  // podman creates no file for a failed login; if one existed it would hold no entry.
  const auths = (run.after.main.authFile as { auths?: object } | undefined)?.auths ?? {};
  expect(auths).toEqual({});
  expect(run.after.main.config).toBeUndefined();
  expect([run.after.main.temp, run.after.post?.temp]).toEqual([runDirEntries(run.main), []]);
  // podman never wrote its file: nothing to log out of, nothing run, nothing said about it
  expect(lines(run.post)).toEqual(['No registry to log out of.']);
  expect(run.postExecs).toEqual([]);
  expectCleanExecs(run);
}, 60_000);

test('docker, podman, buildah and skopeo all log in to two registries, one summary row each; post removes them all', async () => {
  const run = await runSteps(world, {
    inputs: {
      registries: `${A}, ${B}`,
      region: REGION,
      'container-cli': 'docker, podman, buildah, skopeo',
    },
  });
  expect([run.main.mainExit, run.post?.postExit]).toEqual([0, 0]);
  const both = { [hostA]: PASSWORD_A, [hostB]: PASSWORD_B };
  expect(run.after.main.config).toEqual(authsOf(both));
  expect(run.after.main.authFile).toEqual(authsOf(both));
  expect(run.after.post?.config).toEqual({ auths: {} });
  expect(run.after.post?.authFile).toEqual({ auths: {} });
  expect(run.after.main.xdgAuthFile).toBeUndefined();
  const expiresAt = run.main.outputs['expires-at'] ?? '';
  // The job summary: a row per registry with its region, the CLIs and the expiry; nothing secret.
  const ROW = /<tr><td>.*?<\/td><\/tr>/g;
  const summary = run.main.summary;
  const shown = `${expiresAt.slice(0, 10)} ${expiresAt.slice(11, 16)}`;
  const row = (host: string) =>
    `<tr><td><code>${host}</code></td><td>${REGION}</td><td>docker, podman, buildah, skopeo</td>` +
    `<td>${shown}</td></tr>`;
  expect({ rows: (summary.match(ROW) ?? []).sort(), rest: summary.replace(ROW, '<row>') }).toEqual({
    rows: [row(hostA), row(hostB)].sort(),
    rest:
      '<h3>Amazon ECR login</h3>\n<table><tr><th>Registry</th><th>Region</th><th>CLI</th>' +
      '<th>Credentials expire (UTC)</th></tr><row><row></table>\n',
  });
  expect(run.post?.summary).toBe('');
  for (const secret of world.secrets) expect(summary).not.toContain(secret);
  const block = (host: string) => [
    `▶ Logged in to ${host} (${REGION}) with docker, podman, buildah, skopeo`,
    'docker: Login Succeeded',
    'podman: Login Succeeded!',
    'buildah: Login Succeeded!',
    'skopeo: Login Succeeded!',
    `Credentials expire at ${expiresAt}`,
  ];
  const mainLines = lines(run.main);
  const first = mainLines.slice(0, 6);
  const second = mainLines.slice(6);
  expect([first, second].sort((x, y) => (x[0] ?? '').localeCompare(y[0] ?? ''))).toEqual(
    [block(hostA), block(hostB)].sort((x, y) => (x[0] ?? '').localeCompare(y[0] ?? '')),
  );
  const logins = run.execs.filter((e) => e.args[1] === 'login');
  expect(
    logins.map((e) => `${e.args[0] ?? ''} ${e.args.at(-1) ?? ''} ${String(e.code)}`).sort(),
  ).toEqual(
    ['docker', 'podman', 'buildah', 'skopeo']
      .flatMap((cli) => [`${cli} ${hostA} 0`, `${cli} ${hostB} 0`])
      .sort(),
  );
  // The three share one file: the first logout (podman's) removes both hosts from it, the other
  // two find them gone. docker's credentials are removed from config.json by the action itself.
  expect([...lines(run.post)].sort()).toEqual(
    [
      `Logged out of ${hostA} (docker)`,
      `Logged out of ${hostB} (docker)`,
      `Logged out of ${hostA} (podman)`,
      `Logged out of ${hostB} (podman)`,
      `Already logged out of ${hostA} (buildah)`,
      `Already logged out of ${hostB} (buildah)`,
      `Already logged out of ${hostA} (skopeo)`,
      `Already logged out of ${hostB} (skopeo)`,
    ].sort(),
  );
  expect(run.after.main.temp).toEqual(runDirEntries(run.main));
  expect(run.after.post?.temp).toEqual([]);
  expectCleanExecs(run);
}, 90_000);

test('without REGISTRY_AUTH_FILE or DOCKER_CONFIG podman uses its own default, $XDG_RUNTIME_DIR/containers/auth.json, and post cleans it there', async () => {
  const run = await runSteps(world, {
    inputs: { registries: A, region: REGION, 'container-cli': 'podman' },
    unset: ['REGISTRY_AUTH_FILE', 'DOCKER_CONFIG'],
  });
  expect([run.main.mainExit, run.post?.postExit]).toEqual([0, 0]);
  expect(run.after.main.xdgAuthFile).toEqual(authsOf({ [hostA]: PASSWORD_A }));
  expect(run.after.post?.xdgAuthFile).toEqual({ auths: {} });
  expect(run.after.main.authFile).toBeUndefined();
  expect(run.after.main.config).toBeUndefined();
  expect(run.main.exportedEnv).toEqual({});
  // The file the CLIs' own rule names, recorded before podman started and once it had landed.
  const xdgFile = join(run.dirs.xdg, 'containers', 'auth.json');
  expect(run.logins).toEqual([
    loginRecord(hostA, 'podman', xdgFile, PASSWORD_A, { pending: true }),
    loginRecord(hostA, 'podman', xdgFile, PASSWORD_A),
  ]);
  expect(lines(run.post)).toEqual([`Logged out of ${hostA} (podman)`]);
  expect(run.postExecs.map((e) => [e.args, e.code])).toEqual([[['podman', 'logout', hostA], 0]]);
  expectCleanExecs(run);
}, 60_000);

test('without REGISTRY_AUTH_FILE but with DOCKER_CONFIG, podman writes $DOCKER_CONFIG/config.json (its choice) and post removes it there', async () => {
  const run = await runSteps(world, {
    inputs: { registries: A, region: REGION, 'container-cli': 'podman' },
    unset: ['REGISTRY_AUTH_FILE'],
  });
  expect([run.main.mainExit, run.post?.postExit]).toEqual([0, 0]);
  expect(run.after.main.config).toEqual(authsOf({ [hostA]: PASSWORD_A }));
  expect(run.after.post?.config).toEqual({ auths: {} });
  expect([run.after.main.xdgAuthFile, run.after.main.authFile]).toEqual([undefined, undefined]);
  expect(lines(run.post)).toEqual([`Logged out of ${hostA} (podman)`]);
  expectCleanExecs(run);
}, 60_000);

// How the private directory is made and seeded: __tests__/logins.test.ts; with docker:
// resilience-isolation.test.ts.
test('isolate-credentials with podman: a job-private auth.json, seeded, exported, deleted; the shared one untouched', async () => {
  const shared = {
    auths: { 'ghcr.io': { auth: Buffer.from('someone:token').toString('base64') } },
  };
  let [original, after] = ['', ''];
  let privateAuth: unknown;
  const run = await runSteps(world, {
    inputs: {
      registries: A,
      region: REGION,
      'container-cli': 'podman',
      'isolate-credentials': 'true',
    },
    seed: async (dirs) => {
      await writeFile(dirs.authFile, JSON.stringify(shared), { mode: 0o600 });
      original = await readFile(dirs.authFile, 'utf8');
    },
    afterMain: async (main) => {
      privateAuth = await readJson(main.exportedEnv.REGISTRY_AUTH_FILE ?? '');
    },
    afterPost: async (_post, dirs) => {
      after = await readFile(dirs.authFile, 'utf8');
    },
  });
  expect([run.main.mainExit, run.post?.postExit]).toEqual([0, 0]);
  const privateDir = run.main.exportedEnv.DOCKER_CONFIG ?? '';
  expect(privateDir.startsWith(`${run.dirs.runnerTemp}/ecr-login-docker-`)).toBe(true);
  expect(run.main.exportedEnv.REGISTRY_AUTH_FILE).toBe(join(privateDir, 'auth.json'));
  expect(privateAuth).toEqual({
    auths: { ...shared.auths, ...authsOf({ [hostA]: PASSWORD_A }).auths },
  });
  expect(after).toBe(original);
  expect(run.after.main.config).toBeUndefined();
  expect(run.after.post?.temp).toEqual([]);
  expect(lines(run.post)).toEqual([
    `Logged out of ${hostA} (podman)`,
    `Deleted the job-private credential directory ${privateDir}`,
  ]);
  expectCleanExecs(run);
}, 60_000);

// A credential file that a later step deleted means the credential is gone; podman, buildah
// and skopeo would exit non-zero with "checking authfile: stat <file>: no such file or
// directory", and docs/credentials.md says a credential already gone is only reported.
test('a REGISTRY_AUTH_FILE deleted by a later step is reported as already logged out', async () => {
  const run = await runSteps(world, {
    inputs: { registries: A, region: REGION, 'container-cli': 'podman' },
    afterMain: async (_main, dirs) => {
      await rm(dirs.authFile);
    },
  });
  expect([run.main.mainExit, run.post?.postExit]).toEqual([0, 0]);
  expect(lines(run.post)).toEqual([`Already logged out of ${hostA} (podman)`]);
}, 60_000);

// When the host is gone from the CLI's file but a valid credential for it is in
// $DOCKER_CONFIG/config.json, podman, buildah and skopeo logout print "Not logged into <host>
// with current tool. Existing credentials were established via docker login. Please use docker
// logout instead." and exit 0: nothing was removed, so it must not read as a logout.
test('a logout that removed nothing is not reported as a logout', async () => {
  const run = await runSteps(world, {
    inputs: { registries: A, region: REGION, 'container-cli': 'podman' },
    afterMain: async (_main, dirs) => {
      await writeFile(dirs.authFile, '{"auths":{}}');
      await writeFile(
        join(dirs.dockerConfig, 'config.json'),
        JSON.stringify(authsOf({ [hostA]: PASSWORD_A })),
      );
    },
  });
  expect([run.main.mainExit, run.post?.postExit]).toEqual([0, 0]);
  expect(lines(run.post)).toEqual([`Already logged out of ${hostA} (podman)`]);
}, 60_000);

// skopeo reports errors as logrus lines, `time="…" level=fatal msg="…"`, with the message's
// quotes escaped; the step's error carries the message alone.
test("skopeo's refusal reads like podman's, without the logrus wrapper", async () => {
  const run = await runSteps(world, {
    inputs: { registries: BAD, region: REGION, 'container-cli': 'skopeo' },
  });
  expect(lines(run.main)).toEqual([
    `Error: skopeo login to ${hostBad} failed: logging into "${hostBad}": invalid username/password`,
  ]);
}, 60_000);
