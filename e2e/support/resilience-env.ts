import { readdir } from 'node:fs/promises';
import type { TestCerts } from './certs.ts';
import { TEST_CREDENTIALS } from './ecr-endpoint.ts';
import { makeTempDir, type TempDir } from './proc.ts';

/** Environment that points the action's AWS SDK at the local ECR endpoint with test keys. */
export function apiEnv(endpointUrl: string, certs: TestCerts): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_ECR: endpointUrl,
    NODE_EXTRA_CA_CERTS: certs.caCert,
    SSL_CERT_FILE: certs.caCert,
  };
}

/** A run's own DOCKER_CONFIG and RUNNER_TEMP, so runs never share files by accident. */
export interface RunDirs {
  dockerConfig: TempDir;
  runnerTemp: TempDir;
  env: { DOCKER_CONFIG: string; RUNNER_TEMP: string };
  cleanup: () => Promise<void>;
}

export async function makeRunDirs(prefix: string): Promise<RunDirs> {
  const dockerConfig = await makeTempDir(`${prefix}-docker`);
  const runnerTemp = await makeTempDir(`${prefix}-runner-temp`).catch(async (err: unknown) => {
    await dockerConfig.cleanup();
    throw err;
  });
  return {
    dockerConfig,
    runnerTemp,
    env: { DOCKER_CONFIG: dockerConfig.path, RUNNER_TEMP: runnerTemp.path },
    cleanup: async () => {
      await dockerConfig.cleanup();
      await runnerTemp.cleanup();
    },
  };
}

/** Entries of a directory, sorted; [] when it does not exist. */
export const listDir = async (dir: string): Promise<string[]> =>
  (await readdir(dir).catch(() => [] as string[])).sort();

/** The log lines that match `pattern`. */
export const linesMatching = (log: string, pattern: RegExp): string[] =>
  log.split('\n').filter((line) => pattern.test(line));

/** Escapes a string for use inside a RegExp. */
export const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Stops what a suite started, last first, each even when an earlier one fails (the first error
 * is rethrown at the end). Register each server right after it starts, so a beforeAll that fails
 * half-way still has what it did start stopped.
 */
export class Cleanups {
  private readonly fns: (() => Promise<void>)[] = [];

  add<T extends { stop?: () => Promise<void>; cleanup?: () => Promise<void> }>(thing: T): T {
    const fn = thing.stop ?? thing.cleanup;
    if (fn) this.fns.push(() => fn.call(thing));
    return thing;
  }

  async run(): Promise<void> {
    const errors: unknown[] = [];
    for (const fn of this.fns.splice(0).reverse()) await fn().catch((e: unknown) => errors.push(e));
    if (errors.length > 0) throw errors[0];
  }
}
