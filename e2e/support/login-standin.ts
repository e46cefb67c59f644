// Registries in Node that answer only what `docker login` asks: GET /v2/ without credentials gets
// a Basic challenge; with them, after a fixed latency, 200 for AWS and the right password, else
// 401. For many registries without a process each (resilience-scale.test.ts), and for the
// benchmark, which would otherwise time docker-registry's bcrypt check too (there startWorld gets
// `serve: (o) => standin.add(o.password, o.certs)`). One LoginStandin serves any number of
// registries, one listener each on an OS-chosen 127.0.0.1 port, and counts their logins together.
import http from 'node:http';
import https from 'node:https';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { TestCerts } from './certs.ts';
import { encodeToken } from './ecr-tokens.ts';
import { closeServer, sleep } from './proc.ts';
import type { TestRegistry } from './registry.ts';

export interface LoginCounts {
  /** GET /v2/ without credentials, answered 401 with a Basic challenge. */
  challenges: number;
  /** The right credentials, answered 200 after the latency. */
  accepted: number;
  /** Wrong credentials, answered 401 after the latency. */
  refused: number;
}

const HEADERS = {
  'Docker-Distribution-API-Version': 'registry/2.0',
  'Content-Type': 'application/json',
};

export class LoginStandin {
  /** Delay of every answer to a request that carries credentials; may change at any time. */
  latencyMs = 0;
  counts: LoginCounts = { challenges: 0, accepted: 0, refused: 0 };
  private readonly certs: TestCerts | undefined;
  private readonly registries = new Set<TestRegistry>();

  /** `certs`: what add() serves HTTPS with unless told otherwise. */
  constructor(certs?: TestCerts) {
    this.certs = certs;
  }

  resetCounts(): void {
    this.counts = { challenges: 0, accepted: 0, refused: 0 };
  }

  /** Starts one registry that accepts user AWS with `password`: HTTPS with `certs`, else HTTP. */
  async add(password: string, certs = this.certs): Promise<TestRegistry> {
    const expected = `Basic ${encodeToken(password)}`;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.answer(req, res, expected).catch(() => res.destroy());
    };
    const server = certs
      ? https.createServer({ cert: await readFile(certs.cert), key: await readFile(certs.key) })
      : http.createServer();
    server.on('request', handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${String((server.address() as AddressInfo).port)}`;
    const registry: TestRegistry = {
      ...{ host, url: `${certs ? 'https' : 'http'}://${host}`, password },
      stop: () => {
        this.registries.delete(registry);
        return closeServer(server);
      },
    };
    this.registries.add(registry);
    return registry;
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse, expected: string) {
    req.resume();
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || (path !== '/v2/' && path !== '/v2')) {
      res.writeHead(404, HEADERS).end('{"errors":[{"code":"UNSUPPORTED"}]}');
      return;
    }
    const { authorization } = req.headers;
    if (authorization === undefined) {
      this.counts.challenges++;
    } else {
      if (this.latencyMs > 0) await sleep(this.latencyMs);
      if (authorization === expected) {
        this.counts.accepted++;
        res.writeHead(200, HEADERS).end('{}');
        return;
      }
      this.counts.refused++;
    }
    res.writeHead(401, { ...HEADERS, 'WWW-Authenticate': 'Basic realm="login-standin"' });
    res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
  }

  /** Stops every registry it started that is still running. */
  async stop(): Promise<void> {
    await Promise.all([...this.registries].map((r) => r.stop()));
  }
}
