import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as core from '@actions/core';
import { isCli } from './cli.ts';
import type { Cli } from './cli.ts';
import { State } from './constants.ts';

/** One registry login the post step has to undo, recorded the moment it succeeded. */
export interface Login {
  /** Registry host, as written into the credential store. */
  host: string;
  /** The CLI that logged in. */
  cli: Cli;
  /**
   * Where the CLI was pointed: docker's config directory, or the containers-auth.json file of
   * podman, buildah and skopeo ('' for the CLI's own default).
   */
  store: string;
  /** docker: the config.json written, symbolic links followed. */
  file?: string;
  /** docker: the credential helper that holds the secret; '' or absent for config.json. */
  helper?: string;
  /** docker: the login added an empty credHelpers entry to keep the credential in the file. */
  pinned?: boolean;
}

const LOGINS_FILE = 'logins.jsonl';

/**
 * Makes this run's working directory under RUNNER_TEMP (staging configs go there, and the
 * login records) and names it in the state first, so the post step finds it whatever happens.
 */
export function startRun(): string {
  const dir = fs.mkdtempSync(path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'ecr-login-'));
  core.saveState(State.RunDir, dir);
  return dir;
}

/** Ends the main step's use of the run directory: it stays only when it holds login records. */
export function endRun(runDir: string): void {
  if (!fs.existsSync(path.join(runDir, LOGINS_FILE))) {
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

/** Appends one login to the run's records: one short line each, however many logins. */
export function recordLogin(runDir: string, login: Login): void {
  fs.appendFileSync(path.join(runDir, LOGINS_FILE), `${JSON.stringify(login)}\n`, { mode: 0o600 });
}

/** This run's working directory, if the main step made one. */
export function loadRunDir(): string | undefined {
  return core.getState(State.RunDir) || undefined;
}

/** The logins the main step recorded; none when it recorded nothing or skipped logout. */
export function loadLogins(runDir: string | undefined): Login[] {
  if (runDir === undefined) return [];
  const file = path.join(runDir, LOGINS_FILE);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(parseLine)
    .filter(isLogin);
}

/** One record; a line cut short by a killed process is skipped. */
function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

function isLogin(value: unknown): value is Login {
  if (typeof value !== 'object' || value === null) return false;
  const login = value as Record<string, unknown>;
  return (
    typeof login.host === 'string' &&
    typeof login.cli === 'string' &&
    isCli(login.cli) &&
    typeof login.store === 'string'
  );
}

/** Records the job-private credential directory, before anything is written into it. */
export function savePrivateConfig(dir: string): void {
  core.saveState(State.PrivateConfig, dir);
}

/** The job-private credential directory to delete, if the main step made one. */
export function loadPrivateConfig(): string | undefined {
  return core.getState(State.PrivateConfig) || undefined;
}
