import * as fs from 'node:fs';
import * as path from 'node:path';
import * as core from '@actions/core';
import { State } from './constants.ts';
import { deleteMarkedDir, isMarkedDir, makeMarkedDir } from './dirs.ts';
import { CredentialFiles } from './files.ts';
import { Records } from './records.ts';
import { MAX_BACKOFF_MS } from './retry.ts';
import type { RetryPolicy } from './retry.ts';
import { Runner } from './runner.ts';

/**
 * One run of a step — everything its logins or logouts share, passed down explicitly: the run's
 * directory and records, its credential files and their locks, its CLI runner, its limits.
 */
export interface Run {
  /** The run's marked directory under RUNNER_TEMP: records, and staging directories. */
  dir: string;
  records: Records;
  files: CredentialFiles;
  runner: Runner;
  /** Attempts and time limit of each login; the time limit also bounds each logout. */
  retry: RetryPolicy;
}

const PREFIX = 'ecr-login-';
/** Staging directories of docker logins, inside the run's directory. */
export const STAGING_PREFIX = 'docker-';

/**
 * Starts the main step's run: its marked directory, named in the state first, so the post step
 * finds it whatever happens. `keepLogins: false` (skip-logout) records no login.
 */
export function startRun(retry: RetryPolicy, keepLogins: boolean): Run {
  const dir = makeMarkedDir(PREFIX);
  core.saveState(State.RunDir, dir);
  return runIn(dir, retry, keepLogins);
}

/**
 * The post step's view of the main step's run; undefined when the main step made none, or
 * when the state names a directory this action did not make (which is then left alone).
 */
export function openRun(retry: RetryPolicy): Run | undefined {
  const dir = core.getState(State.RunDir);
  if (dir === '' || !fs.existsSync(dir)) return undefined;
  if (!isMarkedDir(dir)) {
    core.warning(
      `The run directory ${dir} named in the state was not made by this action: left alone.`,
    );
    return undefined;
  }
  return runIn(dir, retry, true);
}

function runIn(dir: string, retry: RetryPolicy, keepLogins: boolean): Run {
  const records = new Records(dir, keepLogins);
  // A holder keeps a credential file's lock at most for one login with all its attempts.
  const lockWaitMs = retry.attempts * (retry.timeoutMs + MAX_BACKOFF_MS) + 30_000;
  const files = new CredentialFiles(lockWaitMs, path.basename(dir).slice(PREFIX.length));
  return { dir, records, files, runner: new Runner(records), retry };
}

/**
 * Ends the main step's use of its run directory: it stays only when it holds login records, and
 * then says that the main step ended by itself (a killed or cancelled one cannot say so).
 */
export function endRun(run: Run): void {
  if (run.records.hasLogins()) run.records.markEnded();
  else deleteMarkedDir(run.dir);
}

/** Deletes the run's staging directories (the step was cancelled), keeping its records. */
export function clearStaging(run: Run): void {
  for (const entry of fs.readdirSync(run.dir)) {
    if (entry.startsWith(STAGING_PREFIX)) {
      fs.rmSync(path.join(run.dir, entry), { recursive: true, force: true });
    }
  }
}
