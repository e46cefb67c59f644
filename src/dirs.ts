import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CONFIG_FILE } from './constants.ts';

/*
 * The directories this action makes: each carries a mark, and the action deletes a directory
 * only when it is under RUNNER_TEMP and carries that mark — never one that state merely names.
 */

/** The mark file, and what it holds. */
const MARK = '.ecr-login-action';
const MARK_TEXT = 'made by the Amazon ECR login action; deleted by its post step\n';

/** Where the action's directories go: RUNNER_TEMP, else the system's temporary directory. */
export function tempRoot(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.RUNNER_TEMP || os.tmpdir());
}

/** Makes a new directory `<prefix>XXXXXX` under the temporary root, marked as the action's. */
export function makeMarkedDir(prefix: string): string {
  fs.mkdirSync(tempRoot(), { recursive: true });
  const dir = fs.mkdtempSync(path.join(tempRoot(), prefix));
  fs.writeFileSync(path.join(dir, MARK), MARK_TEXT, { mode: 0o600 });
  return dir;
}

/**
 * True when `dir` is a directory this action made: a real directory (not a link) inside the
 * temporary root, holding the action's mark as a plain file.
 */
export function isMarkedDir(dir: string): boolean {
  try {
    if (!fs.lstatSync(dir).isDirectory()) return false;
    const root = fs.realpathSync(tempRoot());
    const inside = path.relative(root, fs.realpathSync(dir));
    const outside = inside === '..' || inside.startsWith(`..${path.sep}`);
    if (inside === '' || outside || path.isAbsolute(inside)) return false;
    const mark = path.join(dir, MARK);
    return fs.lstatSync(mark).isFile() && fs.readFileSync(mark, 'utf8') === MARK_TEXT;
  } catch {
    return false;
  }
}

/** Deletes `dir` if this action made it (isMarkedDir); true when it did. */
export function deleteMarkedDir(dir: string): boolean {
  if (!isMarkedDir(dir)) return false;
  fs.rmSync(dir, { recursive: true, force: true });
  return true;
}

/**
 * Makes `target` see what docker finds in `source`: every entry but config.json (contexts,
 * cli-plugins, buildx, certs.d, …) linked in by its absolute path, so a docker run there acts
 * as it would in `source`, whatever the working directory.
 */
export function mirrorDir(source: string, target: string, link = fs.symlinkSync): void {
  const from = path.resolve(source);
  const entries = fs.existsSync(from) ? fs.readdirSync(from, { withFileTypes: true }) : [];
  for (const entry of entries) {
    // config.json, its lock and temporary copies (docker's and ours), and a mark stay out.
    if (entry.name.startsWith(CONFIG_FILE) || entry.name === MARK) continue;
    const source = path.join(from, entry.name);
    const to = path.join(target, entry.name);
    const isDir = fs.statSync(source, { throwIfNoEntry: false })?.isDirectory() ?? false;
    try {
      // A junction needs no privilege on Windows; elsewhere the type is ignored.
      link(source, to, isDir ? 'junction' : 'file');
    } catch (error) {
      if (isDir) throw error;
      fs.copyFileSync(source, to);
    }
  }
}

/**
 * A docker config directory of its own, inside `parent`, for one docker run: the entries of
 * `source` mirrored, and a config.json holding `config`.
 */
export function makeStaging(parent: string, source: string, config: object): string {
  const dir = fs.mkdtempSync(path.join(parent, 'docker-'));
  mirrorDir(source, dir);
  fs.writeFileSync(path.join(dir, CONFIG_FILE), JSON.stringify(config), { mode: 0o600 });
  return dir;
}
