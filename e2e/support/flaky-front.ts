import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FlakyFront {
  /** 127.0.0.1:<port> */
  host: string;
  /** HTTP requests received so far, the failed ones included. */
  readonly requests: number;
  /** Requests answered with the failure status. */
  readonly failed: number;
  stop: () => Promise<void>;
}

/**
 * A plain-HTTP reverse proxy on a free 127.0.0.1 port in front of `target` (host:port of a
 * plain-HTTP registry) that answers the first `failFirst` requests with `status` itself and
 * passes every later one through unchanged: a registry behind a load balancer having a bad
 * moment. `failFirst: Infinity` never lets a request through.
 */
export async function startFlakyFront(
  target: string,
  failFirst: number,
  status = 503,
): Promise<FlakyFront> {
  const [targetHost = '127.0.0.1', targetPort = '80'] = target.split(':');
  let requests = 0;
  let failed = 0;
  const server = http.createServer((req, res) => {
    requests++;
    if (failed < failFirst) {
      failed++;
      req.resume();
      res.writeHead(status, { 'content-type': 'text/plain', connection: 'close' });
      res.end(`${String(status)} ${http.STATUS_CODES[status] ?? ''}\n`);
      return;
    }
    const upstream = http.request(
      {
        host: targetHost,
        port: Number(targetPort),
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${String(port)}`,
    get requests() {
      return requests;
    },
    get failed() {
      return failed;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
