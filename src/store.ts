import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_FILE } from './constants.ts';
import { containersEnv } from './containers.ts';
import type { ContainersPlacement } from './containers.ts';
import type { Credential } from './credential.ts';
import { makeStaging } from './dirs.ts';
import type { DockerPlacement } from './docker.ts';
import { errorMessage } from './errors.ts';
import { readJson } from './files.ts';
import type { Login } from './records.ts';
import type { Run } from './run.ts';

/*
 * The one place credentials are stored (removal.ts takes them out again). Every write to a
 * credential file holds that file's lock (run.files), and every login is recorded before its
 * credential can land, with the fingerprint the post step compares before it removes anything.
 */

export type Placement = DockerPlacement | ContainersPlacement;

/** What the CLI printed, and a line to add when the credential went elsewhere than asked. */
export interface Stored {
  output: string;
  note?: string;
}

/** Said by docker when the registry took the password but the credential store refused it. */
const STORE_REFUSED = /error saving credentials|error storing credentials/i;

/** The SHA-256 of a password, in hex: enough to recognise it, nothing to log in with. */
export function fingerprint(password: string): string {
  return createHash('sha256').update(password).digest('hex');
}

/** Logs `credential` in with the placement's CLI and stores it where that CLI would. */
export function put(run: Run, credential: Credential, placement: Placement): Promise<Stored> {
  const login: Login = {
    host: credential.host,
    cli: placement.cli,
    file: placement.file,
    helper: placement.cli === 'docker' ? placement.helper : '',
    pinned: placement.cli === 'docker' && placement.pin,
    pending: false,
    fingerprint: fingerprint(credential.password),
  };
  return placement.cli === 'docker'
    ? putDocker(run, credential, placement, login)
    : putContainers(run, credential, placement, login);
}

/**
 * `<cli> login` of podman, buildah or skopeo: the CLI rewrites the whole file itself, so it runs
 * under the file's lock, recorded as pending before it starts and confirmed after. A helper the
 * file names for the host (its credHelpers) takes the secret instead, as the CLI decides.
 */
async function putContainers(
  run: Run,
  credential: Credential,
  p: ContainersPlacement,
  login: Login,
): Promise<Stored> {
  const file = await run.files.lock(p.file);
  try {
    const helper = file.read().credHelpers?.[login.host] ?? '';
    run.records.login({ ...login, helper, pending: true });
    const output = await run.runner.login(p.cli, credential, containersEnv(p.file), run.retry);
    run.records.login({ ...login, helper });
    return { output };
  } finally {
    await file.release();
  }
}

/**
 * `docker login` in a staging directory that mirrors the config directory, the host's store named
 * there; what docker wrote for the host is then merged into config.json under its lock, recorded
 * in the same synchronous step. A login through a credential helper holds the file's lock
 * throughout (a helper is one store for every job of the user, and removals compare, then erase),
 * recorded as pending before docker starts. When a store docker picked by itself refuses the
 * token, the file takes it for this host, pinned.
 */
async function putDocker(
  run: Run,
  credential: Credential,
  p: DockerPlacement,
  login: Login,
): Promise<Stored> {
  const held = p.helper === '' ? undefined : await run.files.lock(p.file);
  try {
    if (p.refusing?.has(p.helper) !== true) {
      if (held) run.records.login({ ...login, pending: true });
      const staging = makeStaging(run.dir, p.dir, p.staging);
      try {
        const env = { ...process.env, DOCKER_CONFIG: staging };
        const output = await run.runner.login('docker', credential, env, run.retry);
        const entry = readJson(path.join(staging, CONFIG_FILE)).auths?.[login.host] ?? {};
        const file = held ?? (await run.files.lock(p.file));
        try {
          const config = file.read();
          const pins = p.pin ? { credHelpers: { ...config.credHelpers, [login.host]: '' } } : {};
          const persist = p.persist !== '' && !config.credsStore ? { credsStore: p.persist } : {};
          run.records.login(login);
          file.write({
            ...config,
            auths: { ...config.auths, [login.host]: entry },
            ...persist,
            ...pins,
          });
        } finally {
          if (!held) await file.release();
        }
        return { output };
      } catch (error) {
        const message = errorMessage(error);
        if (!STORE_REFUSED.test(message) || p.helper === '') throw error;
        if (!p.refusing) throw new Error(`${message}. ${p.refusal}`, { cause: error });
        p.refusing.add(p.helper);
      } finally {
        fs.rmSync(staging, { recursive: true, force: true });
      }
    }
  } finally {
    await held?.release();
  }
  // The store docker picked by itself refused the token: the file keeps it for this host alone.
  const inFile = { ...p, helper: '', pin: true, refusing: undefined };
  inFile.staging = { ...p.staging, credHelpers: { [login.host]: '' } };
  const stored = await putDocker(run, credential, inFile, { ...login, helper: '', pinned: true });
  return {
    ...stored,
    note: `docker's default credential store '${p.helper}' refused the ECR token; the credential is kept in ${p.file} for this registry alone`,
  };
}

/**
 * `credential-helper: true`: points `host` at the run's agent in the placement's credential file
 * (`credHelpers[host] = <helper>`), under the file's lock, recorded before it is written. No
 * secret is stored.
 */
export async function pointAt(
  run: Run,
  host: string,
  placement: Placement,
  helper: string,
): Promise<Stored> {
  const { cli, file } = placement;
  if (file === '') {
    throw new Error(
      `${cli}'s credential file cannot be known here (no XDG_RUNTIME_DIR): set REGISTRY_AUTH_FILE.`,
    );
  }
  const held = await run.files.lock(file);
  try {
    const config = held.read();
    const login = { host, cli, file, helper, pinned: false, pending: false, fingerprint: '' };
    run.records.login({ ...login, agent: true });
    held.write({ ...config, credHelpers: { ...config.credHelpers, [host]: helper } });
  } finally {
    await held.release();
  }
  return { output: `asks the credential helper docker-credential-${helper}` };
}
