// Processes and connections timed on this process's clock: a spawner of our own, for an exact
// spawn time (runAction does file work before it spawns), and a TCP relay that notes connections.
import { spawn } from 'node:child_process';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** Wall-clock time in epoch milliseconds, sub-millisecond resolution. */
export const now = () => performance.timeOrigin + performance.now();

export interface Spawned {
  spawnAt: number;
  exitAt: number;
  code: number | null;
  output: string;
}

export function spawnTimed(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  input?: string,
) {
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
export const dockerEnv = (dir: string) => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  DOCKER_CONFIG: dir,
});

/**
 * A TCP relay in front of the ECR endpoint that notes when each connection is accepted and when
 * its first byte (the TLS ClientHello) arrives, on this process's clock.
 */
export async function startRelay(target: string) {
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

export type Relay = Awaited<ReturnType<typeof startRelay>>;
