import * as core from '@actions/core';
import { CLIS, isCli } from './cli.ts';
import type { Cli } from './cli.ts';
import { Input } from './constants.ts';
import { parseProxy } from './proxy.ts';
import { isRegion, splitList } from './registries.ts';

/** The action's inputs, read and validated once. */
export interface Inputs {
  /** `registries` entries: trimmed, without empties or repeats, not yet parsed. */
  registries: string[];
  /** `region`, or undefined to take the job's region from the environment or shared config. */
  region: string | undefined;
  /** `registry-type`: `public` logs in to ECR Public only. */
  registryType: 'private' | 'public';
  /** `mask-password`: false leaves the password unregistered as a secret. */
  maskPassword: boolean;
  /** `skip-logout`: true tells the post step to log out of nothing. */
  skipLogout: boolean;
  /** `http-proxy`: proxy URL for the AWS API calls, if any. */
  httpProxy: URL | undefined;
  /** `login-attempts`: attempts per registry login, the first included. */
  loginAttempts: number;
  /** `login-timeout`: time limit of one login attempt, in milliseconds. */
  loginTimeoutMs: number;
  /** `isolate-credentials`: log in to a job-private config under RUNNER_TEMP. */
  isolateCredentials: boolean;
  /** `container-cli`: the CLIs to log in with, or `auto` for the first one installed. */
  containerCli: Cli[] | 'auto';
  /** `api-timeout`: time limit of all AWS API calls of the step, in milliseconds. */
  apiTimeoutMs: number;
  /** `role-to-assume` and its settings: the identity of the step's API calls, if not the job's. */
  role: Role | undefined;
  /** `registry-roles`: a role ARN for some `registries` entries (entry as written → ARN). */
  registryRoles: Record<string, string>;
  /** How every role of the step is assumed: `audience`, `role-session-name`, the duration. */
  roleSettings: Omit<Role, 'arn'>;
}

/** An IAM role the step assumes for its API calls. */
export interface Role {
  /** `role-to-assume`. */
  arn: string;
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
  return {
    registries: splitList(core.getInput(Input.Registries)),
    region: region === '' ? undefined : region,
    registryType,
    maskPassword: getBoolean(Input.MaskPassword, true),
    skipLogout: getBoolean(Input.SkipLogout, false),
    httpProxy: getProxy(),
    loginAttempts: getInteger(Input.LoginAttempts, 3, 1, 10),
    loginTimeoutMs: getInteger(Input.LoginTimeout, 60, 1, 600) * 1000,
    isolateCredentials: getBoolean(Input.IsolateCredentials, false),
    containerCli: getClis(),
    apiTimeoutMs: getInteger(Input.ApiTimeout, 120, 1, 3600) * 1000,
    ...getRoles(),
  };
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

function getRoles(): Pick<Inputs, 'role' | 'registryRoles' | 'roleSettings'> {
  const arn = core.getInput(Input.RoleToAssume).trim();
  if (arn !== '') checkRoleArn(arn, `'${Input.RoleToAssume}'`);
  const registryRoles: Record<string, string> = {};
  for (const line of core.getInput(Input.RegistryRoles).split('\n')) {
    if (line.trim() === '') continue;
    const equals = line.indexOf('=');
    const entry = line.slice(0, Math.max(equals, 0)).trim();
    const role = line.slice(equals + 1).trim();
    if (equals <= 0 || entry === '' || role === '') {
      throw new Error(
        `Invalid line '${line.trim()}' in '${Input.RegistryRoles}': expected ` +
          '<registry>=<role ARN>, such as 111111111111=arn:aws:iam::111111111111:role/ecr-push.',
      );
    }
    checkRoleArn(role, `role for '${entry}' in '${Input.RegistryRoles}'`);
    registryRoles[entry] = role;
  }
  const named = arn !== '' || Object.keys(registryRoles).length > 0;
  const sessionName =
    core.getInput(Input.RoleSessionName).trim() || (named ? defaultSessionName() : '');
  if (named && !SESSION_NAME.test(sessionName)) {
    throw new Error(
      `Invalid '${Input.RoleSessionName}' '${sessionName}': expected 2 to 64 letters, digits ` +
        'or any of _+=,.@-.',
    );
  }
  const roleSettings = {
    audience: core.getInput(Input.Audience).trim() || 'sts.amazonaws.com',
    sessionName,
    durationSeconds: getInteger(Input.RoleDurationSeconds, 3600, 900, 43200),
  };
  return { role: arn === '' ? undefined : { arn, ...roleSettings }, registryRoles, roleSettings };
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
