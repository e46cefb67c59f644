import * as os from 'node:os';
import * as path from 'node:path';
import { which } from '@actions/io';
import { CONFIG_FILE } from './constants.ts';
import { readJson, realFile } from './files.ts';
import type { CredentialFile } from './files.ts';

/*
 * The docker CLI's rules for its config directory, read from docker/cli: where the directory is,
 * and which credential store holds each host's credential.
 */

/** Platform facts docker's rules depend on; replaced in tests to follow Windows or macOS rules. */
export interface Platform {
  /** path.win32 on Windows, path.posix elsewhere. */
  path: path.PlatformPath;
  home: string;
  name: NodeJS.Platform;
}

export const thisPlatform: Platform = { path, home: os.homedir(), name: process.platform };

/** The config directory, absolute: DOCKER_CONFIG (from the working directory), else ~/.docker. */
export function dockerConfigDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: Platform = thisPlatform,
): string {
  return env.DOCKER_CONFIG
    ? platform.path.resolve(env.DOCKER_CONFIG)
    : platform.path.join(platform.home, '.docker');
}

/** True when the file names a credential store or holds a credential (docker's ContainsAuth). */
export function containsAuth(config: CredentialFile): boolean {
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
  config: CredentialFile,
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
export function storeFor(config: CredentialFile, host: string, detected: string): StoreChoice {
  const helpers = config.credHelpers ?? {};
  if (Object.hasOwn(helpers, host)) return { helper: helpers[host] ?? '', rule: 'credHelpers' };
  if (config.credsStore) return { helper: config.credsStore, rule: 'credsStore' };
  if (detected !== '') return { helper: detected, rule: 'default' };
  return { helper: '', rule: 'file' };
}

/** docker's view of one config directory, read once before the first login. */
export interface DockerPlan {
  /** The config directory, absolute: its contexts, plugins and settings are docker's. */
  dir: string;
  /** Its config.json, symbolic links followed. */
  file: string;
  config: CredentialFile;
  /** The platform default store docker would pick for this file; '' for none. */
  detected: string;
  /** A job-private directory: every credential stays in its config.json. */
  private: boolean;
  /** Default stores that refused an ECR token in this run: the next logins skip them. */
  refusing: Set<string>;
}

/** Reads the config (failing on one that is not JSON) and docker's store rules for it. */
export async function planDocker(dir: string, isPrivate: boolean): Promise<DockerPlan> {
  const file = realFile(path.join(dir, CONFIG_FILE));
  const config = readJson(file);
  const onPath = async (command: string) => (await which(command, false)) !== '';
  const detected = await detectDefaultStore(config, onPath);
  return { dir, file, config, detected, private: isPrivate, refusing: new Set() };
}

/** Where one docker login puts its credential, as docker itself would, and what to add beside it. */
export interface DockerPlacement {
  cli: 'docker';
  /** The config directory docker runs against (mirrored into a staging directory). */
  dir: string;
  /** Its config.json, symbolic links followed. */
  file: string;
  /** The staging directory's config.json: every setting of the real one, the host's store named. */
  staging: CredentialFile;
  /** The credential helper that takes the secret; '' for config.json. */
  helper: string;
  /** Add an empty credHelpers entry, so docker keeps this host in the file whatever the store. */
  pin: boolean;
  /** The store docker picked by itself, written as credsStore as docker persists it; '' for none. */
  persist: string;
  /**
   * A store docker picked by itself may refuse the token (wincred takes 2,560 bytes at most):
   * the file then takes it, pinned. These are the stores that refused so far in this run.
   */
  refusing: Set<string> | undefined;
  /** What to tell the user when a store the config names refuses the token. */
  refusal: string;
}

/** Where docker keeps `host`'s credential in this run (a job-private directory: the file). */
export function placementFor(plan: DockerPlan, host: string): DockerPlacement {
  const { auths: _a, credsStore: _s, credHelpers: _h, ...settings } = plan.config;
  const choice = storeFor(plan.config, host, plan.detected);
  const helper = plan.private ? '' : choice.helper;
  const where = choice.rule === 'credsStore' ? '"credsStore"' : `"credHelpers" for ${host}`;
  return {
    cli: 'docker',
    dir: plan.dir,
    file: plan.file,
    staging: { ...settings, credHelpers: { [host]: helper } },
    helper,
    pin: choice.helper !== '' && helper === '',
    persist: choice.rule === 'default' ? plan.detected : '',
    refusing: choice.rule === 'default' ? plan.refusing : undefined,
    refusal:
      `The credential store '${choice.helper}' (${where} in ${plan.file}) did not take the ECR ` +
      `token. To keep this registry's credential in config.json instead, add "credHelpers": ` +
      `{"${host}": ""} to that file, or set 'isolate-credentials: true'.`,
  };
}
