// The floors: what the action's times are made of, measured without the action.
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import { join } from 'node:path';
import { NODE_BIN, REPO_ROOT } from '../e2e/support/action-yml.ts';
import { TEST_CREDENTIALS } from '../e2e/support/ecr-endpoint.ts';
import type { Options } from './options.ts';
import { check, measure, median, type Row } from './report.ts';
import { dockerEnv, now, spawnTimed, type Relay } from './spawn.ts';
import { ACCOUNTS, freshDir, REGION, type Bench } from './steps.ts';

/**
 * Spawn → API connection for bench/sdk-floor.mjs, bundled like dist/ (ncc, minified): the AWS
 * SDK sending one GetAuthorizationToken and nothing else, in the same environment as the action.
 */
export async function sdkFloor(opts: Options, b: Bench, relay: Relay): Promise<number[]> {
  const dir = await freshDir(b.world);
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
      NODE_EXTRA_CA_CERTS: b.world.certs.caCert,
    };
    const r = await spawnTimed(NODE_BIN, [join(dir, 'index.mjs')], env);
    check(r.code === 0, `the SDK floor exited ${String(r.code)}: ${r.output}`);
    const [conn] = relay.connections;
    check(conn !== undefined, 'the SDK floor made no API connection');
    if (round >= opts.warmup) samples.push(conn.acceptedAt - r.spawnAt);
    return r.exitAt - r.spawnAt;
  });
  return samples;
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

/** `docker login` to the registry of `entry` with its password (or `password`), in a new dir. */
export async function dockerLogin(b: Bench, entry: string, password?: string) {
  const login = b.login.get(entry);
  const dir = await freshDir(b.world);
  const args = ['login', '--username', 'AWS', '--password-stdin', login?.host ?? entry];
  return spawnTimed('docker', args, dockerEnv(dir), password ?? login?.password);
}

/** Node's start-up, one API call, one and ten docker logins, at the latencies set. */
export async function floors(opts: Options, b: Bench): Promise<Row[]> {
  const rows: Row[] = [];
  const add = (name: string, samples: number[]) => rows.push({ name, samples });
  add(
    'floor: node -e 0',
    await measure(opts, 'node -e 0', async () => {
      const r = await spawnTimed(NODE_BIN, ['-e', '0'], { PATH: process.env.PATH ?? '' });
      check(r.code === 0, `node -e 0 exited ${String(r.code)}`);
      return r.exitAt - r.spawnAt;
    }),
  );
  const ca = await readFile(b.world.certs.caCert);
  add(
    'floor: 1 API call (new TLS connection)',
    await measure(opts, 'API call', () => apiCall(b.world.endpoint.url, ca)),
  );
  add(
    'floor: 1 docker login',
    await measure(opts, 'docker login', async () => {
      const r = await dockerLogin(b, ACCOUNTS[0] ?? '');
      check(r.code === 0 && r.output.includes('Login Succeeded'), `docker login: ${r.output}`);
      return r.exitAt - r.spawnAt;
    }),
  );
  add(
    'floor: 10 parallel docker logins (no action)',
    await measure(opts, '10 docker logins', async () => {
      const runs = await Promise.all(ACCOUNTS.map((account) => dockerLogin(b, account)));
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
