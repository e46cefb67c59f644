import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

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
