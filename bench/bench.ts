// `npm run bench`: times the committed dist/ through the runner emulation (e2e/support/runner.ts)
// against the local ECR endpoint and a login stand-in (bench/login-standin.ts), with a fixed
// latency per GetAuthorizationToken call and per registry login, and prints medians.
//
//   node bench/bench.ts [--rounds 7] [--warmup 2] [--login-latency-ms 150] [--api-latency-ms 60]
//   (or BENCH_ROUNDS, BENCH_WARMUP, BENCH_LOGIN_LATENCY_MS, BENCH_API_LATENCY_MS)
//
// Nothing is written into the repository; every server is stopped at the end, also on failure
// and on Ctrl-C. A run that loses a credential, or makes other API calls than expected, fails
// the benchmark (exit 1).
import { spawn } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { inputEnvName, loadAction, NODE_BIN, REPO_ROOT } from '../e2e/support/action-yml.ts';
import { makeCerts } from '../e2e/support/certs.ts';
import { EcrEndpoint, TEST_CREDENTIALS } from '../e2e/support/ecr-endpoint.ts';
import type { AuthTable } from '../e2e/support/ecr-tokens.ts';
import { makeTempDir } from '../e2e/support/proc.ts';
import { runAction } from '../e2e/support/runner.ts';
import { LoginStandin } from './login-standin.ts';

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  rounds: number;
  warmup: number;
  loginLatencyMs: number;
  apiLatencyMs: number;
}

const USAGE = `Usage: node bench/bench.ts [options]
  --rounds N             measured rounds per case (default 7; env BENCH_ROUNDS)
  --warmup N             unmeasured rounds before them (default 2; env BENCH_WARMUP)
  --login-latency-ms N   delay of each registry login (default 150; env BENCH_LOGIN_LATENCY_MS)
  --api-latency-ms N     delay of each GetAuthorizationToken call (default 60; env BENCH_API_LATENCY_MS)`;

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      'login-latency-ms': { type: 'string' },
      'api-latency-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (
    flag: string,
    raw: string | undefined,
    env: string,
    fallback: number,
    min: number,
  ) => {
    const text = raw ?? process.env[env] ?? '';
    if (text === '') return fallback;
    const value = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(value >= min))
      throw new Error(`--${flag} must be a whole number >= ${min}, not '${text}'`);
    return value;
  };
  return {
    rounds: int('rounds', values.rounds, 'BENCH_ROUNDS', 7, 1),
    warmup: int('warmup', values.warmup, 'BENCH_WARMUP', 2, 0),
    loginLatencyMs: int(
      'login-latency-ms',
      values['login-latency-ms'],
      'BENCH_LOGIN_LATENCY_MS',
      150,
      0,
    ),
    apiLatencyMs: int('api-latency-ms', values['api-latency-ms'], 'BENCH_API_LATENCY_MS', 60, 0),
  };
}

// ---------------------------------------------------------------------------------------------
// Statistics and output

interface Row {
  name: string;
  samples: number[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

const ms = (value: number) => value.toFixed(1).padStart(9);

function printTable(rows: Row[]): void {
  const width = Math.max(...rows.map((r) => r.name.length));
  console.log(
    `${'name'.padEnd(width)} ${'median'.padStart(9)} ${'min'.padStart(9)} ${'max'.padStart(9)}  (ms)`,
  );
  for (const { name, samples } of rows) {
    const line = `${name.padEnd(width)} ${ms(median(samples))}`;
    console.log(
      samples.length > 1 ? `${line} ${ms(Math.min(...samples))} ${ms(Math.max(...samples))}` : line,
    );
  }
}

const progress = (text: string) => process.stderr.write(`${text}\n`);

/** A check of the benchmark's own premises failed: the numbers would mean nothing. */
class BenchFailure extends Error {}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new BenchFailure(message);
}

/** Runs `once` warm-up + rounds times; keeps the measured rounds. */
async function measure(
  opts: Options,
  label: string,
  once: (round: number) => Promise<number>,
): Promise<number[]> {
  const samples: number[] = [];
  for (let round = 0; round < opts.warmup + opts.rounds; round++) {
    const value = await once(round);
    if (round >= opts.warmup) samples.push(value);
  }
  progress(`  ${label}: ${samples.map((s) => s.toFixed(0)).join(' ')}`);
  return samples;
}

/** Wall-clock time in epoch milliseconds, sub-millisecond resolution. */
const now = () => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------------------------------------
// The world: certificates, ECR endpoint, login stand-in

const REGION = 'eu-west-1';
const OTHER_REGIONS = ['us-east-1', 'ap-southeast-2'] as const;
/** 10 accounts in REGION, named by account ID; their registries are 127.0.0.1:<port>. */
const ACCOUNTS = Array.from(
  { length: 10 },
  (_, i) => `1000000000${String(i + 1).padStart(2, '0')}`,
);
/** 3 + 3 registries in the other regions, named by host and reached through the CONNECT proxy. */
const NAMED = OTHER_REGIONS.flatMap((region, r) =>
  Array.from({ length: 3 }, (_, i) => {
    const account = `${String(r + 2).repeat(10)}0${String(i + 1)}`;
    return { account, region, name: `${account}.dkr.ecr.${region}.amazonaws.com` };
  }),
);

interface World {
  endpoint: EcrEndpoint;
  standin: LoginStandin;
  /** Host docker logs in to → password, per account ID (REGION) and per named host. */
  hostOf: Map<string, string>;
  passwordOf: Map<string, string>;
  caCert: string;
  /** Environment for every step. */
  env: Record<string, string>;
  tmp: string;
}

type Cleanup = () => Promise<unknown>;

async function startWorld(cleanups: Cleanup[]): Promise<World> {
  const certs = await makeCerts(NAMED.map((n) => n.name));
  cleanups.push(certs.cleanup);
  const scratch = await makeTempDir('ecr-login-bench');
  cleanups.push(scratch.cleanup);
  const standin = new LoginStandin(certs);
  cleanups.push(() => standin.stop());
  const auth: AuthTable = {};
  const hostOf = new Map<string, string>();
  const passwordOf = new Map<string, string>();
  for (const account of ACCOUNTS) {
    const password = `bench-password-${account}-${REGION}`;
    const { host } = await standin.add(password);
    auth[`${REGION}/${account}`] = { password, host };
    hostOf.set(account, host);
    passwordOf.set(host, password);
  }
  for (const { account, region, name } of NAMED) {
    const password = `bench-password-${account}-${region}`;
    await standin.add(password, name);
    auth[`${region}/${account}`] = { password };
    hostOf.set(name, name);
    passwordOf.set(name, password);
  }
  await standin.startProxy();
  const endpoint = new EcrEndpoint({ certs, auth });
  await endpoint.start();
  cleanups.push(() => endpoint.stop());
  const env = {
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_ECR: endpoint.url,
    AWS_CONFIG_FILE: join(scratch.path, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(scratch.path, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    NODE_EXTRA_CA_CERTS: certs.caCert,
    SSL_CERT_FILE: certs.caCert,
  };
  return { endpoint, standin, hostOf, passwordOf, caCert: certs.caCert, env, tmp: scratch.path };
}

// ---------------------------------------------------------------------------------------------
// Running the main and post steps, with checks

interface Case {
  /** The `registries` input, one entry a line. */
  entries: string[];
  /** The GetAuthorizationToken calls expected: region → registry IDs. */
  calls: Record<string, string[]>;
  /** HTTPS_PROXY for the docker CLI (named hosts). */
  proxy?: boolean;
}

const authOf = (password: string) => Buffer.from(`AWS:${password}`).toString('base64');

let dirCounter = 0;
async function freshConfigDir(world: World): Promise<string> {
  const dir = join(world.tmp, `docker-${String(++dirCounter)}`);
  await mkdir(dir);
  return dir;
}

async function readAuths(dir: string): Promise<Record<string, { auth?: string }>> {
  const text = await readFile(join(dir, 'config.json'), 'utf8').catch(() => '{}');
  return (JSON.parse(text) as { auths?: Record<string, { auth?: string }> }).auths ?? {};
}

function caseEnv(world: World, c: Case, dockerConfig: string): Record<string, string> {
  return {
    ...world.env,
    DOCKER_CONFIG: dockerConfig,
    ...(c.proxy ? { HTTPS_PROXY: world.standin.proxyUrl, NO_PROXY: '127.0.0.1,localhost' } : {}),
  };
}

/** Checks that config.json holds exactly the case's credentials and the calls were as expected. */
async function checkMain(world: World, c: Case, dockerConfig: string, what: string) {
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

function resetCounters(world: World): void {
  world.endpoint.requests.length = 0;
  world.standin.resetCounts();
}

/** Runs the main step through the runner emulation; returns its time, state and config dir. */
async function runMain(world: World, c: Case, what: string) {
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

// ---------------------------------------------------------------------------------------------
// A spawner of our own, for an exact spawn time (runAction does file work before it spawns)

interface Spawned {
  spawnAt: number;
  exitAt: number;
  code: number | null;
  output: string;
}

function spawnTimed(command: string, args: string[], env: NodeJS.ProcessEnv, input?: string) {
  return new Promise<Spawned>((resolve, reject) => {
    let output = '';
    const spawnAt = now();
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      const exitAt = now();
      child.on('close', () => {
        resolve({ spawnAt, exitAt, code, output });
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

/** A minimal environment for the docker CLI with its config in `dir`. */
const dockerEnv = (dir: string) => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  DOCKER_CONFIG: dir,
});

/** The environment runAction gives a main step: inputs (with defaults), file commands, env. */
async function stepEnv(
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

/**
 * A TCP relay in front of the ECR endpoint that notes when each connection is accepted and when
 * its first byte (the TLS ClientHello) arrives, on this process's clock.
 */
async function startRelay(target: string) {
  const port = Number(new URL(target).port);
  const connections: { acceptedAt: number; firstByteAt: number | undefined }[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const seen = { acceptedAt: now(), firstByteAt: undefined as number | undefined };
    connections.push(seen);
    client.once('data', () => (seen.firstByteAt = now()));
    const upstream = net.connect(port, '127.0.0.1');
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => {
        resolve();
      });
    });
  return { url, connections, stop };
}

/**
 * Spawn → API connection for bench/sdk-floor.mjs, bundled like dist/ (ncc, minified): the AWS
 * SDK sending one GetAuthorizationToken and nothing else, in the same environment as the action.
 */
async function sdkFloor(
  opts: Options,
  world: World,
  relay: Awaited<ReturnType<typeof startRelay>>,
): Promise<number[]> {
  const { path: dir, cleanup } = await makeTempDir('bench-sdk-floor');
  try {
    const built = await spawnTimed(
      'npx',
      ['ncc', 'build', join(REPO_ROOT, 'bench', 'sdk-floor.mjs'), '-o', dir, '--minify', '--quiet'],
      { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    );
    check(built.code === 0, `building the SDK floor failed: ${built.output}`);
    const samples: number[] = [];
    await measure(opts, 'SDK alone', async (round) => {
      relay.connections.length = 0;
      const env = {
        PATH: process.env.PATH ?? '',
        AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
        AWS_REGION: REGION,
        AWS_ENDPOINT_URL_ECR: relay.url,
        NODE_EXTRA_CA_CERTS: world.caCert,
      };
      const r = await spawnTimed(NODE_BIN, [join(dir, 'index.mjs')], env);
      check(r.code === 0, `the SDK floor exited ${String(r.code)}: ${r.output}`);
      const [conn] = relay.connections;
      check(conn !== undefined, 'the SDK floor made no API connection');
      if (round >= opts.warmup) samples.push(conn.acceptedAt - r.spawnAt);
      return r.exitAt - r.spawnAt;
    });
    return samples;
  } finally {
    await cleanup();
  }
}

// ---------------------------------------------------------------------------------------------
// The cases

async function bundleBytes(): Promise<{ files: { path: string; bytes: number }[] }> {
  const files: { path: string; bytes: number }[] = [];
  for (const step of ['main', 'post']) {
    const dir = join(REPO_ROOT, 'dist', step);
    const names = await readdir(dir, { recursive: true });
    for (const name of names.filter((n) => n.endsWith('.js')).sort()) {
      const path = join(dir, name);
      files.push({ path: relative(REPO_ROOT, path), bytes: (await stat(path)).size });
    }
  }
  return { files };
}

/** One HTTPS POST to the endpoint on a new connection (unsigned: answered 403 after the latency). */
function apiCall(url: string, ca: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = now();
    const req = https.request(
      url,
      {
        method: 'POST',
        ca,
        agent: false,
        headers: {
          'Content-Type': 'application/x-amz-json-1.1',
          'X-Amz-Target': 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken',
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          resolve(now() - started);
        });
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
}

async function dockerLogout(hosts: string[], dockerConfig: string): Promise<void> {
  for (const host of hosts) {
    const result = await spawnTimed('docker', ['logout', host], dockerEnv(dockerConfig));
    check(result.code === 0, `docker logout ${host} failed: ${result.output}`);
  }
}

async function bench(opts: Options, world: World): Promise<Row[]> {
  const rows: Row[] = [];
  const add = (name: string, samples: number[]) => rows.push({ name, samples });
  const { endpoint, standin } = world;
  const latencies = (api: number, login: number) => {
    endpoint.latencyMs = api;
    standin.latencyMs = login;
  };
  const [first = ''] = ACCOUNTS;
  const one: Case = { entries: [first], calls: { [REGION]: [first] } };

  // Sanity: docker accepts the stand-in, and refuses a wrong password.
  {
    latencies(0, 0);
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

  progress('start-up (no latency, 1 registry)');
  latencies(0, 0);
  add(
    'start-up → exit, 1 registry, no latency',
    await measure(
      opts,
      'runner',
      async (round) => (await runMain(world, one, `start-up ${String(round)}`)).ms,
    ),
  );
  {
    // The same run from a spawner of our own, through a TCP relay in front of the endpoint.
    // All times are from `spawnAt`, taken (performance.timeOrigin + performance.now()) right
    // before child_process.spawn() in this process:
    // - connection accepted / ClientHello: the relay's own timestamps, same clock, sub-ms;
    // - request handled: the endpoint's RecordedRequest.time, a Date (1 ms resolution) taken
    //   after it has read the body and checked the SigV4 signature (no latency in this case).
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

  latencies(opts.apiLatencyMs, opts.loginLatencyMs);
  progress('1 registry');
  add(
    '1 registry',
    await measure(
      opts,
      '1 registry',
      async (round) => (await runMain(world, one, `1 registry ${String(round)}`)).ms,
    ),
  );

  progress('10 registries, 1 region');
  const ten: Case = { entries: ACCOUNTS, calls: { [REGION]: ACCOUNTS } };
  add(
    '10 registries, 1 region (1 call)',
    await measure(
      opts,
      '10 registries',
      async (round) => (await runMain(world, ten, `10 registries ${String(round)}`)).ms,
    ),
  );

  progress('10 registries, 3 regions');
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
  add(
    '10 registries, 3 regions (4+3+3, 3 calls)',
    await measure(
      opts,
      '3 regions',
      async (round) => (await runMain(world, spread, `3 regions ${String(round)}`)).ms,
    ),
  );

  progress('post step, 10 registries');
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

  progress('floor');
  add(
    'floor: node -e 0',
    await measure(opts, 'node -e 0', async () => {
      const r = await spawnTimed(NODE_BIN, ['-e', '0'], { PATH: process.env.PATH ?? '' });
      check(r.code === 0, `node -e 0 exited ${String(r.code)}`);
      return r.exitAt - r.spawnAt;
    }),
  );
  const ca = await readFile(world.caCert);
  add(
    'floor: 1 API call (new TLS connection)',
    await measure(opts, 'API call', () => apiCall(endpoint.url, ca)),
  );
  const loginHost = world.hostOf.get(first) ?? '';
  add(
    'floor: 1 docker login',
    await measure(opts, 'docker login', async () => {
      const dir = await freshConfigDir(world);
      const r = await spawnTimed(
        'docker',
        ['login', '--username', 'AWS', '--password-stdin', loginHost],
        dockerEnv(dir),
        world.passwordOf.get(loginHost),
      );
      check(r.code === 0 && r.output.includes('Login Succeeded'), `docker login: ${r.output}`);
      return r.exitAt - r.spawnAt;
    }),
  );
  add(
    'floor: 10 parallel docker logins (no action)',
    await measure(opts, '10 docker logins', async () => {
      const runs = await Promise.all(
        tenHosts.map(async (host) => {
          const dir = await freshConfigDir(world);
          return spawnTimed(
            'docker',
            ['login', '--username', 'AWS', '--password-stdin', host],
            dockerEnv(dir),
            world.passwordOf.get(host),
          );
        }),
      );
      for (const r of runs) {
        check(r.code === 0 && r.output.includes('Login Succeeded'), `docker login: ${r.output}`);
      }
      return Math.max(...runs.map((r) => r.exitAt)) - Math.min(...runs.map((r) => r.spawnAt));
    }),
  );
  const sum = [
    'floor: node -e 0',
    'floor: 1 API call (new TLS connection)',
    'floor: 1 docker login',
  ]
    .map((name) => median(rows.find((r) => r.name === name)?.samples ?? []))
    .reduce((a, b) => a + b, 0);
  add('floor: node + call + login (sum of medians)', [sum]);
  return rows;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  let opts: Options;
  try {
    opts = parseOptions();
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  const cleanups: Cleanup[] = [];
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    progress(`\n${signal}: stopping the servers`);
    void stopAll().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // An error outside the awaited chain (a stray stream error) still stops every server.
  const onCrash = (error: unknown) => {
    console.error('bench failed:', error);
    void stopAll().then(() => process.exit(1));
  };
  process.once('uncaughtException', onCrash);
  process.once('unhandledRejection', onCrash);
  const started = now();
  const loadAtStart = loadavg()[0] ?? 0;
  try {
    const world = await startWorld(cleanups);
    const docker = (await spawnTimed('docker', ['--version'], dockerEnv(world.tmp))).output.trim();
    const rows = await bench(opts, world);
    const { files } = await bundleBytes();
    const total = files.reduce((sum, f) => sum + f.bytes, 0);
    console.log(
      `ecr-login bench: node ${process.version}, ${docker}, ${String(cpus().length)} CPUs; ` +
        `${String(opts.rounds)} rounds after ${String(opts.warmup)} warm-up; ` +
        `login latency ${String(opts.loginLatencyMs)} ms, API latency ${String(opts.apiLatencyMs)} ms`,
    );
    console.log('');
    printTable(rows);
    console.log('');
    console.log(
      `bundles: ${files.map((f) => `${f.path} ${f.bytes.toLocaleString('en')}`).join(', ')}; ` +
        `total ${total.toLocaleString('en')} bytes`,
    );
    const load = [loadAtStart, loadavg()[0] ?? 0].map((l) => l.toFixed(1)).join(' → ');
    const busy = Math.max(loadAtStart, loadavg()[0] ?? 0) > cpus().length;
    console.log(
      `(bench took ${((now() - started) / 1000).toFixed(1)} s; 1-min load average ${load}` +
        `${busy ? ': the machine was busy, expect noisy numbers' : ''})`,
    );
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`bench failed: ${message}`);
    if (!(error instanceof BenchFailure) && error instanceof Error) console.error(error.stack);
    return 1;
  } finally {
    await stopAll();
  }
}

process.exitCode = await main();
