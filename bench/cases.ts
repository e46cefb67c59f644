// The measured cases, in the table's order: start-up (with the own spawner's breakdown), 1, 10
// and 10-in-3-regions registries, the post step; then the floors (floors.ts).
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NODE_BIN } from '../e2e/support/action-yml.ts';
import { runAction } from '../e2e/support/runner.ts';
import { floors, sdkFloor } from './floors.ts';
import type { Options } from './options.ts';
import { check, measure, progress, type Row } from './report.ts';
import { dockerEnv, now, spawnTimed, startRelay } from './spawn.ts';
import {
  caseEnv,
  checkMain,
  freshConfigDir,
  readAuths,
  resetCounters,
  runMain,
  stepEnv,
  type Case,
} from './steps.ts';
import { ACCOUNTS, NAMED, OTHER_REGIONS, REGION, type World } from './world.ts';

type Add = (name: string, samples: number[]) => void;

const [first = ''] = ACCOUNTS;
const one: Case = { entries: [first], calls: { [REGION]: [first] } };
const ten: Case = { entries: ACCOUNTS, calls: { [REGION]: ACCOUNTS } };
const spread: Case = {
  entries: [...ACCOUNTS.slice(0, 4), ...NAMED.map((n) => n.name)],
  calls: {
    [REGION]: ACCOUNTS.slice(0, 4),
    ...Object.fromEntries(
      OTHER_REGIONS.map((region) => [
        region,
        NAMED.filter((n) => n.region === region).map((n) => n.account),
      ]),
    ),
  },
  proxy: true,
};

function setLatencies(world: World, api: number, login: number): void {
  world.endpoint.latencyMs = api;
  world.standin.latencyMs = login;
}

/** Sanity: docker accepts the stand-in, and refuses a wrong password. */
async function checkStandin(world: World): Promise<void> {
  setLatencies(world, 0, 0);
  const host = world.hostOf.get(first) ?? '';
  for (const [password, ok] of [
    [world.passwordOf.get(host) ?? '', true],
    ['wrong-password', false],
  ] as const) {
    const dir = await freshConfigDir(world);
    const args = ['login', '-u', 'AWS', '--password-stdin', host];
    const r = await spawnTimed('docker', args, dockerEnv(dir), password);
    check(
      (r.code === 0 && r.output.includes('Login Succeeded')) === ok,
      `docker login to the stand-in ${ok ? 'failed' : 'succeeded with a wrong password'}: ${r.output}`,
    );
  }
}

/**
 * The start-up run from a spawner of our own, through a TCP relay in front of the endpoint.
 * All times are from `spawnAt`, taken (performance.timeOrigin + performance.now()) right
 * before child_process.spawn() in this process:
 * - connection accepted / ClientHello: the relay's own timestamps, same clock, sub-ms;
 * - request handled: the endpoint's RecordedRequest.time, a Date (1 ms resolution) taken
 *   after it has read the body and checked the SigV4 signature (no latency in this case).
 */
async function ownSpawner(opts: Options, world: World, add: Add): Promise<void> {
  const { endpoint } = world;
  const relay = await startRelay(endpoint.url);
  try {
    const connect: number[] = [];
    const hello: number[] = [];
    const request: number[] = [];
    const exit = await measure(opts, 'own spawner', async (round) => {
      const what = `first-request ${String(round)}`;
      const dockerConfig = await freshConfigDir(world);
      const { env, script } = await stepEnv(
        world,
        { registries: first, region: REGION },
        { ...caseEnv(world, one, dockerConfig), AWS_ENDPOINT_URL_ECR: relay.url },
      );
      resetCounters(world);
      relay.connections.length = 0;
      const r = await spawnTimed(NODE_BIN, [script], env);
      check(r.code === 0, `${what}: the main step exited ${String(r.code)}: ${r.output}`);
      await checkMain(world, one, dockerConfig, what);
      const [conn] = relay.connections;
      const [req] = endpoint.requests;
      check(conn?.firstByteAt !== undefined && req !== undefined, `${what}: no API connection`);
      if (round >= opts.warmup) {
        connect.push(conn.acceptedAt - r.spawnAt);
        hello.push(conn.firstByteAt - r.spawnAt);
        request.push(req.time.getTime() - r.spawnAt);
      }
      return r.exitAt - r.spawnAt;
    });
    add('  spawn → API connection accepted', connect);
    add('  spawn → TLS ClientHello received', hello);
    add('  spawn → API request handled (ms clock)', request);
    add('  spawn → exit (own spawner)', exit);
    add('  floor: the AWS SDK alone, spawn → API connection', await sdkFloor(opts, world, relay));
  } finally {
    await relay.stop();
  }
}

/** The main step through the runner emulation, `label` for progress and failures. */
const mainCase = (opts: Options, world: World, c: Case, label: string, what = label) =>
  measure(opts, label, async (round) => (await runMain(world, c, `${what} ${String(round)}`)).ms);

async function dockerLogout(hosts: string[], dockerConfig: string): Promise<void> {
  for (const host of hosts) {
    const result = await spawnTimed('docker', ['logout', host], dockerEnv(dockerConfig));
    check(result.code === 0, `docker logout ${host} failed: ${result.output}`);
  }
}

/** The post step after a main step with 10 registries, and 10 `docker logout` for comparison. */
async function postStep(opts: Options, world: World, add: Add): Promise<void> {
  const tenHosts = ACCOUNTS.map((a) => world.hostOf.get(a) ?? a);
  const logoutSamples: number[] = [];
  const postSamples = await measure(opts, 'post', async (round) => {
    const what = `post ${String(round)}`;
    const main = await runMain(world, ten, `${what} (main)`);
    // The same 10 credentials, for `docker logout`.
    const copy = await freshConfigDir(world);
    await copyFile(join(main.dockerConfig, 'config.json'), join(copy, 'config.json'));
    const post = await runAction({
      env: caseEnv(world, ten, main.dockerConfig),
      phases: 'post',
      state: main.state,
    });
    check(
      post.postExit === 0,
      `${what}: the post step exited ${String(post.postExit)}: ${post.log}`,
    );
    const left = Object.keys(await readAuths(main.dockerConfig));
    check(left.length === 0, `${what}: the post step left ${left.join(', ')}`);
    const started = now();
    await dockerLogout(tenHosts, copy);
    const logoutMs = now() - started;
    const leftByCli = Object.keys(await readAuths(copy));
    check(leftByCli.length === 0, `${what}: docker logout left ${leftByCli.join(', ')}`);
    if (round >= opts.warmup) logoutSamples.push(logoutMs);
    return post.postMs ?? NaN;
  });
  add('post step, 10 registries', postSamples);
  add('  vs 10 sequential `docker logout`', logoutSamples);
}

export async function bench(opts: Options, world: World): Promise<Row[]> {
  const rows: Row[] = [];
  const add: Add = (name, samples) => rows.push({ name, samples });

  await checkStandin(world);

  progress('start-up (no latency, 1 registry)');
  setLatencies(world, 0, 0);
  add(
    'start-up → exit, 1 registry, no latency',
    await mainCase(opts, world, one, 'runner', 'start-up'),
  );
  await ownSpawner(opts, world, add);

  setLatencies(world, opts.apiLatencyMs, opts.loginLatencyMs);
  progress('1 registry');
  add('1 registry', await mainCase(opts, world, one, '1 registry'));

  progress('10 registries, 1 region');
  add('10 registries, 1 region (1 call)', await mainCase(opts, world, ten, '10 registries'));

  progress('10 registries, 3 regions');
  add(
    '10 registries, 3 regions (4+3+3, 3 calls)',
    await mainCase(opts, world, spread, '3 regions'),
  );

  progress('post step, 10 registries');
  await postStep(opts, world, add);

  progress('floor');
  rows.push(...(await floors(opts, world)));
  return rows;
}
