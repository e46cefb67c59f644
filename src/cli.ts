import { which } from '@actions/io';

/** The container CLIs this action logs in with, in the order `auto` looks for them. */
export const CLIS = ['docker', 'podman', 'buildah', 'skopeo'] as const;
export type Cli = (typeof CLIS)[number];

/** True when `name` is one of the supported CLIs. */
export function isCli(name: string): name is Cli {
  return (CLIS as readonly string[]).includes(name);
}

/** The CLIs to use: each one asked for must be on PATH; `auto` takes the first one found. */
export async function findClis(choice: Cli[] | 'auto'): Promise<Cli[]> {
  if (choice === 'auto') {
    for (const cli of CLIS) if ((await which(cli, false)) !== '') return [cli];
    throw new Error(
      `'container-cli: auto' found none of ${CLIS.join(', ')} on PATH. Install one before this step.`,
    );
  }
  for (const cli of choice) {
    if ((await which(cli, false)) === '') {
      throw new Error(
        `The ${cli} CLI was not found on PATH. Install it before this step` +
          (cli === 'docker'
            ? ' (GitHub-hosted Ubuntu runners have it; on a self-hosted runner install docker-ce-cli or docker.io).'
            : ` (on Debian and Ubuntu: apt-get install ${cli}).`),
      );
    }
  }
  return choice;
}
