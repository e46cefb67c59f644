// Eight real registries logged in to side by side with the real docker CLI: no credential may
// be lost to the concurrent logins, and an unrelated credential must survive main and post.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeCerts, type TestCerts } from './support/certs.ts';
import { EcrEndpoint } from './support/ecr-endpoint.ts';
import { encodeToken, type AuthTable } from './support/ecr-tokens.ts';
import { checkPrereqs } from './support/prereqs.ts';
import { freePort } from './support/proc.ts';
import { startRegistry, type TestRegistry } from './support/registry.ts';
import {
  apiEnv,
  Cleanups,
  escapeRegExp,
  linesMatching,
  listDir,
  makeRunDirs,
} from './support/resilience-env.ts';
import { runAction } from './support/runner.ts';

checkPrereqs();

const REGION = 'eu-west-1';
const N = 8;
const ACCOUNTS = Array.from({ length: N }, (_, i) => `6000000000${String(i + 1).padStart(2, '0')}`);
// Distinct within bcrypt's first 72 bytes: the index comes first.
const PASSWORDS = ACCOUNTS.map((_, i) => `${String(i + 1)}-many-registries-password`);
const UNRELATED = {
  host: 'ghcr.io',
  auth: Buffer.from('someone:ghp_unrelatedToken0001').toString('base64'),
};

/** A ninth account whose registry is down for good (nothing listens on its port). */
const DOWN = { account: '600000000099', password: '9-down-registry-password' };
let downHost: string;
let certs: TestCerts;
let endpoint: EcrEndpoint;
const registries: TestRegistry[] = [];

const cleanups = new Cleanups();
afterAll(() => cleanups.run());

beforeAll(async () => {
  certs = cleanups.add(await makeCerts());
  const started = await Promise.allSettled(
    PASSWORDS.map((password) => startRegistry({ password, certs })),
  );
  for (const s of started) if (s.status === 'fulfilled') registries.push(cleanups.add(s.value));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  // Keep the registries in account order (allSettled keeps it; the push above only skips failures).
  const auth: AuthTable = Object.fromEntries(
    ACCOUNTS.map((account, i) => [
      account,
      { password: PASSWORDS[i] ?? '', host: registries[i]?.host ?? '' },
    ]),
  );
  downHost = `127.0.0.1:${String(await freePort())}`;
  auth[DOWN.account] = { password: DOWN.password, host: downHost };
  endpoint = new EcrEndpoint({ certs, auth });
  await endpoint.start();
  cleanups.add(endpoint);
}, 60_000);

interface Config {
  auths?: Record<string, { auth?: string }>;
  [key: string]: unknown;
}

test(`${String(N)} registries in one call, logged in side by side, logged out in post`, async () => {
  const dirs = await makeRunDirs('e2e-res-many');
  const configFile = join(dirs.dockerConfig.path, 'config.json');
  const settings = { psFormat: 'table {{.ID}}\\t{{.Names}}', detachKeys: 'ctrl-e,e' };
  await writeFile(
    configFile,
    JSON.stringify({ auths: { [UNRELATED.host]: { auth: UNRELATED.auth } }, ...settings }),
  );
  const hosts = registries.map((r) => r.host);
  const secrets = PASSWORDS.flatMap((p) => [p, encodeToken(p)]);
  const env = { ...apiEnv(endpoint.url, certs), ...dirs.env };
  try {
    const main = await runAction({
      inputs: { registries: ACCOUNTS.join('\n'), region: REGION },
      env,
      secrets,
      phases: 'main',
    });
    expect({ exit: main.mainExit, stderr: main.stderr, leaks: main.leaks }).toEqual({
      exit: 0,
      stderr: '',
      leaks: [],
    });
    // One GetAuthorizationToken call carrying all eight registry IDs, in input order.
    expect(endpoint.requests.map((r) => ({ status: r.status, ids: r.registryIds }))).toEqual([
      { status: 200, ids: ACCOUNTS },
    ]);
    const afterMain = JSON.parse(await readFile(configFile, 'utf8')) as Config;
    expect(afterMain).toEqual({
      ...settings,
      auths: {
        [UNRELATED.host]: { auth: UNRELATED.auth },
        ...Object.fromEntries(hosts.map((h, i) => [h, { auth: encodeToken(PASSWORDS[i] ?? '') }])),
      },
    });
    expect(await listDir(dirs.dockerConfig.path)).toEqual(['config.json']);
    expect(await listDir(dirs.runnerTemp.path)).toEqual([]); // staging configs removed
    expect((main.outputs.registries ?? '').split(',').sort()).toEqual([...hosts].sort());
    expect(main.outputs.registry).toBeUndefined();
    for (const [i, host] of hosts.entries()) {
      const suffix = host.replace(/[^a-zA-Z0-9_]+/g, '_');
      expect(main.outputs[`docker_password_${suffix}`]).toBe(PASSWORDS[i]);
      expect(main.log).toContain(`Logged in to ${host} (${REGION}) with docker`);
    }
    for (const password of PASSWORDS) expect(main.masks).toContain(password);
    expect(linesMatching(main.log, /retrying/i)).toEqual([]);

    const post = await runAction({ env, secrets, phases: 'post', state: main.state });
    expect({ exit: post.postExit, leaks: post.leaks }).toEqual({ exit: 0, leaks: [] });
    expect(linesMatching(post.log, /^Logged out of /).sort()).toEqual(
      hosts.map((h) => `Logged out of ${h} (docker)`).sort(),
    );
    const afterPost = JSON.parse(await readFile(configFile, 'utf8')) as Config;
    expect(afterPost).toEqual({
      ...settings,
      auths: { [UNRELATED.host]: { auth: UNRELATED.auth } },
    });
    expect(await listDir(dirs.dockerConfig.path)).toEqual(['config.json']);
  } finally {
    await dirs.cleanup();
  }
}, 60_000);

test('one registry down: the others are logged in, reported and logged out; the step fails', async () => {
  const dirs = await makeRunDirs('e2e-res-many-down');
  const configFile = join(dirs.dockerConfig.path, 'config.json');
  await writeFile(
    configFile,
    JSON.stringify({ auths: { [UNRELATED.host]: { auth: UNRELATED.auth } } }),
  );
  const hosts = registries.map((r) => r.host);
  const secrets = [...PASSWORDS, DOWN.password].flatMap((p) => [p, encodeToken(p)]);
  const env = { ...apiEnv(endpoint.url, certs), ...dirs.env };
  const before = endpoint.requests.length;
  try {
    const main = await runAction({
      inputs: {
        registries: [...ACCOUNTS.slice(0, 4), DOWN.account, ...ACCOUNTS.slice(4)].join(','),
        region: REGION,
        'login-attempts': '2',
      },
      env,
      secrets,
      phases: 'main',
    });
    expect({ exit: main.mainExit, leaks: main.leaks }).toEqual({ exit: 1, leaks: [] });
    expect(endpoint.requests.slice(before).map((r) => r.registryIds?.length)).toEqual([N + 1]);
    const errors = main.commands.filter((c) => c.name === 'error').map((c) => c.message);
    expect(errors).toEqual([
      `docker login to ${downHost} failed: Get "http://${downHost}/v2/": dial tcp ${downHost}: ` +
        'connect: connection refused (after 2 attempts)',
    ]);
    expect(linesMatching(main.log, /retrying in/)).toEqual([
      expect.stringMatching(
        new RegExp(`^Login to ${escapeRegExp(downHost)} failed \\(attempt 1 of 2\\)`),
      ),
    ]);
    expect((main.outputs.registries ?? '').split(',').sort()).toEqual([...hosts].sort());
    const afterMain = JSON.parse(await readFile(configFile, 'utf8')) as Config;
    expect(Object.keys(afterMain.auths ?? {}).sort()).toEqual([UNRELATED.host, ...hosts].sort());
    const recorded = JSON.parse(main.state.logins ?? '[]') as { host: string }[];
    expect(recorded.map((l) => l.host).sort()).toEqual([...hosts].sort());

    const post = await runAction({ env, secrets, phases: 'post', state: main.state });
    expect({ exit: post.postExit, leaks: post.leaks }).toEqual({ exit: 0, leaks: [] });
    expect(linesMatching(post.log, /^Logged out of /)).toHaveLength(N);
    expect(JSON.parse(await readFile(configFile, 'utf8'))).toEqual({
      auths: { [UNRELATED.host]: { auth: UNRELATED.auth } },
    });
  } finally {
    await dirs.cleanup();
  }
}, 60_000);
