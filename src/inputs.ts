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
}

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
