import * as os from 'node:os';
import * as path from 'node:path';

/** The parts of the docker CLI's config.json this action reads; every other key is kept as is. */
export interface DockerConfig {
  auths?: Record<string, unknown>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

/** The name of docker's credential file inside its config directory. */
export const CONFIG_FILE = 'config.json';

/** Platform facts docker's rules depend on; replaced in tests to follow Windows or macOS rules. */
export interface Platform {
  /** path.win32 on Windows, path.posix elsewhere. */
  path: path.PlatformPath;
  home: string;
}

export const thisPlatform: Platform = { path, home: os.homedir() };

/** The docker CLI's config directory: DOCKER_CONFIG, else `.docker` in the home directory. */
export function dockerConfigDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: Platform = thisPlatform,
): string {
  return env.DOCKER_CONFIG || platform.path.join(platform.home, '.docker');
}

/** True when the file names a credential store or holds a credential (docker's ContainsAuth). */
export function containsAuth(config: DockerConfig): boolean {
  return (
    Boolean(config.credsStore) ||
    Object.keys(config.credHelpers ?? {}).length > 0 ||
    Object.keys(config.auths ?? {}).length > 0
  );
}

/**
 * The credential store docker picks by itself for a file that holds no credential: the
 * platform's default helper, when its `docker-credential-<name>` is on PATH; '' for none.
 * `onPath` answers whether a command is on PATH (with PATHEXT on Windows).
 */
export async function detectDefaultStore(
  config: DockerConfig,
  onPath: (command: string) => Promise<boolean>,
  platform: NodeJS.Platform = process.platform,
): Promise<string> {
  if (containsAuth(config)) return '';
  let name = '';
  if (platform === 'win32') name = 'wincred';
  else if (platform === 'darwin') name = 'osxkeychain';
  else if (platform === 'linux') name = (await onPath('pass')) ? 'pass' : 'secretservice';
  return name !== '' && (await onPath(`docker-credential-${name}`)) ? name : '';
}

/** Where docker keeps one host's credential, and which rule of its decided so. */
export interface StoreChoice {
  /** The credential helper's name; '' for config.json itself. */
  helper: string;
  /** `credHelpers[host]`, `credsStore`, the platform `default`, or the file for want of any. */
  rule: 'credHelpers' | 'credsStore' | 'default' | 'file';
}

/**
 * The store docker uses for `host`: `credHelpers[host]` (an empty one means the file), then
 * `credsStore`, then `detected` (from detectDefaultStore), then config.json.
 */
export function storeFor(config: DockerConfig, host: string, detected: string): StoreChoice {
  const helpers = config.credHelpers ?? {};
  if (Object.hasOwn(helpers, host)) return { helper: helpers[host] ?? '', rule: 'credHelpers' };
  if (config.credsStore) return { helper: config.credsStore, rule: 'credsStore' };
  if (detected !== '') return { helper: detected, rule: 'default' };
  return { helper: '', rule: 'file' };
}

/** Said by docker when the registry took the password but the credential store refused it. */
export const STORE_REFUSED = /error saving credentials|error storing credentials/i;
