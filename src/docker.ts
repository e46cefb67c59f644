import * as fs from 'node:fs';
import * as path from 'node:path';
import { which } from '@actions/io';
import { runCommand } from './command.ts';
import { errorMessage } from './errors.ts';
import { loginWithRetries } from './cli.ts';
import type { LogoutResult } from './cli.ts';
import { CONFIG_FILE, STORE_REFUSED, detectDefaultStore, storeFor } from './docker-config.ts';
import type { DockerConfig } from './docker-config.ts';
import type { RetryPolicy } from './retry.ts';
import type { Login, Recorder } from './state.ts';
import { Queue, makeStaging, readJson, realFile, updateJson } from './stores.ts';

/** docker's view of one config directory, read once before the first login. */
export interface DockerPlan {
  /** The config directory (DOCKER_CONFIG), whose contexts, plugins and settings docker uses. */
  dir: string;
  /** Its config.json, symbolic links followed. */
  file: string;
  config: DockerConfig;
  /** The platform default store docker would pick for this file; '' for none. */
  detected: string;
  /** A job-private directory: every credential stays in its config.json. */
  private: boolean;
  /** Where each login's staging directory goes. */
  work: string;
  /** Default stores that refused an ECR token in this run: the next logins skip them. */
  refusing: Set<string>;
}

/** Reads the config (failing on one that is not JSON) and docker's store rules for it. */
export async function planDocker(
  dir: string,
  isPrivate: boolean,
  work: string,
): Promise<DockerPlan> {
  const file = realFile(path.join(dir, CONFIG_FILE));
  const config = readJson(file);
  const onPath = async (command: string) => (await which(command, false)) !== '';
  const detected = await detectDefaultStore(config, onPath);
  return { dir, file, config, detected, private: isPrivate, work, refusing: new Set() };
}

/** One docker login: what docker printed, a line about where the credential went, the record. */
export interface DockerLogin {
  output: string;
  note?: string;
  login: Login;
}

/** Credential helpers are not built for concurrent writers: logins through one queue here. */
const helperQueues = new Map<string, Queue>();
const queueOf = (helper: string): Queue => {
  const queue = helperQueues.get(helper) ?? new Queue();
  helperQueues.set(helper, queue);
  return queue;
};

/**
 * `docker login --username <user> --password-stdin <host>`, as docker would do it in the plan's
 * directory, side by side with other logins: docker runs in a staging directory that mirrors
 * the real one, with the host's store named explicitly, and what it writes for the host is
 * merged into the real config.json under the file's lock.
 */
export async function login(
  host: string,
  username: string,
  password: string,
  plan: DockerPlan,
  retry: RetryPolicy,
  record: Recorder,
): Promise<DockerLogin> {
  const choice = storeFor(plan.config, host, plan.detected);
  const base = { host, cli: 'docker' as const, store: plan.dir, file: plan.file };
  const run = (helper: string) => {
    // A helper holds the secret the moment docker hands it over: recorded before docker starts.
    if (helper !== '') record({ ...base, helper, pinned: false, pending: true });
    return staged(host, username, password, plan, helper, retry);
  };
  let helper = plan.private ? '' : choice.helper;
  let note: string | undefined;
  let done = helper === '' ? await run('') : undefined;
  if (done === undefined) {
    try {
      done = await queueOf(helper).run(async () =>
        choice.rule === 'default' && plan.refusing.has(helper) ? undefined : run(helper),
      );
    } catch (error) {
      if (choice.rule !== 'default' || !STORE_REFUSED.test(errorMessage(error))) {
        throw explicitRefusal(error, host, helper, choice.rule, plan.file);
      }
      plan.refusing.add(helper);
    }
    if (done === undefined) {
      note = `docker's default credential store '${helper}' refused the ECR token; the credential is kept in ${plan.file} for this registry alone`;
      helper = '';
      done = await run('');
    }
  }
  // An empty credHelpers entry makes docker use config.json for this host whatever the store.
  const pinned = choice.helper !== '' && helper === '';
  const persist = choice.rule === 'default' ? plan.detected : '';
  const login: Login = { ...base, helper, pinned };
  await updateJson(plan.file, (config) => {
    // Recorded in the same synchronous step as the write that follows: nothing can come between.
    record(login);
    return {
      config: {
        ...config,
        auths: { ...config.auths, [host]: done.entry },
        ...(persist !== '' && !config.credsStore ? { credsStore: persist } : {}),
        ...(pinned ? { credHelpers: { ...config.credHelpers, [host]: '' } } : {}),
      },
      result: undefined,
    };
  });
  return { output: done.output, ...(note === undefined ? {} : { note }), login };
}

/** One login in a staging directory; returns what docker printed and wrote for the host. */
async function staged(
  host: string,
  username: string,
  password: string,
  plan: DockerPlan,
  helper: string,
  retry: RetryPolicy,
): Promise<{ output: string; entry: unknown }> {
  const { auths: _a, credsStore: _s, credHelpers: _h, ...settings } = plan.config;
  const staging = makeStaging(plan.work, plan.dir, {
    ...settings,
    credHelpers: { [host]: helper },
  });
  try {
    const env = { ...process.env, DOCKER_CONFIG: staging };
    const output = await loginWithRetries('docker', host, username, password, env, retry);
    const entry = readJson(path.join(staging, CONFIG_FILE)).auths?.[host] ?? {};
    return { output, entry };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** A store the config names refused the token: name it and the ways out. */
function explicitRefusal(
  error: unknown,
  host: string,
  helper: string,
  rule: string,
  file: string,
): Error {
  const message = errorMessage(error);
  if (!STORE_REFUSED.test(message)) return error instanceof Error ? error : new Error(message);
  const where = rule === 'credsStore' ? '"credsStore"' : `"credHelpers" for ${host}`;
  return new Error(
    `${message}. The credential store '${helper}' (${where} in ${file}) did not take the ECR ` +
      `token. To keep this registry's credential in config.json instead, add "credHelpers": ` +
      `{"${host}": ""} to that file, or set 'isolate-credentials: true'.`,
  );
}

/** Said by a credential helper that holds nothing for the host. */
const NOT_FOUND = /credentials not found/i;

/**
 * Logs out of docker logins: a credential held by a helper is erased from the helper the login
 * used (`docker-credential-<name> erase`, as docker does it), then every host's entry — and the
 * empty credHelpers entry a login added — leaves config.json in one rewrite.
 */
export async function logout(logins: Login[]): Promise<LogoutResult[]> {
  const results = new Map<string, LogoutResult>();
  for (const { host, helper } of logins) {
    if (!helper) continue;
    const erased = await runCommand(`docker-credential-${helper}`, ['erase'], { input: host });
    const said = `${erased.stdout}${erased.stderr}`.trim();
    if (erased.exitCode === 0) results.set(host, { host, removed: true });
    else if (NOT_FOUND.test(said)) results.set(host, { host, removed: false });
    else results.set(host, { host, error: `docker-credential-${helper} erase: ${said}` });
  }
  const [first] = logins;
  const file = first?.file ?? '';
  const removed = !fs.existsSync(file)
    ? []
    : await updateJson(file, (config) => {
        const auths = { ...config.auths };
        const helpers = { ...config.credHelpers };
        const gone = logins.filter(({ host }) => Object.hasOwn(auths, host)).map((l) => l.host);
        for (const host of gone) Reflect.deleteProperty(auths, host);
        const unpinned = logins.filter(({ host, pinned }) => pinned && helpers[host] === '');
        for (const { host } of unpinned) Reflect.deleteProperty(helpers, host);
        if (gone.length === 0 && unpinned.length === 0) return { result: gone };
        const next: DockerConfig = { ...config, auths, credHelpers: helpers };
        if (unpinned.length > 0 && Object.keys(helpers).length === 0) delete next.credHelpers;
        if (config.credHelpers === undefined) delete next.credHelpers;
        return { config: next, result: gone };
      });
  return logins.map(({ host }) => results.get(host) ?? { host, removed: removed.includes(host) });
}
