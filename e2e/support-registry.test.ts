import { describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { encodeToken } from './support/ecr-tokens.ts';
import { docker, dockerCanRead, pushImage } from './support/images.ts';
import { readJson } from './support/jobs.ts';
import { makeTempDir } from './support/proc.ts';
import { BCRYPT_SIGNIFICANT_BYTES } from './support/registry.ts';
import { useWorld } from './support/use-world.ts';

const LONG = randomBytes(1500).toString('base64');
const world = useWorld([
  { account: '100000000001', password: 'reg-pw-1', tls: false },
  { account: '100000000002', password: 'reg-pw-2' },
  { account: '100000000003', password: LONG, tls: false },
]);

/** A fresh docker config directory, and `docker login` / `logout` with it for registry `i`. */
async function dockerWith(i: number) {
  const config = world.add(await makeTempDir('e2e-docker-config')).path;
  const host = world.hosts[i] ?? '';
  const env = { SSL_CERT_FILE: world.certs.caCert };
  const args = ['login', '--username', 'AWS', '--password-stdin', host];
  return {
    config,
    host,
    env,
    login: (password: string) => docker(config, args, env, password),
    logout: () => docker(config, ['logout', host], env),
    savedAuth: async () =>
      (
        (await readJson(join(config, 'config.json'))) as {
          auths: Record<string, { auth?: string }>;
        }
      ).auths[host]?.auth,
  };
}

describe.each([
  ['http', 0, 'reg-pw-1'],
  ['https', 1, 'reg-pw-2'],
])('docker-registry over %s with the docker CLI', (name, i, password) => {
  test('docker login succeeds with the password and fails without it', async () => {
    const { login, savedAuth } = await dockerWith(i);
    const ok = await login(password);
    expect(ok.stdout).toContain('Login Succeeded');
    expect(await savedAuth()).toBe(encodeToken(password));
    const bad = await login('wrong');
    expect(bad.code).not.toBe(0);
    // The CLI retries a loopback registry over plain HTTP and reports that last attempt.
    expect(bad.stderr).toMatch(name === 'https' ? /400 Bad Request/ : /401 Unauthorized/);
  }, 60_000);

  test('an image pushed through the API is readable with the credential only', async () => {
    await pushImage(world.registries.slice(i, i + 1), world.certs, 'e2e/app', 'v1');
    const { config, host, env, login, logout } = await dockerWith(i);
    const canRead = () => dockerCanRead(config, host, 'e2e/app', 'v1', env);
    expect(await canRead()).toBe(false);
    expect((await login(password)).code).toBe(0);
    expect(await canRead()).toBe(true);
    // A missing image is not taken for a missing credential.
    await expect(dockerCanRead(config, host, 'e2e/app', 'missing', env)).rejects.toThrow(
      /no such manifest/,
    );
    expect((await logout()).code).toBe(0);
    expect(await canRead()).toBe(false);
  }, 60_000);
});

test('ECR-sized passwords work; bcrypt ignores bytes past 72', async () => {
  const { login } = await dockerWith(2);
  expect((await login(LONG)).code).toBe(0);
  const sameStart = LONG.slice(0, BCRYPT_SIGNIFICANT_BYTES) + 'different tail';
  expect((await login(sameStart)).code).toBe(0);
  expect((await login(`x${LONG.slice(1)}`)).code).not.toBe(0);
}, 60_000);
