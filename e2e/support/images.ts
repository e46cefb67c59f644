// What a later step of the job sees: an image pushed into a test registry, and whether the docker
// CLI, with a given config directory, can read it.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { TestCerts } from './certs.ts';
import { run, type RunResult } from './proc.ts';
import type { TestRegistry } from './registry.ts';
import { runnerPath } from './runner.ts';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/**
 * Pushes `<repo>:<tag>` into each registry through its API, as the registry's own user: a config
 * blob, then an OCI image manifest without layers (distribution accepts it).
 */
export async function pushImage(
  registries: TestRegistry[],
  certs: TestCerts,
  repo: string,
  tag: string,
): Promise<void> {
  const ca = await readFile(certs.caCert);
  await Promise.all(registries.map((registry) => push(registry, ca, repo, tag)));
}

async function push(registry: TestRegistry, ca: Buffer, repo: string, tag: string): Promise<void> {
  const authorization = `Basic ${Buffer.from(`AWS:${registry.password}`).toString('base64')}`;
  const send = (method: string, url: string, body: string, type = 'application/octet-stream') =>
    new Promise<{ status: number; location: string }>((resolve, reject) => {
      const headers = { authorization, 'content-type': type };
      const client = url.startsWith('https:') ? https : http;
      const req = client.request(url, { method, ca, headers }, (res) => {
        res.resume().on('end', () => {
          resolve({ status: res.statusCode ?? 0, location: res.headers.location ?? '' });
        });
      });
      req.on('error', reject).end(body);
    });
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers' } });
  const digest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  const upload = await send('POST', `${registry.url}/v2/${repo}/blobs/uploads/`, '');
  const blobUrl = new URL(upload.location, registry.url);
  blobUrl.searchParams.set('digest', digest);
  const blob = await send('PUT', blobUrl.href, config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest, size: config.length },
    layers: [],
  });
  const url = `${registry.url}/v2/${repo}/manifests/${tag}`;
  const put = await send('PUT', url, manifest, OCI_MANIFEST);
  if ([upload.status, blob.status, put.status].join() !== '202,201,201') {
    throw new Error(`pushing ${repo}:${tag} to ${registry.host} failed: ${String(put.status)}`);
  }
}

/** Runs the docker CLI with `dockerConfig` as DOCKER_CONFIG, over a step's environment. */
export function docker(
  dockerConfig: string,
  args: string[],
  env: Record<string, string> = {},
  input?: string,
): Promise<RunResult> {
  const full = { PATH: runnerPath(), HOME: dockerConfig, ...env, DOCKER_CONFIG: dockerConfig };
  return run('docker', args, { env: full, ...(input === undefined ? {} : { input }) });
}

/** Said by docker when the registry wants credentials it has none (or wrong ones) for. */
const UNAUTHORIZED = /no basic auth credentials|unauthorized|authentication required/i;

/**
 * Whether `docker manifest inspect` (with `dockerConfig`, and `env`: SSL_CERT_FILE for the test
 * CA, PATH for credential helpers) gets the manifest of `<host>/<repo>:<tag>`: true when it does,
 * false when the registry refuses for want of credentials; anything else throws.
 */
export async function dockerCanRead(
  dockerConfig: string,
  host: string,
  repo: string,
  tag: string,
  env: Record<string, string> = {},
): Promise<boolean> {
  const image = `${host}/${repo}:${tag}`;
  const r = await docker(dockerConfig, ['manifest', 'inspect', '--insecure', image], env);
  if (r.code === 0 && r.stdout.includes(OCI_MANIFEST)) return true;
  if (r.code !== 0 && UNAUTHORIZED.test(r.stderr)) return false;
  throw new Error(`docker manifest inspect ${image} exited ${String(r.code)}: ${r.stderr}`);
}
