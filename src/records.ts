import * as fs from 'node:fs';
import * as path from 'node:path';
import { isCli } from './cli.ts';
import type { Cli } from './cli.ts';

/** One credential the post step may have to remove: written before it can land, and again after. */
export interface Login {
  /** Registry host, as written into the credential store. */
  host: string;
  cli: Cli;
  /**
   * The credential file, symbolic links followed: docker's config.json, or the auth file of
   * podman, buildah and skopeo ('' when the CLI chose its own and it cannot be known).
   */
  file: string;
  /** The credential helper that holds the secret; '' for the file itself. */
  helper: string;
  /** docker: the login added an empty credHelpers entry to keep the credential in the file. */
  pinned: boolean;
  /** Recorded before the CLI could store the credential; a later record without it confirms it. */
  pending: boolean;
  /**
   * SHA-256 of the password stored (store.ts `fingerprint`): the post step removes it only
   * while the store still holds this one, so a later login to the same registry survives.
   */
  fingerprint: string;
  /** credential-helper mode: a credHelpers entry naming the run's agent, no secret at all. */
  agent?: boolean;
}

/** A process the main step started, named by its PID and start time (see startTimeOf). */
export interface Started {
  pid: number;
  start: string;
}

const LOGINS = 'logins.jsonl';
const PROCESSES = 'processes.jsonl';
/** Left by a main step that ended by itself: every process it started had ended. */
const ENDED = 'ended';

/**
 * The records of one run, in its directory: one line appended per event, so a killed process
 * leaves every earlier line whole and a thousand logins cost a thousand short lines.
 */
export class Records {
  readonly #dir: string;
  readonly #logins: boolean;

  /** `logins: false` (skip-logout) records no login: the post step then removes none. */
  constructor(dir: string, logins = true) {
    this.#dir = dir;
    this.#logins = logins;
  }

  login(login: Login): void {
    if (this.#logins) this.#append(LOGINS, login);
  }

  started(pid: number, start: string | undefined): void {
    if (start !== undefined) this.#append(PROCESSES, { pid, start });
  }

  /** The credential agent (credential-helper mode): it outlives the main step, until the post step. */
  agent(pid: number, start: string | undefined): void {
    if (start !== undefined) this.#append(PROCESSES, { pid, start, agent: true });
  }

  ended(pid: number): void {
    this.#append(PROCESSES, { pid, ended: true });
  }

  /** The main step ended by itself, and with it every process it started. */
  markEnded(): void {
    fs.writeFileSync(path.join(this.#dir, ENDED), '');
  }

  hasEnded(): boolean {
    return fs.existsSync(path.join(this.#dir, ENDED));
  }

  hasLogins(): boolean {
    return fs.existsSync(path.join(this.#dir, LOGINS));
  }

  /** The logins recorded, one per CLI, file and host: a confirmed record wins over a pending one. */
  logins(): Login[] {
    const logins = new Map<string, Login>();
    for (const value of this.#read(LOGINS)) {
      if (!isLogin(value)) continue;
      const key = JSON.stringify([value.cli, value.file, value.host]);
      if (value.pending && logins.get(key)?.pending === false) continue;
      logins.set(key, value);
    }
    return [...logins.values()];
  }

  /** The processes recorded as started and not as ended; `agents`: the agent's alone. */
  running(agents = false): Started[] {
    const running = new Map<number, Started>();
    for (const value of this.#read(PROCESSES)) {
      if (typeof value !== 'object' || value === null) continue;
      const { pid, start, ended, agent } = value as Record<string, unknown>;
      if (typeof pid !== 'number') continue;
      if (ended === true) running.delete(pid);
      else if (typeof start === 'string' && (!agents || agent === true)) {
        running.set(pid, { pid, start });
      }
    }
    return [...running.values()];
  }

  #append(name: string, value: object): void {
    fs.appendFileSync(path.join(this.#dir, name), `${JSON.stringify(value)}\n`, { mode: 0o600 });
  }

  /** Every whole line of a record file; a line cut short by a killed process is skipped. */
  #read(name: string): unknown[] {
    const file = path.join(this.#dir, name);
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    return text.split('\n').flatMap((line) => {
      try {
        return line.trim() === '' ? [] : [JSON.parse(line) as unknown];
      } catch {
        return [];
      }
    });
  }
}

function isLogin(value: unknown): value is Login {
  if (typeof value !== 'object' || value === null) return false;
  const login = value as Record<string, unknown>;
  return (
    typeof login.host === 'string' &&
    typeof login.cli === 'string' &&
    isCli(login.cli) &&
    typeof login.file === 'string' &&
    typeof login.helper === 'string' &&
    typeof login.pinned === 'boolean' &&
    typeof login.pending === 'boolean' &&
    typeof login.fingerprint === 'string' &&
    (login.agent === undefined || typeof login.agent === 'boolean')
  );
}
