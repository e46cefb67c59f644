// The bench's world, the e2e suite's (e2e/support/world.ts) with login stand-ins for registries,
// and running the main step in it with checks of what it did.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { inputEnvName, loadAction, REPO_ROOT } from '../e2e/support/action-yml.ts';
import { authsOf } from '../e2e/support/ecr-tokens.ts';
import { runMain, type Job } from '../e2e/support/jobs.ts';
import { LoginStandin } from '../e2e/support/login-standin.ts';
import { makeTempDir } from '../e2e/support/proc.ts';
import { runnerPath } from '../e2e/support/runner.ts';
import { startWorld, type RegistrySpec, type World } from '../e2e/support/world.ts';
import { check } from './report.ts';

export const REGION = 'eu-west-1';
/** 10 accounts in REGION, named by account ID; their registries are 127.0.0.1:<port>. */
export const ACCOUNTS = Array.from({ length: 10 }, (_, i) => String(100000000001 + i));
/** 3 + 3 registries in two other regions, named by host and reached through the CONNECT proxy. */
export const NAMED = ['us-east-1', 'ap-southeast-2'].flatMap((region, r) =>
  Array.from({ length: 3 }, (_, i) => {
    const account = `${String(r + 2).repeat(10)}0${String(i + 1)}`;
    return { account, region, name: `${account}.dkr.ecr.${region}.amazonaws.com` };
  }),
);

export interface Bench {
  world: World;
  standin: LoginStandin;
  /** Per `registries` entry (account ID or host): the host docker logs in to, its password. */
  login: Map<string, { host: string; password: string }>;
}

export interface Case {
  /** The `registries` input, one entry a line. */
  entries: string[];
  /** The GetAuthorizationToken calls expected: region → registry IDs. */
  calls: Record<string, string[]>;
  /** HTTPS_PROXY (the world's CONNECT proxy) for the named hosts. */
  proxy?: boolean;
}

export async function startBench(): Promise<Bench> {
  const specs: RegistrySpec[] = [
    ...ACCOUNTS.map((account) => ({ account, region: REGION })),
    ...NAMED,
  ].map((s) => ({ ...s, password: `bench-password-${s.account}-${s.region}` }));
  const standin = new LoginStandin();
  const world = await startWorld(specs, { serve: (o) => standin.add(o.password, o.certs) });
  const login = new Map(
    specs.map((s, i) => [
      s.name ?? s.account,
      { host: world.hosts[i] ?? '', password: s.password },
    ]),
  );
  return { world, standin, login };
}

/** A new empty directory, deleted when the world stops. */
export const freshDir = async (world: World) =>
  world.add(await makeTempDir('ecr-login-bench')).path;

/** The world's environment without the e2e exec trace (it would be timed too), and the proxy. */
export const unset = (c: Case) => ['NODE_OPTIONS', ...(c.proxy ? [] : ['HTTPS_PROXY', 'NO_PROXY'])];

export function resetCounters(b: Bench): void {
  b.world.reset();
  b.standin.resetCounts();
}

/** The `auths` of a parsed config.json (jobs.ts's readJson); none when it does not exist. */
export const authsIn = (config: unknown) =>
  (config as { auths?: Record<string, unknown> } | undefined)?.auths ?? {};

/** Checks that config.json holds exactly the case's credentials and the calls were as expected. */
export function checkMain(b: Bench, c: Case, config: unknown, what: string): void {
  const logins = c.entries.map((e) => b.login.get(e) ?? { host: e, password: '?' });
  const { auths: expected } = authsOf(Object.fromEntries(logins.map((l) => [l.host, l.password])));
  const auths = authsIn(config);
  const wrong = Object.keys(expected).filter((h) => !isDeepStrictEqual(auths[h], expected[h]));
  const n = Object.keys(expected).length;
  check(
    wrong.length === 0 && Object.keys(auths).length === n,
    `${what}: config.json holds ${String(Object.keys(auths).length)} of ${String(n)} ` +
      `credentials; missing or wrong: ${wrong.join(', ')}`,
  );
  const { accepted, refused } = b.standin.counts;
  check(
    accepted === n && refused === 0,
    `${what}: the registries accepted ${String(accepted)} logins and refused ` +
      `${String(refused)}, expected ${String(n)} and 0`,
  );
  const sorted = (calls: { region: string; ids: string[]; status: number }[]) =>
    JSON.stringify(calls.sort((x, y) => x.region.localeCompare(y.region)));
  const calls = sorted(
    b.world.endpoint.requests.map((r) => ({
      ...{ region: r.region ?? '?', ids: [...(r.registryIds ?? [])].sort(), status: r.status },
    })),
  );
  const want = sorted(
    Object.entries(c.calls).map(([region, ids]) => ({ region, ids: [...ids].sort(), status: 200 })),
  );
  check(calls === want, `${what}: expected GetAuthorizationToken calls ${want}, got ${calls}`);
}

/** Runs the main step through the runner emulation (e2e/support/jobs.ts) and checks it. */
export async function runCase(b: Bench, c: Case, what: string): Promise<Job> {
  resetCounters(b);
  const job = await runMain(b.world, {
    inputs: { registries: c.entries.join('\n'), region: REGION },
    unset: unset(c),
  });
  const { mainExit, log, stderr } = job.main;
  check(mainExit === 0, `${what}: the main step exited ${String(mainExit)}:\n${log}\n${stderr}`);
  checkMain(b, c, job.afterMain.config, what);
  return job;
}

/** The environment runAction (e2e/support/runner.ts) gives a main step, for our own spawner. */
export async function stepEnv(b: Bench, c: Case, extra: Record<string, string>) {
  const action = await loadAction(REPO_ROOT);
  const dir = await freshDir(b.world);
  const env: Record<string, string> = {
    ...{ PATH: runnerPath(), HOME: process.env.HOME ?? dir, CI: 'true', GITHUB_ACTIONS: 'true' },
    ...{ GITHUB_WORKSPACE: dir, RUNNER_OS: 'Linux', RUNNER_TEMP: dir, ...b.world.env, ...extra },
  };
  for (const name of unset(c)) Reflect.deleteProperty(env, name);
  const inputs: Record<string, string> = { registries: c.entries.join('\n'), region: REGION };
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
