import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import lockfile from 'proper-lockfile';
import { errorMessage } from './errors.ts';

/*
 * Credential files as the CLIs that own them keep them: read as JSON objects, replaced
 * atomically through symbolic links with their mode and owner kept, and locked across processes
 * for every write this action makes.
 */

/** The parts of a credential file this action reads; every other key is kept as it is. */
export interface CredentialFile {
  auths?: Record<string, unknown>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

/** A credential file whose lock this run holds: read it, replace it, then let it go. */
export interface HeldFile {
  /** The file's content now (see readJson). */
  read: () => CredentialFile;
  /** Replaces the file as docker does (see writeJson). */
  write: (value: CredentialFile) => void;
  /** Frees the lock: the next writer, in this process or another, goes on. */
  release: () => Promise<void>;
}

/** Marks the temporary files of this action's writes, so a run finds its own leftovers by name. */
const TEMP_MARK = '.ecr-login-';
/** A lock not refreshed for this long belongs to a process that died: it is taken over. */
const STALE_MS = 5_000;
/** How often a held lock is refreshed. */
const REFRESH_MS = 1_000;

/**
 * The credential files of one run: every write to one goes through here, under its lock. Work on
 * one file runs one piece at a time in this process, and holds `<file>.lock` (a directory beside
 * the file, proper-lockfile's) against every other process of this action — other jobs' main and
 * post steps included. A lock whose owner was killed is taken over once it is STALE_MS old; a
 * live owner is waited for up to `waitMs`. `tag` names this run's temporary files.
 */
export class CredentialFiles {
  /** The last holder of each file in this process: the next waits for it. */
  readonly #queues = new Map<string, Promise<void>>();
  readonly #waitMs: number;
  readonly #tag: string;
  #written = 0;

  constructor(waitMs: number, tag: string) {
    this.#waitMs = waitMs;
    this.#tag = tag;
  }

  /**
   * Deletes the temporary files this run's writes left beside `files` when its process was
   * killed between writing and renaming (`<name>.ecr-login-<tag>-<pid>-<n>.tmp`): only this
   * run's, by name — never another job's write in progress. Returns the paths deleted.
   */
  removeLeftovers(files: string[]): string[] {
    const deleted: string[] = [];
    for (const file of new Set(files)) {
      const dir = path.dirname(file);
      const prefix = `${path.basename(file)}${TEMP_MARK}${this.#tag}-`;
      for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
        if (!name.startsWith(prefix) || !/^\d+-\d+\.tmp$/.test(name.slice(prefix.length))) continue;
        fs.rmSync(path.join(dir, name), { force: true });
        deleted.push(path.join(dir, name));
      }
    }
    return deleted;
  }

  /**
   * Takes the lock of `file` (its real path): once every earlier holder in this process has let
   * it go, and no other process holds `<file>.lock`. For '' (a CLI's own file, whose path
   * cannot be known) the holders of this process take turns, and nothing is locked on disk.
   */
  async lock(file: string): Promise<HeldFile> {
    const target = file === '' ? '' : realFile(file);
    let free = (): void => undefined;
    const mine = new Promise<void>((resolve) => (free = resolve));
    const before = this.#queues.get(target) ?? Promise.resolve();
    this.#queues.set(target, mine);
    await before;
    let unlock: () => Promise<void> = () => Promise.resolve();
    try {
      if (target !== '') unlock = await this.#acquire(target);
    } catch (error) {
      free();
      throw error;
    }
    return {
      read: () => readJson(target),
      write: (value) => {
        writeJson(target, value, `${this.#tag}-${String(process.pid)}-${String(++this.#written)}`);
      },
      release: async () => {
        await unlock().catch(() => undefined);
        free();
      },
    };
  }

  async #acquire(target: string): Promise<() => Promise<void>> {
    fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
    try {
      return await lockfile.lock(target, {
        realpath: false,
        stale: STALE_MS,
        update: REFRESH_MS,
        // Polled every 5 ms at first, then at most every 50 ms (with jitter), until waitMs.
        retries: {
          retries: Math.ceil(this.#waitMs / 50) + 20,
          factor: 1.3,
          minTimeout: 5,
          maxTimeout: 50,
          randomize: true,
          maxRetryTime: this.#waitMs,
        },
        // Only a process stalled past STALE_MS loses its lock; its write is already under way.
        onCompromised: () => undefined,
      });
    } catch (error) {
      throw new Error(
        `Could not lock ${target} within ${String(this.#waitMs / 1000)} s: another step of this ` +
          `action held ${target}.lock all that time (${errorMessage(error)}).`,
        { cause: error },
      );
    }
  }
}

/** The file a path stands for: symbolic links followed, even to a target not yet created. */
export function realFile(file: string): string {
  let current = path.resolve(file);
  for (let hops = 0; hops < 40; hops++) {
    try {
      current = path.resolve(path.dirname(current), fs.readlinkSync(current));
    } catch {
      break;
    }
  }
  const dir = path.dirname(current);
  const realDir = fs.existsSync(dir) ? fs.realpathSync(dir) : dir;
  return path.join(realDir, path.basename(current));
}

/** Reads a JSON credential file; a missing or empty one is `{}`, anything else but an object fails. */
export function readJson(file: string): CredentialFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(
      `The credential file ${file} is not a valid JSON object, so it was left untouched. ` +
        'Fix or remove it and run the job again.',
    );
  }
  return value as CredentialFile;
}

/**
 * Replaces a credential file atomically as docker does: through a symbolic link to its target,
 * keeping the file's mode and owner (a new file is 0600), every key kept as given. The temporary
 * file beside it is `<name>.ecr-login-<id>.tmp`.
 */
export function writeJson(file: string, value: CredentialFile, id: string = randomUUID()): void {
  const target = realFile(file);
  const existing = fs.statSync(target, { throwIfNoEntry: false });
  fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  const temporary = `${target}${TEMP_MARK}${id}.tmp`;
  const mode = existing ? existing.mode & 0o7777 : 0o600;
  try {
    fs.writeFileSync(temporary, `${JSON.stringify(value, null, '\t')}\n`, { mode, flag: 'wx' });
    fs.chmodSync(temporary, mode);
    if (existing && process.getuid?.() === 0) fs.chownSync(temporary, existing.uid, existing.gid);
    fs.renameSync(temporary, target);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}
