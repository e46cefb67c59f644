import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ProxyConnect {
  /** host:port the client asked for. */
  target: string;
  /** Where it was sent (127.0.0.1:<port>), or undefined when refused. */
  routedTo: string | undefined;
}

export interface ConnectProxy {
  /** http://127.0.0.1:<port>, for HTTPS_PROXY. */
  url: string;
  readonly connects: ProxyConnect[];
  /** Sends CONNECTs for `host:443` to `target` (127.0.0.1:<port>). */
  route: (host: string, target: string) => void;
  /** Refuses `host:443` again, as for any unknown host. */
  unroute: (host: string) => void;
  stop: () => Promise<void>;
}

const isLoopback = (host: string) => host === 'localhost' || host.startsWith('127.');

/**
 * A CONNECT-only HTTP proxy on an OS-chosen loopback port. It makes registry host names such as
 * public.ecr.aws reachable locally without /etc/hosts: the docker CLI honours HTTPS_PROXY, and a
 * routed host goes to a local registry whose certificate names it. Loopback targets pass through;
 * anything else is refused (nothing ever leaves the machine).
 */
export async function startConnectProxy(): Promise<ConnectProxy> {
  const routes = new Map<string, string>();
  const connects: ProxyConnect[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => {
    res.writeHead(405).end();
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const target = req.url ?? '';
    const [host = '', port = '443'] = target.split(':');
    const routedTo = routes.get(target) ?? (isLoopback(host) ? `${host}:${port}` : undefined);
    connects.push({ target, routedTo });
    if (routedTo === undefined) {
      client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const [toHost = '', toPort = ''] = routedTo.split(':');
    const upstream = net.connect(Number(toPort), toHost, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  return {
    url,
    connects,
    route: (host, target) => routes.set(`${host}:443`, target),
    unroute: (host) => routes.delete(`${host}:443`),
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
