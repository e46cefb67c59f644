import { afterEach, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeCerts } from './support/certs.ts';
import { checkPrereqs } from './support/prereqs.ts';
import { makeTempDir, run } from './support/proc.ts';
import { BCRYPT_SIGNIFICANT_BYTES, startRegistry } from './support/registry.ts';

checkPrereqs();

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(tls: boolean, password: string) {
  const certs = tls ? await makeCerts() : undefined;
  if (certs) cleanups.push(certs.cleanup);
  const registry = await startRegistry({ password, ...(certs ? { certs } : {}) });
  cleanups.push(registry.stop);
  const config = await makeTempDir('e2e-docker-config');
  cleanups.push(config.cleanup);
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: config.path,
    DOCKER_CONFIG: config.path,
    ...(certs ? { SSL_CERT_FILE: certs.caCert } : {}),
  };
  const login = (pw: string) =>
    run('docker', ['login', '--username', 'AWS', '--password-stdin', registry.host], {
      env,
      input: pw,
    });
  const savedAuth = async () => {
    const text = await readFile(join(config.path, 'config.json'), 'utf8');
    const saved = JSON.parse(text) as { auths: Record<string, { auth?: string }> };
    return saved.auths[registry.host]?.auth;
  };
  return { registry, login, savedAuth };
}

describe.each([
  ['http', false],
  ['https', true],
])('docker-registry over %s with the docker CLI', (_name, tls) => {
  test('docker login succeeds with the password and fails without it', async () => {
    const { login, savedAuth } = await setup(tls, 'reg-pw-1');
    const ok = await login('reg-pw-1');
    expect(ok.stdout).toContain('Login Succeeded');
    expect(await savedAuth()).toBe(Buffer.from('AWS:reg-pw-1').toString('base64'));
    const bad = await login('wrong');
    expect(bad.code).not.toBe(0);
    // The CLI retries a loopback registry over plain HTTP and reports that last attempt.
    expect(bad.stderr).toMatch(tls ? /400 Bad Request/ : /401 Unauthorized/);
  }, 60_000);
});

test('ECR-sized passwords work; bcrypt ignores bytes past 72', async () => {
  const password = randomBytes(1500).toString('base64');
  const { login } = await setup(false, password);
  expect((await login(password)).code).toBe(0);
  const sameStart = password.slice(0, BCRYPT_SIGNIFICANT_BYTES) + 'different tail';
  expect((await login(sameStart)).code).toBe(0);
  expect((await login(`x${password.slice(1)}`)).code).not.toBe(0);
}, 60_000);
