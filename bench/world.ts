// The world: certificates, the ECR endpoint, the login stand-in; and stopping them all.
import { join } from 'node:path';
import { makeCerts } from '../e2e/support/certs.ts';
import { EcrEndpoint, TEST_CREDENTIALS } from '../e2e/support/ecr-endpoint.ts';
import type { AuthTable } from '../e2e/support/ecr-tokens.ts';
import { makeTempDir } from '../e2e/support/proc.ts';
import { LoginStandin } from './login-standin.ts';
import { progress } from './report.ts';

export const REGION = 'eu-west-1';
export const OTHER_REGIONS = ['us-east-1', 'ap-southeast-2'] as const;
/** 10 accounts in REGION, named by account ID; their registries are 127.0.0.1:<port>. */
export const ACCOUNTS = Array.from(
  { length: 10 },
  (_, i) => `1000000000${String(i + 1).padStart(2, '0')}`,
);
/** 3 + 3 registries in the other regions, named by host and reached through the CONNECT proxy. */
export const NAMED = OTHER_REGIONS.flatMap((region, r) =>
  Array.from({ length: 3 }, (_, i) => {
    const account = `${String(r + 2).repeat(10)}0${String(i + 1)}`;
    return { account, region, name: `${account}.dkr.ecr.${region}.amazonaws.com` };
  }),
);

export interface World {
  endpoint: EcrEndpoint;
  standin: LoginStandin;
  /** Host docker logs in to → password, per account ID (REGION) and per named host. */
  hostOf: Map<string, string>;
  passwordOf: Map<string, string>;
  caCert: string;
  /** Environment for every step. */
  env: Record<string, string>;
  tmp: string;
}

export type Cleanup = () => Promise<unknown>;

/**
 * Returns a function that runs the cleanups once, newest first; it also runs (and the process
 * exits) on SIGINT / SIGTERM (130) and on an error outside the awaited chain (1).
 */
export function stopAllOnExit(cleanups: Cleanup[]): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    progress(`\n${signal}: stopping the servers`);
    void stopAll().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // An error outside the awaited chain (a stray stream error) still stops every server.
  const onCrash = (error: unknown) => {
    console.error('bench failed:', error);
    void stopAll().then(() => process.exit(1));
  };
  process.once('uncaughtException', onCrash);
  process.once('unhandledRejection', onCrash);
  return stopAll;
}

export async function startWorld(cleanups: Cleanup[]): Promise<World> {
  const certs = await makeCerts(NAMED.map((n) => n.name));
  cleanups.push(certs.cleanup);
  const scratch = await makeTempDir('ecr-login-bench');
  cleanups.push(scratch.cleanup);
  const standin = new LoginStandin(certs);
  cleanups.push(() => standin.stop());
  const auth: AuthTable = {};
  const hostOf = new Map<string, string>();
  const passwordOf = new Map<string, string>();
  for (const account of ACCOUNTS) {
    const password = `bench-password-${account}-${REGION}`;
    const { host } = await standin.add(password);
    auth[`${REGION}/${account}`] = { password, host };
    hostOf.set(account, host);
    passwordOf.set(host, password);
  }
  for (const { account, region, name } of NAMED) {
    const password = `bench-password-${account}-${region}`;
    await standin.add(password, name);
    auth[`${region}/${account}`] = { password };
    hostOf.set(name, name);
    passwordOf.set(name, password);
  }
  await standin.startProxy();
  const endpoint = new EcrEndpoint({ certs, auth });
  await endpoint.start();
  cleanups.push(() => endpoint.stop());
  const env = {
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_ECR: endpoint.url,
    AWS_CONFIG_FILE: join(scratch.path, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(scratch.path, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    NODE_EXTRA_CA_CERTS: certs.caCert,
    SSL_CERT_FILE: certs.caCert,
  };
  return { endpoint, standin, hostOf, passwordOf, caCert: certs.caCert, env, tmp: scratch.path };
}
