import { accessSync, constants } from 'node:fs';
import { symlink } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { NODE_BIN } from './action-yml.ts';
import { makeTempDir, type TempDir } from './proc.ts';

/** Command → Debian package that provides it. */
const PACKAGES: Record<string, string> = {
  docker: 'docker.io',
  'docker-registry': 'docker-registry',
  htpasswd: 'apache2-utils',
  openssl: 'openssl',
  aws: 'awscli',
};
const REQUIRED = ['docker', 'docker-registry', 'htpasswd', 'openssl'];

/** Absolute path of `command` on PATH, or undefined. */
export function which(command: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Throws, naming the Debian packages to install, when an end-to-end tool is missing. */
export function checkPrereqs(extra: string[] = []): void {
  const missing = [...REQUIRED, ...extra].filter((command) => !which(command));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((c) => PACKAGES[c] ?? c))].join(' ');
  throw new Error(
    `End-to-end tests need ${missing.join(', ')} on PATH. ` +
      `Install with: apt-get install ${packages} (or run .ci/run)`,
  );
}

/** The AWS CLI to use: Debian's /usr/bin/aws (v2) when present, else `aws` on PATH. */
export const awsCli = (): string | undefined =>
  which('aws', `/usr/bin${delimiter}${process.env.PATH ?? ''}`);

/** The CLIs besides docker that the action can log in with. */
export const CONTAINER_CLIS = ['podman', 'buildah', 'skopeo'] as const;

/** A directory holding only symlinks to node and to the named commands: a PATH of exactly those. */
export async function pathWith(commands: string[]): Promise<TempDir> {
  const dir = await makeTempDir('e2e-path');
  await symlink(NODE_BIN, join(dir.path, 'node'));
  for (const command of commands) {
    const target = which(command);
    if (target === undefined) throw new Error(`${command} is not on PATH`);
    await symlink(target, join(dir.path, command));
  }
  return dir;
}
