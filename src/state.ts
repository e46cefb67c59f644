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
  /**
   * Recorded before a CLI that writes the credential itself started: the login may or may not
   * have landed (a cancelled or crashed step), and a later record without it confirms it.
   */
  pending?: boolean;
}

/** Hears of each login the moment its credential can land, and again when it has. */
export type Recorder = (login: Login) => void;

const LOGINS_FILE = 'logins.jsonl';

/**
 * Every CLI the main step starts carries this in its environment, naming the run's directory:
 * the post step finds by it the CLIs a killed main step left running.
 */
export const RUN_MARKER = 'ECR_LOGIN_ACTION_RUN';

/**
 * Makes this run's working directory under RUNNER_TEMP (staging configs go there, and the
 * login records) and names it in the state first, so the post step finds it whatever happens.
 */
export function startRun(): string {
  const parent = process.env.RUNNER_TEMP || os.tmpdir();
  fs.mkdirSync(parent, { recursive: true });
  const dir = fs.mkdtempSync(path.join(parent, 'ecr-login-'));
  core.saveState(State.RunDir, dir);
  process.env[RUN_MARKER] = dir;
  return dir;
}

/** Deletes the staging directories of the run, keeping its login records. */
export function clearStaging(runDir: string): void {
  for (const entry of fs.existsSync(runDir) ? fs.readdirSync(runDir) : []) {
    if (entry !== LOGINS_FILE)
      fs.rmSync(path.join(runDir, entry), { recursive: true, force: true });
  }
}

/** Left by a main step that saw every CLI it started end: no CLI of the run can be running. */
const ENDED_FILE = 'ended';

/**
 * Ends the main step's use of the run directory: it stays only when it holds login records, and
 * then says that the main step ended by itself (a killed or cancelled one cannot say so).
 */
export function endRun(runDir: string): void {
  if (!fs.existsSync(path.join(runDir, LOGINS_FILE))) {
    fs.rmSync(runDir, { recursive: true, force: true });
  } else {
    fs.writeFileSync(path.join(runDir, ENDED_FILE), '');
  }
}

/** True when the main step of this run ended by itself, every CLI it started with it. */
export function mainEnded(runDir: string): boolean {
  return fs.existsSync(path.join(runDir, ENDED_FILE));
}

/** Appends one login to the run's records: one short line each, however many logins. */
export function recordLogin(runDir: string, login: Login): void {
  fs.appendFileSync(path.join(runDir, LOGINS_FILE), `${JSON.stringify(login)}\n`, { mode: 0o600 });
}

/** This run's working directory, if the main step made one. */
export function loadRunDir(): string | undefined {
  return core.getState(State.RunDir) || undefined;
}

/**
 * The logins the main step recorded, one per CLI, store and host: a confirmed record wins over a
 * pending one. None when it recorded nothing or skipped logout.
 */
export function loadLogins(runDir: string | undefined): Login[] {
  if (runDir === undefined) return [];
  const file = path.join(runDir, LOGINS_FILE);
  if (!fs.existsSync(file)) return [];
  const logins = new Map<string, Login>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const login = parseLine(line);
    if (!isLogin(login)) continue;
    const key = JSON.stringify([login.cli, login.store, login.host]);
    if (login.pending && logins.get(key)?.pending === false) continue;
    logins.set(key, { ...login, pending: login.pending === true });
  }
  return [...logins.values()];
}

/** One record; a line cut short by a killed process is skipped. */
function parseLine(line: string): unknown {
  if (line.trim() === '') return undefined;
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
