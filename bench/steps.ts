// Running the main and post steps against the world, with checks of what they did.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { inputEnvName, loadAction, REPO_ROOT } from '../e2e/support/action-yml.ts';
import { runAction } from '../e2e/support/runner.ts';
import { check } from './report.ts';
import { REGION, type World } from './world.ts';

export interface Case {
  /** The `registries` input, one entry a line. */
  entries: string[];
  /** The GetAuthorizationToken calls expected: region → registry IDs. */
  calls: Record<string, string[]>;
  /** HTTPS_PROXY for the docker CLI (named hosts). */
  proxy?: boolean;
}

const authOf = (password: string) => Buffer.from(`AWS:${password}`).toString('base64');

let dirCounter = 0;
export async function freshConfigDir(world: World): Promise<string> {
  const dir = join(world.tmp, `docker-${String(++dirCounter)}`);
  await mkdir(dir);
  return dir;
}

export async function readAuths(dir: string): Promise<Record<string, { auth?: string }>> {
  const text = await readFile(join(dir, 'config.json'), 'utf8').catch(() => '{}');
  return (JSON.parse(text) as { auths?: Record<string, { auth?: string }> }).auths ?? {};
}

export function caseEnv(world: World, c: Case, dockerConfig: string): Record<string, string> {
  return {
    ...world.env,
    DOCKER_CONFIG: dockerConfig,
    // One RUNNER_TEMP for main and post, as in a job: the post step reads main's records there.
    RUNNER_TEMP: world.tmp,
    ...(c.proxy ? { HTTPS_PROXY: world.standin.proxyUrl, NO_PROXY: '127.0.0.1,localhost' } : {}),
  };
}

/** Checks that config.json holds exactly the case's credentials and the calls were as expected. */
export async function checkMain(world: World, c: Case, dockerConfig: string, what: string) {
  const hosts = c.entries.map((e) => world.hostOf.get(e) ?? e);
  const auths = await readAuths(dockerConfig);
  const missing = hosts.filter((h) => auths[h]?.auth !== authOf(world.passwordOf.get(h) ?? '?'));
  check(
    missing.length === 0 && Object.keys(auths).length === hosts.length,
    `${what}: config.json holds ${String(Object.keys(auths).length)} of ${String(hosts.length)} ` +
      `credentials; missing or wrong: ${missing.join(', ')}`,
  );
  check(
    world.standin.counts.accepted === hosts.length && world.standin.counts.refused === 0,
    `${what}: the registries accepted ${String(world.standin.counts.accepted)} logins and ` +
      `refused ${String(world.standin.counts.refused)}, expected ${String(hosts.length)} and 0`,
  );
  const calls = world.endpoint.requests.map((r) => ({
    region: r.region ?? '?',
    ids: [...(r.registryIds ?? [])].sort(),
    status: r.status,
  }));
  const expected = Object.entries(c.calls).map(([region, ids]) => ({
    region,
    ids: [...ids].sort(),
    status: 200,
  }));
  const key = (x: { region: string }) => x.region;
  check(
    JSON.stringify(calls.sort((a, b) => key(a).localeCompare(key(b)))) ===
      JSON.stringify(expected.sort((a, b) => key(a).localeCompare(key(b)))),
    `${what}: expected GetAuthorizationToken calls ${JSON.stringify(expected)}, got ${JSON.stringify(calls)}`,
  );
}

export function resetCounters(world: World): void {
  world.endpoint.requests.length = 0;
  world.standin.resetCounts();
}

/** Runs the main step through the runner emulation; returns its time, state and config dir. */
export async function runMain(world: World, c: Case, what: string) {
  const dockerConfig = await freshConfigDir(world);
  resetCounters(world);
  const result = await runAction({
    inputs: { registries: c.entries.join('\n'), region: REGION },
    env: caseEnv(world, c, dockerConfig),
    phases: 'main',
  });
  check(
    result.mainExit === 0,
    `${what}: the main step exited ${String(result.mainExit)}:\n${result.log}\n${result.stderr}`,
  );
  await checkMain(world, c, dockerConfig, what);
  return { ms: result.mainMs ?? NaN, state: result.state, dockerConfig };
}

/** The environment runAction gives a main step: inputs (with defaults), file commands, env. */
export async function stepEnv(
  world: World,
  inputs: Record<string, string>,
  extra: Record<string, string>,
) {
  const action = await loadAction(REPO_ROOT);
  const dir = await freshConfigDir(world);
  const env: Record<string, string> = {
    PATH: (process.env.PATH ?? '/usr/bin:/bin')
      .split(delimiter)
      .filter((p) => !p.includes('node_modules'))
      .join(delimiter),
    HOME: process.env.HOME ?? dir,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: dir,
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: dir,
    ...extra,
  };
  for (const [name, spec] of Object.entries(action.inputs)) {
    env[inputEnvName(name)] = inputs[name] ?? spec.default ?? '';
  }
  for (const file of ['OUTPUT', 'STATE', 'ENV', 'PATH', 'STEP_SUMMARY']) {
    const path = join(dir, `${file.toLowerCase()}-file`);
    await writeFile(path, '');
    env[`GITHUB_${file}`] = path;
  }
  return { env, script: join(action.dir, action.runs.main) };
}
