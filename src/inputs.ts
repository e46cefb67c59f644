import * as core from '@actions/core';
import { CLIS, isCli } from './cli.ts';
import type { Cli } from './cli.ts';
import { Input, PUBLIC_REGION, PUBLIC_REGISTRY } from './constants.ts';
import { parseProxy } from './proxy.ts';
import { isRegion, parseHost, standardHost, targetKey } from './registries.ts';
import type { Target } from './registries.ts';

/** The action's inputs, read and validated once. */
export interface Inputs {
  /**
   * `registries` (or ECR Public, with `registry-type: public`) as targets without repeats, each
   * with its role from `registry-roles`, else `role-to-assume`.
   */
  targets: Target[];
  /** `region`, or undefined to take the job's region from the environment or shared config. */
  region: string | undefined;
  /** `mask-password`: false leaves the password unregistered as a secret. */
  maskPassword: boolean;
  /** `skip-logout`: true tells the post step to log out of nothing. */
  skipLogout: boolean;
  /** `http-proxy`: proxy URL for the AWS API calls, if any. */
  httpProxy: URL | undefined;
  /** `login-attempts` and `login-timeout` (in milliseconds). */
  login: LoginLimits;
  /** `isolate-credentials`: log in to a job-private config under RUNNER_TEMP. */
  isolateCredentials: boolean;
  /** `container-cli`: the CLIs to log in with, or `auto` for the first one installed. */
  containerCli: Cli[] | 'auto';
  /** `api-timeout`: time limit of all AWS API calls of the step, in milliseconds. */
  apiTimeoutMs: number;
  /** How every role of the step is assumed: `audience`, `role-session-name`, the duration. */
  roleSettings: RoleSettings;
  /** `credential-helper`: the CLIs ask the job's credential agent; no password is stored. */
  credentialHelper: boolean;
}

/** `login-attempts`: attempts per login, the first included; `login-timeout`: of each, in ms. */
export interface LoginLimits {
  attempts: number;
  timeoutMs: number;
}

/** How a role is assumed. */
export interface RoleSettings {
  /** `audience`: of GitHub's OIDC token. */
  audience: string;
  /** `role-session-name`, or one derived from the repository and the run. */
  sessionName: string;
  /** `role-duration-seconds`. */
  durationSeconds: number;
}

/** An IAM role ARN, in any partition, with a path or not. */
const ROLE_ARN = /^arn:aws(?:-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
/** What STS takes as a role session name. */
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const ACCOUNT_ID = /^\d{12}$/;
const ACCEPTED_FORMS =
  'a 12-digit AWS account ID, a private registry host such as ' +
  '123456789012.dkr.ecr.us-east-1.amazonaws.com (or .amazonaws.com.cn, .amazonaws.eu, dkr.ecr-fips, ' +
  `dual-stack 123456789012.dkr-ecr.us-east-1.on.aws), or ${PUBLIC_REGISTRY}`;

/** Reads every input and throws a message naming the bad value and the valid ones. */
export function getInputs(): Inputs {
  const region = core.getInput(Input.Region).trim();
  if (region !== '' && !isRegion(region)) {
    throw new Error(`Invalid '${Input.Region}' '${region}': expected a region such as us-east-1.`);
  }
  const registryType = core.getInput(Input.RegistryType).trim().toLowerCase() || 'private';
  if (registryType !== 'private' && registryType !== 'public') {
    throw new Error(
      `Invalid '${Input.RegistryType}' '${registryType}': expected 'private' or 'public'.`,
    );
  }
  const targets = parseRegistries(splitList(core.getInput(Input.Registries)), registryType);
  const roleToAssume = core.getInput(Input.RoleToAssume).trim();
  if (roleToAssume !== '') checkRoleArn(roleToAssume, `'${Input.RoleToAssume}'`);
  const roleLines = core.getInput(Input.RegistryRoles);
  const maskPassword = getBoolean(Input.MaskPassword, true);
  const skipLogout = getBoolean(Input.SkipLogout, false);
  const credentialHelper = getBoolean(Input.CredentialHelper, false);
  if (credentialHelper) checkHelperMode(skipLogout, maskPassword);
  return {
    targets: withRoles(targets, parseRegistryRoles(roleLines), roleToAssume),
    region: region === '' ? undefined : region,
    maskPassword,
    skipLogout,
    httpProxy: getProxy(),
    login: getLoginLimits(),
    isolateCredentials: getBoolean(Input.IsolateCredentials, false),
    containerCli: getClis(),
    apiTimeoutMs: getInteger(Input.ApiTimeout, 120, 1, 3600) * 1000,
    roleSettings: getRoleSettings(roleToAssume !== '' || roleLines.trim() !== ''),
    credentialHelper,
  };
}

/**
 * What `credential-helper: true` cannot be combined with: `skip-logout` (the agent ends with the
 * job, so nothing could stay logged in) and `mask-password: false` (no password leaves the step).
 */
function checkHelperMode(skipLogout: boolean, maskPassword: boolean): void {
  if (skipLogout) {
    throw new Error(
      `'${Input.CredentialHelper}: true' cannot be combined with '${Input.SkipLogout}: true': the ` +
        'credential agent ends with the job, so no login can outlive it. Drop one of the two.',
    );
  }
  if (!maskPassword) {
    throw new Error(
      `'${Input.CredentialHelper}: true' cannot be combined with '${Input.MaskPassword}: false': ` +
        'in that mode no password leaves the step, so there is none to pass to another job. ' +
        'Drop one of the two.',
    );
  }
}

/** `login-attempts` and `login-timeout`; the post step reads them alone, for its own limits. */
export function getLoginLimits(): LoginLimits {
  return {
    attempts: getInteger(Input.LoginAttempts, 3, 1, 10),
    timeoutMs: getInteger(Input.LoginTimeout, 60, 1, 600) * 1000,
  };
}

/** Splits a list input on commas and newlines, trims entries and drops empty ones and repeats. */
export function splitList(raw: string): string[] {
  const entries = raw
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return [...new Set(entries)];
}

/** Parses one `registries` entry; throws naming the entry (and where it was) and the forms. */
export function parseEntry(entry: string, where = `'${Input.Registries}'`): Target {
  const value = entry
    .toLowerCase()
    .replace(/^https:\/\//, '')
    .replace(/\/$/, '');
  if (ACCOUNT_ID.test(value)) return { kind: 'account', account: value };
  if (value === PUBLIC_REGISTRY) return { kind: 'public', region: PUBLIC_REGION, host: value };
  const parsed = parseHost(value);
  if (parsed === undefined) {
    throw new Error(`Invalid registry '${entry}' in ${where}: expected ${ACCEPTED_FORMS}.`);
  }
  return { kind: 'host', ...parsed, host: value };
}

/**
 * Turns the `registries` entries into targets without repeats. With `registry-type: public` the
 * entries are ignored and ECR Public is the only target; with no entries the caller's own is.
 */
export function parseRegistries(entries: string[], registryType: 'private' | 'public'): Target[] {
  if (registryType === 'public') return [parseEntry(PUBLIC_REGISTRY)];
  if (entries.length === 0) return [{ kind: 'default' }];
  const targets = new Map<string, Target>();
  for (const target of entries.map((entry) => parseEntry(entry))) {
    if (!targets.has(targetKey(target))) targets.set(targetKey(target), target);
  }
  return [...targets.values()];
}

/** One line of `registry-roles`. */
export interface RoleLine {
  /** The line as written, trimmed, for messages. */
  line: string;
  /** The registry it names, as `targetKey` keys it. */
  key: string;
  role: string;
}

/**
 * Parses `registry-roles`: one `<registry>=<role ARN>` per line, the registry written as in
 * `registries`. A registry named on two lines fails, naming both.
 */
export function parseRegistryRoles(raw: string): RoleLine[] {
  const lines: RoleLine[] = [];
  for (const text of raw.split('\n').map((l) => l.trim())) {
    if (text === '') continue;
    const equals = text.indexOf('=');
    const entry = text.slice(0, Math.max(equals, 0)).trim();
    const role = text.slice(equals + 1).trim();
    if (equals <= 0 || entry === '' || role === '') {
      throw new Error(
        `Invalid line '${text}' in '${Input.RegistryRoles}': expected <registry>=<role ARN>, ` +
          'such as 111111111111=arn:aws:iam::111111111111:role/ecr-push.',
      );
    }
    const key = targetKey(parseEntry(entry, `'${Input.RegistryRoles}'`));
    checkRoleArn(role, `role for '${entry}' in '${Input.RegistryRoles}'`);
    const earlier = lines.find((l) => l.key === key);
    if (earlier) {
      throw new Error(
        `'${Input.RegistryRoles}' names one registry twice: '${earlier.line}' and '${text}'. ` +
          'Keep one line per registry.',
      );
    }
    lines.push({ line: text, key, role });
  }
  return lines;
}

/**
 * Gives each target its role: its own `registry-roles` line, else — for a standard host — the
 * line of its account ID (a host line wins over an account line), else `role-to-assume`. A line
 * that names none of the targets fails, naming it.
 */
export function withRoles(targets: Target[], lines: RoleLine[], fallback: string): Target[] {
  const keysOf = (target: Target): string[] =>
    target.kind === 'host' && target.host === standardHost(target.account, target.region)
      ? [targetKey(target), `account:${target.account}`]
      : [targetKey(target)];
  for (const { line, key } of lines) {
    if (!targets.some((target) => keysOf(target).includes(key))) {
      throw new Error(
        `'${Input.RegistryRoles}' line '${line}' names a registry that is not one of ` +
          `'${Input.Registries}'.`,
      );
    }
  }
  return targets.map((target) => {
    const own = keysOf(target)
      .map((key) => lines.find((l) => l.key === key)?.role)
      .find(Boolean);
    const role = own ?? fallback;
    return role === '' ? target : { ...target, role };
  });
}

/** The words a boolean input takes, in any letter case, as YAML 1.1 and the official action read them. */
const TRUE_WORDS = ['true', 'yes', 'on'];
const FALSE_WORDS = ['false', 'no', 'off'];

function getBoolean(name: string, fallback: boolean): boolean {
  const value = core.getInput(name).trim();
  if (value === '') return fallback;
  if (TRUE_WORDS.includes(value.toLowerCase())) return true;
  if (FALSE_WORDS.includes(value.toLowerCase())) return false;
  throw new Error(
    `Invalid '${name}' '${value}': expected ${[...TRUE_WORDS, ...FALSE_WORDS].map((w) => `'${w}'`).join(', ')} (in any letter case).`,
  );
}

function getClis(): Cli[] | 'auto' {
  const raw = core.getInput(Input.ContainerCli).trim().toLowerCase();
  if (raw === 'auto') return 'auto';
  const names = splitList(raw);
  if (names.length === 0) return ['docker'];
  for (const name of names) {
    if (!isCli(name)) {
      throw new Error(
        `Invalid '${Input.ContainerCli}' '${name}': expected ${CLIS.join(', ')} ` +
          "(one or several, comma-separated) or 'auto'.",
      );
    }
  }
  return names as Cli[];
}

function getInteger(name: string, fallback: number, min: number, max: number): number {
  const value = core.getInput(name).trim();
  if (value === '') return fallback;
  const number = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(number >= min && number <= max)) {
    throw new Error(`Invalid '${name}' '${value}': expected a whole number from ${min} to ${max}.`);
  }
  return number;
}

function getProxy(): URL | undefined {
  const value = core.getInput(Input.HttpProxy).trim();
  return value === '' ? undefined : parseProxy(value, `'${Input.HttpProxy}'`);
}

/** `named`: a role is named, so the session name is needed (and derived when not given). */
function getRoleSettings(named: boolean): RoleSettings {
  const sessionName =
    core.getInput(Input.RoleSessionName).trim() || (named ? defaultSessionName() : '');
  if (named && !SESSION_NAME.test(sessionName)) {
    throw new Error(
      `Invalid '${Input.RoleSessionName}' '${sessionName}': expected 2 to 64 letters, digits ` +
        'or any of _+=,.@-.',
    );
  }
  return {
    audience: core.getInput(Input.Audience).trim() || 'sts.amazonaws.com',
    sessionName,
    durationSeconds: getInteger(Input.RoleDurationSeconds, 3600, 900, 43200),
  };
}

function checkRoleArn(arn: string, what: string): void {
  if (!ROLE_ARN.test(arn)) {
    throw new Error(
      `Invalid ${what} '${arn}': expected an IAM role ARN such as ` +
        'arn:aws:iam::123456789012:role/ecr-push.',
    );
  }
}

/** `ecr-login-<repository>-<run id>`, in the characters and length STS takes. */
function defaultSessionName(): string {
  const repository = (process.env.GITHUB_REPOSITORY ?? '').split('/').pop() ?? '';
  const run = process.env.GITHUB_RUN_ID ?? String(Date.now());
  return ['ecr-login', repository, run]
    .filter((part) => part !== '')
    .join('-')
    .replace(/[^\w+=,.@-]/g, '-')
    .slice(0, 64);
}
