import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The parts of the docker CLI's config.json this action reads or changes. */
export interface DockerConfig {
  auths?: Record<string, unknown>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

/** The docker CLI's config directory: DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || path.join(os.homedir(), '.docker');
}

/** Reads `<dir>/config.json`; a missing file is an empty config. */
export function readConfig(dir: string): DockerConfig {
  const file = path.join(dir, 'config.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as DockerConfig;
  } catch {
    throw new Error(`The docker config file ${file} is not valid JSON.`);
  }
}

/** True when the CLI keeps this host's credential in a credential helper, not in config.json. */
export function usesHelper(config: DockerConfig, host: string): boolean {
  // As the docker CLI decides: a credHelpers entry for the host wins, even an empty one.
  const helpers = config.credHelpers ?? {};
  return Boolean(host in helpers ? helpers[host] : config.credsStore);
}

/** A private copy of the config without any credentials, for one login to write into. */
export function makeStaging(config: DockerConfig, parent: string): string {
  const dir = fs.mkdtempSync(path.join(parent, 'docker-login-'));
  // Without credential helpers too: what the staging config holds is merged into the file store.
  const { auths: _auths, credsStore: _store, credHelpers: _helpers, ...settings } = config;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(settings), { mode: 0o600 });
  return dir;
}

/**
 * Changes `auths` of `<dir>/config.json` in one read-modify-write that replaces the file
 * atomically, keeping every other setting. Returns the hosts whose entries were removed.
 */
export function updateAuths(
  dir: string,
  add: Record<string, unknown>,
  remove: string[] = [],
): string[] {
  let removed: string[] = [];
  updateConfig(dir, (config) => {
    const auths = { ...config.auths, ...add };
    removed = remove.filter((host) => host in auths);
    for (const host of removed) Reflect.deleteProperty(auths, host);
    return { ...config, auths };
  });
  return removed;
}

/**
 * Makes the docker CLI keep `host`'s credential in config.json itself, whatever credential
 * helper the config names: an empty credHelpers entry for a host means the file store.
 */
export function useFileStore(dir: string, host: string): void {
  updateConfig(dir, (config) => ({
    ...config,
    credHelpers: { ...config.credHelpers, [host]: '' },
  }));
}

/** One read-modify-write of `<dir>/config.json`, replacing the file atomically. */
function updateConfig(dir: string, change: (config: DockerConfig) => DockerConfig): void {
  const config = change(readConfig(dir));
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'config.json');
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(config, null, '\t')}\n`, { mode: 0o600 });
  fs.renameSync(temporary, file);
}

/**
 * Makes a job-private docker config directory under `parent`: config.json is copied from
 * `source` (settings, credential helpers and existing logins carry over) and every other entry
 * (cli-plugins, buildx builders, contexts) is linked, so later steps find them as before.
 */
export function makePrivateConfig(source: string, parent: string): string {
  const dir = fs.mkdtempSync(path.join(parent, 'ecr-login-docker-'));
  const entries = fs.existsSync(source) ? fs.readdirSync(source) : [];
  for (const entry of entries) {
    const from = path.join(source, entry);
    if (entry === 'config.json') fs.copyFileSync(from, path.join(dir, entry));
    else fs.symlinkSync(from, path.join(dir, entry));
  }
  if (fs.existsSync(path.join(dir, 'config.json')))
    fs.chmodSync(path.join(dir, 'config.json'), 0o600);
  return dir;
}
