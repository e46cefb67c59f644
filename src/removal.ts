import * as fs from 'node:fs';
import { containersEnv } from './containers.ts';
import { errorMessage } from './errors.ts';
import { readJson } from './files.ts';
import type { CredentialFile, HeldFile } from './files.ts';
import type { Login } from './records.ts';
import { fingerprint } from './store.ts';
import type { Run } from './run.ts';

/*
 * Takes out what store.ts put in, for the post step: a credential is removed only while its
 * store still holds the very secret this run stored (its fingerprint), so a later login to the
 * same registry — another job's — survives. Each file's removals hold its lock.
 */

/** Said by a credential helper that holds nothing for the host. */
const NOT_FOUND = /credentials not found/i;
/** Said by podman, buildah or skopeo that had nothing to remove, or whose file is gone. */
const NOTHING_TO_REMOVE = /not logged in|no such file or directory/i;

/** How removing one recorded credential went. */
export type Removal = { login: Login } & (
  { state: 'removed' | 'gone' | 'replaced' } | { state: 'failed'; error: string }
);

/**
 * Removes the recorded logins of one CLI from one credential file, under its lock: each only while
 * its store still holds the secret this run stored ('replaced' otherwise: a later login's). What
 * cannot be done (the file unreadable, a helper gone from PATH, the lock never free) fails those
 * logins alone, each with its reason.
 */
export async function remove(run: Run, logins: Login[]): Promise<Removal[]> {
  const [first] = logins;
  if (first === undefined) return [];
  const failed = (login: Login, error: unknown): Removal => ({
    login,
    state: 'failed',
    error: errorMessage(error),
  });
  let file: HeldFile;
  try {
    file = await run.files.lock(first.file);
  } catch (error) {
    return logins.map((login) => failed(login, error));
  }
  try {
    const removals = new Map<Login, Removal>();
    const hooked = logins.filter((login) => login.agent === true);
    if (hooked.length > 0) {
      try {
        const { config, removed } = unhook(file.read(), hooked);
        if (config) file.write(config);
        for (const removal of removed) removals.set(removal.login, removal);
      } catch (error) {
        for (const login of hooked) removals.set(login, failed(login, error));
      }
    }
    for (const login of logins) {
      if (login.agent === true) continue;
      const one = login.cli !== 'docker' ? logoutIfOurs : login.helper !== '' ? eraseIfOurs : null;
      if (one) removals.set(login, await one(run, login).catch((e: unknown) => failed(login, e)));
    }
    const stored = logins.filter((login) => login.agent !== true);
    if (first.cli === 'docker' && stored.length > 0 && fs.existsSync(first.file)) {
      const erased = new Set([...removals].flatMap(([l, r]) => (r.state === 'removed' ? [l] : [])));
      try {
        const { config, removed } = removeEntries(file.read(), stored, erased);
        if (config) file.write(config);
        for (const removal of removed) removals.set(removal.login, removal);
      } catch (error) {
        for (const login of stored) {
          if (!erased.has(login)) removals.set(login, failed(login, error));
        }
      }
    }
    return logins.map((login) => removals.get(login) ?? { login, state: 'gone' });
  } finally {
    await file.release();
  }
}

/**
 * Takes docker's file entries out of config.json: a login kept in the file while it holds its
 * secret, the empty entry beside a helper's once the helper's secret is erased, and the empty
 * credHelpers entry a login added.
 */
function removeEntries(
  config: CredentialFile,
  logins: Login[],
  erased: Set<Login>,
): { config?: CredentialFile; removed: Removal[] } {
  const auths = { ...config.auths };
  const helpers = { ...config.credHelpers };
  const removals: Removal[] = [];
  let changed = false;
  for (const login of logins) {
    const { host } = login;
    if (login.helper === '') {
      const held = heldIn(auths[host], login);
      removals.push({ login, state: held === 'ours' ? 'removed' : held });
      if (held !== 'ours') continue;
    } else if (!erased.has(login) || !Object.hasOwn(auths, host)) continue;
    Reflect.deleteProperty(auths, host);
    if (login.pinned && helpers[host] === '') Reflect.deleteProperty(helpers, host);
    changed = true;
  }
  if (!changed) return { removed: removals };
  const next: CredentialFile = { ...config, auths };
  // An empty credHelpers the logins' pins leave is dropped; one the file had stays.
  if (Object.keys(helpers).length > 0) next.credHelpers = helpers;
  else if (Object.keys(config.credHelpers ?? {}).length > 0) delete next.credHelpers;
  return { config: next, removed: removals };
}

/**
 * Takes out the credHelpers entries that point at this run's agent (credential-helper mode),
 * each only while it still names this run's helper: another run's entry for the host stays.
 */
function unhook(
  config: CredentialFile,
  logins: Login[],
): { config?: CredentialFile; removed: Removal[] } {
  const helpers = { ...config.credHelpers };
  const removed = logins.map((login): Removal => {
    const now = helpers[login.host];
    if (now === undefined) return { login, state: 'gone' };
    if (now !== login.helper) return { login, state: 'replaced' };
    Reflect.deleteProperty(helpers, login.host);
    return { login, state: 'removed' };
  });
  if (!removed.some((r) => r.state === 'removed')) return { removed };
  const next: CredentialFile = { ...config, credHelpers: helpers };
  if (Object.keys(helpers).length === 0) delete next.credHelpers;
  return { config: next, removed };
}

/** Whether a store still holds a login's secret: this run's, none, or another (a later login's). */
type Held = 'ours' | 'gone' | 'replaced';

/** Whether a file entry (`{"auth": base64("AWS:<password>")}`) still holds the login's secret. */
function heldIn(entry: unknown, login: Login): Held {
  if (entry === undefined) return 'gone';
  const auth = (entry as { auth?: unknown }).auth;
  const decoded = typeof auth === 'string' ? Buffer.from(auth, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  return colon > 0 && fingerprint(decoded.slice(colon + 1)) === login.fingerprint
    ? 'ours'
    : 'replaced';
}

/**
 * Whether credential helper `helper` still holds the login's secret
 * (`docker-credential-<name> get`), or why that cannot be told; within the login time limit.
 */
async function heldBy(run: Run, login: Login, helper: string): Promise<Held | Removal> {
  const command = `docker-credential-${helper}`;
  const got = await run.runner.run(command, ['get'], {
    input: login.host,
    timeoutMs: run.retry.timeoutMs,
  });
  const said = `${got.stdout}${got.stderr}`.trim();
  if (got.timedOut) return { login, state: 'failed', error: `${command} get timed out` };
  if (got.exitCode !== 0 && NOT_FOUND.test(said)) return 'gone';
  if (got.exitCode !== 0) return { login, state: 'failed', error: `${command} get: ${said}` };
  let secret: unknown;
  try {
    secret = (JSON.parse(got.stdout) as { Secret?: unknown }).Secret;
  } catch {
    return { login, state: 'failed', error: `${command} get answered something other than JSON` };
  }
  return typeof secret === 'string' && fingerprint(secret) === login.fingerprint
    ? 'ours'
    : 'replaced';
}

/**
 * Erases a docker login's secret from its credential helper (`docker-credential-<name> erase`,
 * as docker does it) while the helper still holds this run's secret.
 */
async function eraseIfOurs(run: Run, login: Login): Promise<Removal> {
  const held = await heldBy(run, login, login.helper);
  if (typeof held !== 'string') return held;
  if (held !== 'ours') return { login, state: held };
  const command = `docker-credential-${login.helper}`;
  const erased = await run.runner.run(command, ['erase'], {
    input: login.host,
    timeoutMs: run.retry.timeoutMs,
  });
  const said = `${erased.stdout}${erased.stderr}`.trim();
  if (erased.exitCode === 0) return { login, state: 'removed' };
  if (NOT_FOUND.test(said)) return { login, state: 'gone' };
  const why = erased.timedOut ? 'timed out' : said;
  return { login, state: 'failed', error: `${command} erase: ${why}` };
}

/**
 * `<cli> logout <host>` of podman, buildah or skopeo, while the file (or the helper it names for
 * the host) still holds this run's secret. With the CLI's own file, whose path only it knows,
 * there is nothing to compare: the logout is run as it is.
 */
async function logoutIfOurs(run: Run, login: Login): Promise<Removal> {
  const { file, host } = login;
  if (file !== '') {
    if (!fs.existsSync(file)) return { login, state: 'gone' };
    const config = readJson(file);
    const helper = config.credHelpers?.[host];
    const held = helper ? await heldBy(run, login, helper) : heldIn(config.auths?.[host], login);
    if (typeof held !== 'string') return held;
    if (held !== 'ours') return { login, state: held };
  }
  try {
    const output = await run.runner.cli(login.cli, ['logout', host], {
      env: containersEnv(file),
      timeoutMs: run.retry.timeoutMs,
    });
    return { login, state: NOTHING_TO_REMOVE.test(output) ? 'gone' : 'removed' };
  } catch (error) {
    const message = errorMessage(error);
    return NOTHING_TO_REMOVE.test(message)
      ? { login, state: 'gone' }
      : { login, state: 'failed', error: message };
  }
}
