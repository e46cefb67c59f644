// A registry in Node for runners without docker-registry (GitHub's Windows and macOS images):
// plain HTTP on 127.0.0.1 (docker treats 127.0.0.0/8 as insecure), HTTP Basic auth for AWS and
// its passwords (one, or a set a test changes, as ECR accepts every token still valid), the
// login flow docker follows (GET /v2/: 401 with a challenge, then 200), and
// one image manifest, demo:1, for `docker manifest inspect`.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from './proc.ts';
import type { TestRegistry } from './registry.ts';

const CONFIG = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers' } });
const CONFIG_DIGEST = `sha256:${createHash('sha256').update(CONFIG).digest('hex')}`;
const MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: {
    mediaType: 'application/vnd.oci.image.config.v1+json',
    digest: CONFIG_DIGEST,
    size: CONFIG.length,
  },
  layers: [],
});
const MANIFEST_DIGEST = `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`;

/**
 * Starts it on `port` (0: any free one). `accepted`: the passwords it takes, `password` alone
 * when omitted; the test may change the set while it runs.
 */
export async function startNodeRegistry(
  password: string,
  port = 0,
  accepted: Set<string> = new Set([password]),
): Promise<TestRegistry> {
  const basic = (secret: string) => `Basic ${Buffer.from(`AWS:${secret}`).toString('base64')}`;
  const server = http.createServer((req, res) => {
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    if (![...accepted].some((secret) => req.headers.authorization === basic(secret))) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="node-registry"' }).end();
      return;
    }
    if (req.url === '/v2/' || req.url === '/v2') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    } else if (
      req.url === '/v2/demo/manifests/1' ||
      req.url === `/v2/demo/manifests/${MANIFEST_DIGEST}`
    ) {
      res.writeHead(200, {
        'Content-Type': 'application/vnd.oci.image.manifest.v1+json',
        'Docker-Content-Digest': MANIFEST_DIGEST,
        'Content-Length': String(MANIFEST.length),
      });
      res.end(req.method === 'HEAD' ? undefined : MANIFEST);
    } else if (req.url === `/v2/demo/blobs/${CONFIG_DIGEST}`) {
      res.writeHead(200, {
        'Content-Type': 'application/octet-stream',
        'Docker-Content-Digest': CONFIG_DIGEST,
      });
      res.end(req.method === 'HEAD' ? undefined : CONFIG);
    } else {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const host = `127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  return {
    host,
    url: `http://${host}`,
    password,
    stop: () => closeServer(server),
  };
}
