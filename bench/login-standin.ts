// A stand-in for ECR registries that answers only what `docker login` asks: GET /v2/.
//
// Every registry is an HTTPS listener of its own on an OS-chosen 127.0.0.1 port (docker treats
// 127.0.0.0/8 as insecure and skips certificate checks there), so each has a host of its own
// (127.0.0.1:<port>) under which config.json keeps its credential. A registry may also carry a
// real ECR host name (…dkr.ecr.<region>.amazonaws.com): a CONNECT proxy (for the docker CLI's
// HTTPS_PROXY) routes that name to its listener, whose certificate names it.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import type { TestCerts } from '../e2e/support/certs.ts';

export interface StandinRegistry {
  /** 127.0.0.1:<port> */
  host: string;
  password: string;
}

export interface StandinCounts {
  /** GET /v2/ without credentials, answered 401 with a Basic challenge. */
  challenges: number;
  /** Correct AWS:<password> credentials, answered 200 after the login latency. */
  accepted: number;
  /** Wrong credentials, answered 401 after the login latency. */
  refused: number;
  /** CONNECTs to a name that is not routed (refused with 502). */
  unrouted: number;
}

const REALM = 'ecr-login-bench';

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms);
  });

/** Registries answering docker's login flow, and a CONNECT proxy for real ECR host names. */
export class LoginStandin {
  /** Delay of every answer to a request that carries credentials. */
  latencyMs: number;
  counts: StandinCounts = { challenges: 0, accepted: 0, refused: 0, unrouted: 0 };
  /** http://127.0.0.1:<port>: a CONNECT proxy for HTTPS_PROXY; loopback targets pass through. */
  proxyUrl = '';
  private readonly certs: TestCerts;
  private readonly servers: https.Server[] = [];
  private readonly routes = new Map<string, string>();
  private readonly sockets = new Set<net.Socket>();
  private proxy: http.Server | undefined;
  private tls: { cert: Buffer; key: Buffer } | undefined;

  constructor(certs: TestCerts, latencyMs = 0) {
    this.certs = certs;
    this.latencyMs = latencyMs;
  }

  resetCounts(): void {
    this.counts = { challenges: 0, accepted: 0, refused: 0, unrouted: 0 };
  }

  /** Starts one registry that accepts user AWS with `password`; `name` is routed to it. */
  async add(password: string, name?: string): Promise<StandinRegistry> {
    this.tls ??= {
      cert: await readFile(this.certs.cert),
      key: await readFile(this.certs.key),
    };
    const expected = `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}`;
    const server = https.createServer(this.tls, (req, res) => {
      this.answer(req, res, expected).catch(() => res.destroy());
    });
    this.servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${String((server.address() as AddressInfo).port)}`;
    if (name !== undefined) this.routes.set(`${name}:443`, host);
    return { host, password };
  }

  private async answer(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    expected: string,
  ): Promise<void> {
    req.resume();
    const path = (req.url ?? '').split('?')[0];
    const headers = { 'Docker-Distribution-API-Version': 'registry/2.0' };
    if (req.method !== 'GET' || (path !== '/v2/' && path !== '/v2')) {
      res.writeHead(404, { ...headers, 'Content-Type': 'application/json' });
      res.end('{"errors":[{"code":"UNSUPPORTED","message":"not a login request"}]}');
      return;
    }
    const authorization = req.headers.authorization;
    if (authorization === undefined) {
      this.counts.challenges++;
    } else {
      if (this.latencyMs > 0) await sleep(this.latencyMs);
      if (authorization === expected) {
        this.counts.accepted++;
        res.writeHead(200, { ...headers, 'Content-Type': 'application/json' });
        res.end('{}');
        return;
      }
      this.counts.refused++;
    }
    res.writeHead(401, {
      ...headers,
      'Content-Type': 'application/json',
      'WWW-Authenticate': `Basic realm="${REALM}"`,
    });
    res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
  }

  /** Starts the CONNECT proxy; returns its URL. */
  async startProxy(): Promise<string> {
    const proxy = http.createServer((_req, res) => {
      res.writeHead(405).end();
    });
    proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
      this.track(client);
      client.on('error', () => client.destroy());
      const target = req.url ?? '';
      const [host = '', port = '443'] = target.split(':');
      const routed =
        this.routes.get(target) ?? (host.startsWith('127.') ? `${host}:${port}` : undefined);
      if (routed === undefined) {
        this.counts.unrouted++;
        client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const [toHost = '', toPort = ''] = routed.split(':');
      const upstream = net.connect(Number(toPort), toHost, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      this.track(upstream);
      upstream.on('error', () => client.destroy());
    });
    this.proxy = proxy;
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    this.proxyUrl = `http://127.0.0.1:${String((proxy.address() as AddressInfo).port)}`;
    return this.proxyUrl;
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }

  /** Stops every listener and the proxy, dropping open connections. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const servers: (http.Server | https.Server)[] = this.servers.splice(0);
    if (this.proxy) servers.push(this.proxy);
    this.proxy = undefined;
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => {
              resolve();
            });
            server.closeAllConnections();
          }),
      ),
    );
  }
}
