import * as core from '@actions/core';
import { isCli } from './cli.ts';
import type { Cli } from './cli.ts';
import { State } from './constants.ts';

/** One registry login the post step has to undo. */
export interface Login {
  /** Registry host, as written into the credential store. */
  host: string;
  /** The CLI that logged in. */
  cli: Cli;
  /**
   * Where the credential went: docker's config directory, or the containers-auth.json file of
   * podman, buildah and skopeo ('' for the CLI's own default).
   */
  store: string;
}

/** Records the logins so far; called after each login, so a later failure loses none. */
export function saveLogins(logins: Login[]): void {
  core.saveState(State.Logins, JSON.stringify(logins));
}

/** The logins the main step recorded; none when it recorded nothing or skipped logout. */
export function loadLogins(): Login[] {
  const raw = core.getState(State.Logins);
  if (raw === '') return [];
  const parsed: unknown = JSON.parse(raw);
  if (!Array.isArray(parsed)) throw new Error('The saved login state is not a list.');
  return parsed.filter(isLogin);
}

function isLogin(value: unknown): value is Login {
  if (typeof value !== 'object' || value === null) return false;
  const login = value as Record<string, unknown>;
  return (
    typeof login.host === 'string' &&
    typeof login.cli === 'string' &&
    isCli(login.cli) &&
    typeof login.store === 'string'
  );
}

/** Records the job-private credential directory, before anything is written into it. */
export function savePrivateConfig(dir: string): void {
  core.saveState(State.PrivateConfig, dir);
}

/** The job-private credential directory to delete, if the main step made one. */
export function loadPrivateConfig(): string | undefined {
  return core.getState(State.PrivateConfig) || undefined;
}
