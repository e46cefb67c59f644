import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import type { TestCerts } from './certs.ts';
import { freePort, makeTempDir, runOk, sleep, stopProcess } from './proc.ts';

export interface RegistryOptions {
  password: string;
  username?: string;
  /** Serve HTTPS with these certificates; plain HTTP when omitted. */
  certs?: TestCerts;
  startTimeoutMs?: number;
  /** Listen on this 127.0.0.1 port (one try, no retry on another); a free one when omitted. */
  port?: number;
}

export interface TestRegistry {
  /** 127.0.0.1:<port>, as used in docker login and a proxyEndpoint. */
  host: string;
  url: string;
  password: string;
  stop: () => Promise<void>;
}

/** bcrypt (the only htpasswd scheme distribution accepts) reads only this many password bytes. */
const BCRYPT_SIGNIFICANT_BYTES = 72;

function configYaml(dir: string, port: number, certs: TestCerts | undefined): string {
  const tls = certs ? ['  tls:', `    certificate: ${certs.cert}`, `    key: ${certs.key}`] : [];
  return [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    'http:',
    `  addr: 127.0.0.1:${String(port)}`,
    `  secret: ${crypto.randomUUID()}`,
    ...tls,
    'auth:',
    '  htpasswd:',
    '    realm: e2e-registry',
    `    path: ${join(dir, 'htpasswd')}`,
    '',
  ].join('\n');
}

/** Status of GET /v2/, or undefined while nothing answers. */
function probe(url: string, ca: Buffer | undefined): Promise<number | undefined> {
  return new Promise((resolve) => {
    const done = (status: number | undefined) => {
      resolve(status);
    };
    const req = ca
      ? https.get(`${url}/v2/`, { ca }, (res) => {
          res.resume();
          done(res.statusCode);
        })
      : http.get(`${url}/v2/`, (res) => {
          res.resume();
          done(res.statusCode);
        });
    req.on('error', () => {
      done(undefined);
    });
    req.setTimeout(1000, () => req.destroy());
  });
}

/**
 * Starts a real `docker-registry` (CNCF distribution) on a free 127.0.0.1 port with htpasswd
 * auth for `AWS` / password, and waits until GET /v2/ answers 401.
 */
export async function startRegistry(opts: RegistryOptions): Promise<TestRegistry> {
  const tmp = await makeTempDir('e2e-registry');
  const hashed = opts.password.slice(0, BCRYPT_SIGNIFICANT_BYTES);
  const user = opts.username ?? 'AWS';
  const entry = await runOk('htpasswd', ['-Bin', user], { input: hashed });
  await writeFile(join(tmp.path, 'htpasswd'), entry.stdout);
  const ca = opts.certs ? await readFile(opts.certs.caCert) : undefined;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 15_000);
  let lastError = '';
  while (Date.now() < deadline) {
    const port = opts.port ?? (await freePort());
    const config = join(tmp.path, 'config.yml');
    await writeFile(config, configYaml(tmp.path, port, opts.certs));
    const child = spawn('docker-registry', ['serve', config], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => (lastError = err.message));
    const host = `127.0.0.1:${String(port)}`;
    const url = `${opts.certs ? 'https' : 'http'}://${host}`;
    while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
      if ((await probe(url, ca)) === 401) {
        const stop = async () => {
          await stopProcess(child);
          await tmp.cleanup();
        };
        return { host, url, password: opts.password, stop };
      }
      await sleep(25);
    }
    await stopProcess(child);
    lastError = stderr || lastError;
    if (opts.port !== undefined || !/address already in use/i.test(lastError)) break;
  }
  await tmp.cleanup();
  throw new Error(`docker-registry did not start: ${lastError || 'timed out'}`);
}
