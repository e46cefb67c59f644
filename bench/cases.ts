// The measured cases, in the table's order: start-up (with the own spawner's breakdown), 1, 10
// and 10-in-3-regions registries, the post step; then the floors (floors.ts).
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NODE_BIN } from '../e2e/support/action-yml.ts';
import { readJson } from '../e2e/support/jobs.ts';
import { dockerLogin, floors, sdkFloor } from './floors.ts';
import type { Options } from './options.ts';
import { check, measure, progress, type Row } from './report.ts';
import { dockerEnv, now, spawnTimed, startRelay } from './spawn.ts';
import {
  ACCOUNTS,
  authsIn,
  checkMain,
  freshDir,
  NAMED,
  REGION,
  resetCounters,
  runCase,
  stepEnv,
  type Bench,
  type Case,
} from './steps.ts';

type Add = (name: string, samples: number[]) => void;

const [first = ''] = ACCOUNTS;
const one: Case = { entries: [first], calls: { [REGION]: [first] } };
const ten: Case = { entries: ACCOUNTS, calls: { [REGION]: ACCOUNTS } };
const spread: Case = {
  entries: [...ACCOUNTS.slice(0, 4), ...NAMED.map((n) => n.name)],
  calls: { [REGION]: ACCOUNTS.slice(0, 4) },
  proxy: true,
};
for (const { region, account } of NAMED) (spread.calls[region] ??= []).push(account);

function setLatencies(b: Bench, api: number, login: number): void {
  b.world.endpoint.latencyMs = api;
  b.standin.latencyMs = login;
}

/** Sanity: docker accepts the stand-in, and refuses a wrong password. */
async function checkStandin(b: Bench): Promise<void> {
  setLatencies(b, 0, 0);
  for (const password of [undefined, 'wrong-password']) {
    const r = await dockerLogin(b, first, password);
    const ok = password === undefined;
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
async function ownSpawner(opts: Options, b: Bench, add: Add): Promise<void> {
  const { endpoint } = b.world;
  const relay = b.world.add(await startRelay(endpoint.url));
  const connect: number[] = [];
  const hello: number[] = [];
  const request: number[] = [];
  const exit = await measure(opts, 'own spawner', async (round) => {
    const what = `first-request ${String(round)}`;
    const dockerConfig = await freshDir(b.world);
    const { env, script } = await stepEnv(b, one, {
      DOCKER_CONFIG: dockerConfig,
      AWS_ENDPOINT_URL_ECR: relay.url,
    });
    resetCounters(b);
    relay.connections.length = 0;
    const r = await spawnTimed(NODE_BIN, [script], env);
    check(r.code === 0, `${what}: the main step exited ${String(r.code)}: ${r.output}`);
    checkMain(b, one, await readJson(join(dockerConfig, 'config.json')), what);
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
  add('  floor: the AWS SDK alone, spawn → API connection', await sdkFloor(opts, b, relay));
}

/** The main step through the runner emulation, `label` for progress and failures. */
const mainCase = (opts: Options, b: Bench, c: Case, label: string, what = label) =>
  measure(opts, label, async (round) => {
    const job = await runCase(b, c, `${what} ${String(round)}`);
    await job.cleanup();
    return job.main.mainMs ?? NaN;
  });

async function dockerLogout(hosts: string[], dockerConfig: string): Promise<void> {
  for (const host of hosts) {
    const result = await spawnTimed('docker', ['logout', host], dockerEnv(dockerConfig));
    check(result.code === 0, `docker logout ${host} failed: ${result.output}`);
  }
}

/** The post step after a main step with 10 registries, and 10 `docker logout` for comparison. */
async function postStep(opts: Options, b: Bench, add: Add): Promise<void> {
  const tenHosts = ACCOUNTS.map((a) => b.login.get(a)?.host ?? a);
  const logoutSamples: number[] = [];
  const postSamples = await measure(opts, 'post', async (round) => {
    const what = `post ${String(round)}`;
    const job = await runCase(b, ten, `${what} (main)`);
    // The same 10 credentials, for `docker logout`.
    const copy = await freshDir(b.world);
    await copyFile(join(job.dirs.dockerConfig, 'config.json'), join(copy, 'config.json'));
    const post = await job.runPost();
    check(
      post.postExit === 0,
      `${what}: the post step exited ${String(post.postExit)}: ${post.log}`,
    );
    const left = Object.keys(authsIn((await job.snapshot()).config));
    check(left.length === 0, `${what}: the post step left ${left.join(', ')}`);
    await job.cleanup();
    const started = now();
    await dockerLogout(tenHosts, copy);
    const logoutMs = now() - started;
    const leftByCli = Object.keys(authsIn(await readJson(join(copy, 'config.json'))));
    check(leftByCli.length === 0, `${what}: docker logout left ${leftByCli.join(', ')}`);
    if (round >= opts.warmup) logoutSamples.push(logoutMs);
    return post.postMs ?? NaN;
  });
  add('post step, 10 registries', postSamples);
  add('  vs 10 sequential `docker logout`', logoutSamples);
}

export async function bench(opts: Options, b: Bench): Promise<Row[]> {
  const rows: Row[] = [];
  const add: Add = (name, samples) => rows.push({ name, samples });

  await checkStandin(b);

  progress('start-up (no latency, 1 registry)');
  setLatencies(b, 0, 0);
  add(
    'start-up → exit, 1 registry, no latency',
    await mainCase(opts, b, one, 'runner', 'start-up'),
  );
  await ownSpawner(opts, b, add);

  setLatencies(b, opts.apiLatencyMs, opts.loginLatencyMs);
  progress('1 registry');
  add('1 registry', await mainCase(opts, b, one, '1 registry'));

  progress('10 registries, 1 region');
  add('10 registries, 1 region (1 call)', await mainCase(opts, b, ten, '10 registries'));

  progress('10 registries, 3 regions');
  add('10 registries, 3 regions (4+3+3, 3 calls)', await mainCase(opts, b, spread, '3 regions'));

  progress('post step, 10 registries');
  await postStep(opts, b, add);

  progress('floor');
  rows.push(...(await floors(opts, b)));
  return rows;
}
