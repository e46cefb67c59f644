import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as core from '@actions/core';
import type { Cli } from './cli.ts';
import { CONFIG_FILE, dockerConfigDir } from './docker-config.ts';
import type { DockerConfig } from './docker-config.ts';
import { savePrivateConfig } from './state.ts';

/*
 * The one owner of credential files. Every write to a credential file — a merge of a docker
 * login, a podman/buildah/skopeo login or logout that rewrites the file, the post step's
 * removal — runs under the lock of that file's real path, here.
 */

/** Where each kind of CLI keeps credentials. */
export interface Stores {
  /** docker's config directory. */
  docker: string;
  /** The containers-auth.json of podman, buildah and skopeo; '' for the CLI's own default. */
  containers: string;
  /** True for a job-private directory: nothing may go to a runner-wide credential helper. */
  private: boolean;
}

/**
 * The stores as the environment sets them. podman, buildah and skopeo take REGISTRY_AUTH_FILE,
 * else DOCKER_CONFIG's config.json, else their own default; the first two are named here so the
 * post step finds the same file, the last is left to the CLI.
 */
export function defaultStores(env: NodeJS.ProcessEnv = process.env): Stores {
  const fromDocker = env.DOCKER_CONFIG ? path.join(env.DOCKER_CONFIG, CONFIG_FILE) : '';
  return {
    docker: dockerConfigDir(env),
    containers: env.REGISTRY_AUTH_FILE || fromDocker,
    private: false,
  };
}

/**
 * Makes a job-private directory under RUNNER_TEMP, records it for the post step, seeds it from
 * the current stores and exports it to later steps (DOCKER_CONFIG, REGISTRY_AUTH_FILE).
 */
export function isolateStores(clis: Cli[]): Stores {
  const dir = makePrivateConfig(dockerConfigDir(), process.env.RUNNER_TEMP || os.tmpdir());
  savePrivateConfig(dir);
  core.exportVariable('DOCKER_CONFIG', dir);
  const stores = { docker: dir, containers: path.join(dir, 'auth.json'), private: true };
  if (clis.some((cli) => cli !== 'docker')) {
    const current = process.env.REGISTRY_AUTH_FILE;
    if (current && fs.existsSync(current)) writeJson(stores.containers, readJson(current));
    core.exportVariable('REGISTRY_AUTH_FILE', stores.containers);
  }
  core.info(`Credentials go to a job-private directory: ${dir}`);
  return stores;
}

/** Runs work one piece at a time: for files and helpers that are not safe for concurrent writers. */
export class Queue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(work, work);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}

const locks = new Map<string, Queue>();

/** Runs `work` under the lock of `file`'s real path ('' for a CLI's own default file). */
export function withFileLock<T>(file: string, work: () => Promise<T>): Promise<T> {
  const key = file === '' ? '' : realFile(file);
  const queue = locks.get(key) ?? new Queue();
  locks.set(key, queue);
  return queue.run(work);
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
export function readJson(file: string): DockerConfig {
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
  return value as DockerConfig;
}

/** Marks the temporary files of this action's writes, so leftovers can be found by name. */
const TEMP_MARK = '.ecr-login-';
let written = 0;

/**
 * Replaces a credential file atomically as docker does: through a symbolic link to its target,
 * keeping the file's mode and owner (a new file is 0600), every key kept as given.
 */
export function writeJson(file: string, value: DockerConfig): void {
  const target = realFile(file);
  const existing = fs.statSync(target, { throwIfNoEntry: false });
  fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  const temporary = `${target}${TEMP_MARK}${process.pid}-${++written}.tmp`;
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

/**
 * One read-modify-write of a credential file under its lock. `change` returns the new content,
 * or undefined to leave the file as it is; the result of `change` is handed back.
 */
export function updateJson<T>(
  file: string,
  change: (config: DockerConfig) => { config?: DockerConfig; result: T },
): Promise<T> {
  return withFileLock(file, () => {
    const { config, result } = change(readJson(file));
    if (config !== undefined) writeJson(file, config);
    return Promise.resolve(result);
  });
}

/**
 * Makes `target` see what docker finds in `source`: every entry but config.json (contexts,
 * cli-plugins, buildx, certs.d, …) linked in, so a docker run there acts as it would in `source`.
 */
export function mirrorDir(source: string, target: string, link = fs.symlinkSync): void {
  const entries = fs.existsSync(source) ? fs.readdirSync(source, { withFileTypes: true }) : [];
  for (const entry of entries) {
    // config.json, docker's own temporary copies of it and ours stay out.
    if (entry.name.startsWith(CONFIG_FILE)) continue;
    const from = path.join(source, entry.name);
    const to = path.join(target, entry.name);
    const isDir = fs.statSync(from, { throwIfNoEntry: false })?.isDirectory() ?? false;
    try {
      // A junction needs no privilege on Windows; elsewhere the type is ignored.
      link(from, to, isDir ? 'junction' : 'file');
    } catch (error) {
      if (isDir) throw error;
      fs.copyFileSync(from, to);
    }
  }
}

/**
 * A docker config directory of its own under `parent` for one docker run: the entries of
 * `source` mirrored, and a config.json holding `config`.
 */
export function makeStaging(parent: string, source: string, config: DockerConfig): string {
  const dir = fs.mkdtempSync(path.join(parent, 'docker-'));
  mirrorDir(source, dir);
  fs.writeFileSync(path.join(dir, CONFIG_FILE), JSON.stringify(config), { mode: 0o600 });
  return dir;
}

/**
 * Makes a job-private docker config directory under `parent`: config.json copied from `source`
 * (settings, credential helpers and existing logins carry over), every other entry mirrored.
 */
export function makePrivateConfig(source: string, parent: string): string {
  const dir = fs.mkdtempSync(path.join(parent, 'ecr-login-docker-'));
  mirrorDir(source, dir);
  const file = path.join(source, CONFIG_FILE);
  if (fs.existsSync(file)) writeJson(path.join(dir, CONFIG_FILE), readJson(file));
  return dir;
}

/**
 * Deletes the temporary files this action's writes leave beside `files` when a process is
 * killed between writing and renaming; only ours, by name. Returns the paths deleted.
 */
export function removeLeftovers(files: string[]): string[] {
  const deleted: string[] = [];
  for (const file of new Set(files)) {
    const dir = path.dirname(file);
    const ours = new RegExp(`^${escapeRegExp(path.basename(file))}\\.ecr-login-\\d+-\\d+\\.tmp$`);
    for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      if (!ours.test(name)) continue;
      fs.rmSync(path.join(dir, name), { force: true });
      deleted.push(path.join(dir, name));
    }
  }
  return deleted;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
