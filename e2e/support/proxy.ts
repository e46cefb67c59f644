import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { freePort, makeTempDir, sleep, stopProcess } from './proc.ts';

export interface ProxyOptions {
  /** Ports CONNECT may tunnel to; every other port is refused (403). */
  connectPorts: number[];
  /** Require Basic proxy authentication with this user and password. */
  basicAuth?: { user: string; password: string };
  startTimeoutMs?: number;
}

export interface TestProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Targets (`host:port`) of the CONNECT requests tinyproxy logged so far. */
  connects: () => Promise<string[]>;
  /** tinyproxy's whole log so far. */
  log: () => Promise<string>;
  stop: () => Promise<void>;
}

function configText(dir: string, port: number, opts: ProxyOptions): string {
  return [
    `Port ${String(port)}`,
    'Listen 127.0.0.1',
    'Timeout 30',
    'MaxClients 100',
    'Allow 127.0.0.1',
    `LogFile "${join(dir, 'tinyproxy.log')}"`,
    'LogLevel Connect',
    ...opts.connectPorts.map((p) => `ConnectPort ${String(p)}`),
    ...(opts.basicAuth ? [`BasicAuth ${opts.basicAuth.user} ${opts.basicAuth.password}`] : []),
    '',
  ].join('\n');
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

const CONNECT_LINE = /Request \(file descriptor \d+\): CONNECT (\S+) HTTP/g;

/**
 * Starts Debian's tinyproxy in the foreground (`-d`) as a CONNECT-tunnelling forward proxy on a
 * free 127.0.0.1 port, logging every connection (LogLevel Connect) to a file of its own.
 */
export async function startTinyproxy(opts: ProxyOptions): Promise<TestProxy> {
  const tmp = await makeTempDir('e2e-tinyproxy');
  const logFile = join(tmp.path, 'tinyproxy.log');
  const log = () => readFile(logFile, 'utf8').catch(() => '');
  const deadline = Date.now() + (opts.startTimeoutMs ?? 10_000);
  let lastError = '';
  for (let tries = 0; tries < 5 && Date.now() < deadline; tries++) {
    const port = await freePort();
    const config = join(tmp.path, 'tinyproxy.conf');
    await writeFile(config, configText(tmp.path, port, opts));
    const child = spawn('tinyproxy', ['-d', '-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.on('error', (err) => (lastError = err.message));
    while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
      if (await canConnect(port)) {
        return {
          url: `http://127.0.0.1:${String(port)}`,
          port,
          log,
          connects: async () => [...(await log()).matchAll(CONNECT_LINE)].map((m) => m[1] ?? ''),
          stop: async () => {
            await stopProcess(child);
            await tmp.cleanup();
          },
        };
      }
      await sleep(25);
    }
    await stopProcess(child);
    lastError = `${output}${await log()}` || lastError;
    if (!/address already in use|could not create listening socket/i.test(lastError)) break;
  }
  await tmp.cleanup();
  throw new Error(`tinyproxy did not start: ${lastError || 'timed out'}`);
}
