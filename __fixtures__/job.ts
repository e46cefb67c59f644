// A job on a temporary runner, for the tests of logins, stores and removals, and what they
// compare: credentials, docker's config.json entries and the login records.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Credential } from '../src/credential.ts';
import type { Login } from '../src/records.ts';

export interface Job {
  /** The job's own directory, symbolic links resolved. */
  root: string;
  /** RUNNER_TEMP. */
  temp: string;
  /** DOCKER_CONFIG, made and empty. */
  dockerDir: string;
  /** PATH, empty: no credential helper, so docker would detect no default store. */
  bin: string;
}

const saved = { ...process.env };
let current: Job | undefined;

/** Starts a job: its directories made, RUNNER_TEMP, DOCKER_CONFIG and PATH set to them. */
export function startJob(): Job {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'job-')));
  const job = {
    root,
    temp: path.join(root, 'temp'),
    dockerDir: path.join(root, 'docker'),
    bin: path.join(root, 'bin'),
  };
  for (const dir of [job.temp, job.dockerDir, job.bin]) fs.mkdirSync(dir);
  process.env.RUNNER_TEMP = job.temp;
  process.env.DOCKER_CONFIG = job.dockerDir;
  process.env.PATH = job.bin;
  delete process.env.REGISTRY_AUTH_FILE;
  current = job;
  return job;
}

/** Ends the job: its directories deleted, the environment as it was before. */
export function endJob(): void {
  process.env = { ...saved };
  if (current) fs.rmSync(current.root, { recursive: true, force: true });
  current = undefined;
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** docker's config.json entry for a password kept in the file itself. */
export const authOf = (password: string) => ({
  auth: Buffer.from(`AWS:${password}`).toString('base64'),
});

export const credential = (host: string, password: string): Credential => ({
  host,
  region: 'eu-west-1',
  username: 'AWS',
  password,
  expiresAt: new Date('2030-01-01T00:00:00Z'),
});

/** The record of a docker login of `password` to `host`, kept in `file` itself, confirmed. */
export const loginOf = (
  host: string,
  file: string,
  password: string,
  extra: Partial<Login> = {},
): Login => ({
  host,
  cli: 'docker',
  file,
  helper: '',
  pinned: false,
  pending: false,
  fingerprint: sha256(password),
  ...extra,
});

export const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, 'utf8'));
