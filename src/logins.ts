import * as fs from 'node:fs';
import * as path from 'node:path';
import * as core from '@actions/core';
import type { Cli } from './cli.ts';
import { CONFIG_FILE, State } from './constants.ts';
import { containersAuthFile, containersPlacement } from './containers.ts';
import type { Credential } from './credential.ts';
import { makeMarkedDir, mirrorDir } from './dirs.ts';
import { dockerConfigDir, placementFor, planDocker } from './docker.ts';
import type { DockerPlan } from './docker.ts';
import { errorMessage } from './errors.ts';
import { readJson, writeJson } from './files.ts';
import type { Login } from './records.ts';
import type { Run } from './run.ts';
import { remove } from './removal.ts';
import type { Removal } from './removal.ts';
import { pointAt, put } from './store.ts';
import type { Placement } from './store.ts';

/** What every login of a run needs: the run, the CLIs, and where each CLI keeps credentials. */
export interface Plan {
  run: Run;
  clis: Cli[];
  /** docker's rules for its config directory, read once; undefined without docker. */
  docker: DockerPlan | undefined;
  /** The auth file of podman, buildah and skopeo; '' for the CLI's own, unknown one. */
  containersFile: string;
  /**
   * credential-helper: the run's agent helper (`ecr-login-<run>`) each registry is pointed at
   * instead of storing its password; undefined otherwise.
   */
  helper?: string;
}

/**
 * Reads where each CLI keeps credentials, once, before any API call: a broken docker config
 * fails here. With `isolate`, a job-private directory takes their place for the rest of the job.
 */
export async function planLogins(run: Run, clis: Cli[], isolate: boolean): Promise<Plan> {
  let dockerDir = dockerConfigDir();
  let containersFile = containersAuthFile();
  if (isolate) ({ dockerDir, containersFile } = isolateStores(dockerDir, containersFile, clis));
  const docker = clis.includes('docker') ? await planDocker(dockerDir, isolate) : undefined;
  return { run, clis, docker, containersFile };
}

/**
 * Makes a job-private directory under RUNNER_TEMP, named in the state before anything is written
 * into it: docker's config.json copied in (settings, credential helpers and earlier logins carry
 * over), every other entry linked, and — for podman, buildah and skopeo — an auth.json seeded
 * from the file they use now (unless that is docker's config.json, which they read anyway).
 * Both are exported to later steps.
 */
function isolateStores(source: string, containersSource: string, clis: Cli[]) {
  const dockerDir = makeMarkedDir('ecr-login-docker-');
  core.saveState(State.PrivateConfig, dockerDir);
  mirrorDir(source, dockerDir);
  const config = path.join(source, CONFIG_FILE);
  if (fs.existsSync(config)) writeJson(path.join(dockerDir, CONFIG_FILE), readJson(config));
  core.exportVariable('DOCKER_CONFIG', dockerDir);
  const containersFile = path.join(dockerDir, 'auth.json');
  if (clis.some((cli) => cli !== 'docker')) {
    const seed = containersSource !== path.resolve(config) && fs.existsSync(containersSource);
    if (seed) writeJson(containersFile, readJson(containersSource));
    core.exportVariable('REGISTRY_AUTH_FILE', containersFile);
  }
  core.info(`Credentials go to a job-private directory: ${dockerDir}`);
  return { dockerDir, containersFile };
}

/** One registry's login with one CLI — or, without a CLI, a registry whose token never came. */
export type Outcome =
  | { registry: string; cli: Cli; ok: true; credential: Credential; output: string; note?: string }
  | { registry: string; cli?: Cli; ok: false; error: string };

/**
 * Logs in to one registry with every CLI of the plan, side by side (or, with the plan's agent
 * helper, points each CLI at it).
 */
export function logIn(plan: Plan, credential: Credential): Promise<Outcome[]> {
  const registry = credential.host;
  return Promise.all(
    plan.clis.map(async (cli): Promise<Outcome> => {
      try {
        const where = placement(plan, cli, registry);
        const stored = plan.helper
          ? await pointAt(plan.run, registry, where, plan.helper)
          : await put(plan.run, credential, where);
        return { registry, cli, ok: true, credential, ...stored };
      } catch (error) {
        return { registry, cli, ok: false, error: errorMessage(error) };
      }
    }),
  );
}

function placement(plan: Plan, cli: Cli, host: string): Placement {
  if (cli !== 'docker') return containersPlacement(cli, plan.containersFile);
  if (plan.docker === undefined) throw new Error('docker was asked for but not planned');
  return placementFor(plan.docker, host);
}

/** Removes every recorded login, one credential file after another (CLIs may share one). */
export async function logOut(run: Run, logins: Login[]): Promise<Removal[]> {
  const groups = new Map<string, Login[]>();
  for (const login of logins) {
    const key = JSON.stringify([login.cli === 'docker', login.file]);
    groups.set(key, [...(groups.get(key) ?? []), login]);
  }
  const removals: Removal[] = [];
  for (const group of groups.values()) removals.push(...(await remove(run, group)));
  return removals;
}
