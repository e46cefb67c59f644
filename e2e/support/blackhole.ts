import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface BlackHole {
  /** 127.0.0.1:<port> */
  host: string;
  /** Connections accepted so far. */
  readonly connections: number;
  stop: () => Promise<void>;
}

/**
 * A TCP server on a free 127.0.0.1 port that accepts every connection and never answers: no TLS
 * handshake, no HTTP response, no close. What a registry behind a dead load balancer looks like.
 */
export async function startBlackHole(): Promise<BlackHole> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.resume(); // read and drop whatever the client sends
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${String(port)}`,
    get connections() {
      return connections;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}
