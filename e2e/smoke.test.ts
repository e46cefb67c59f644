import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeCerts, type TestCerts } from './support/certs.ts';
import { EcrEndpoint, TEST_CREDENTIALS } from './support/ecr-endpoint.ts';
import { makeTempDir } from './support/proc.ts';
import { startRegistry } from './support/registry.ts';
import { runAction } from './support/runner.ts';

let certs: TestCerts;
let endpoint: EcrEndpoint;
let registry: Awaited<ReturnType<typeof startRegistry>>;
beforeAll(async () => {
  certs = await makeCerts();
  registry = await startRegistry({ password: 'registry-password-1', certs });
  endpoint = new EcrEndpoint({
    certs,
    auth: { '111111111111': { password: 'registry-password-1', host: registry.host } },
  });
  await endpoint.start();
});
afterAll(async () => {
  await endpoint.stop();
  await registry.stop();
  await certs.cleanup();
});

test('smoke', async () => {
  const config = await makeTempDir('smoke');
  try {
    const result = await runAction({
      inputs: { registries: '111111111111', region: 'eu-west-1' },
      env: {
        AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
        AWS_ENDPOINT_URL_ECR: endpoint.url,
        NODE_EXTRA_CA_CERTS: certs.caCert,
        SSL_CERT_FILE: certs.caCert,
        DOCKER_CONFIG: config.path,
      },
      secrets: ['registry-password-1'],
      phases: 'main',
    });
    console.log(result.log, result.stderr, result.outputs, result.leaks, result.mainMs);
    const text = await readFile(join(config.path, 'config.json'), 'utf8');
    console.log(text);
    expect(result.mainExit).toBe(0);
  } finally {
    await config.cleanup();
  }
});
