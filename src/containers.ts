import * as os from 'node:os';
import * as path from 'node:path';
import { CONFIG_FILE } from './constants.ts';
import { realFile } from './files.ts';

/*
 * The rules of podman, buildah and skopeo (containers/common and containers/image) for their
 * credential file, containers-auth.json. The three share it and each rewrites it whole.
 */

/** Where a login of podman, buildah or skopeo goes. */
export interface ContainersPlacement {
  cli: 'podman' | 'buildah' | 'skopeo';
  /** The auth file, symbolic links followed; '' when only the CLI can know it. */
  file: string;
}

/** What the rules depend on; replaced in tests. */
export interface Host {
  platform: NodeJS.Platform;
  uid: number | undefined;
  home: string;
}

const thisHost: Host = { platform: process.platform, uid: process.getuid?.(), home: os.homedir() };

/**
 * The auth file, as the CLIs choose it: REGISTRY_AUTH_FILE, else DOCKER_CONFIG's config.json,
 * else their default — `$XDG_RUNTIME_DIR/containers/auth.json` on Linux, for root without it
 * `/run/containers/0/auth.json`, and `~/.config/containers/auth.json` on macOS and Windows.
 * '' for a user other than root on Linux without XDG_RUNTIME_DIR: podman then picks a runtime
 * directory of its own, which only it knows.
 */
export function containersAuthFile(
  env: NodeJS.ProcessEnv = process.env,
  host: Host = thisHost,
): string {
  if (env.REGISTRY_AUTH_FILE) return path.resolve(env.REGISTRY_AUTH_FILE);
  if (env.DOCKER_CONFIG) return path.resolve(env.DOCKER_CONFIG, CONFIG_FILE);
  if (host.platform !== 'linux') return path.join(host.home, '.config', 'containers', 'auth.json');
  if (env.XDG_RUNTIME_DIR) return path.resolve(env.XDG_RUNTIME_DIR, 'containers', 'auth.json');
  return host.uid === 0 ? '/run/containers/0/auth.json' : '';
}

/** Where `cli` keeps its credentials in this run. */
export function containersPlacement(
  cli: ContainersPlacement['cli'],
  file: string,
): ContainersPlacement {
  return { cli, file: file === '' ? '' : realFile(file) };
}

/** The environment that makes the CLI use `file`; '' leaves the choice to the CLI. */
export function containersEnv(file: string): NodeJS.ProcessEnv {
  return file === '' ? process.env : { ...process.env, REGISTRY_AUTH_FILE: file };
}
