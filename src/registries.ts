import { PUBLIC_REGION, PUBLIC_REGISTRY } from './constants.ts';

/** A registry to log in to, as parsed from the inputs. */
export type Target =
  /** The caller's own private registry; its host is the `proxyEndpoint` ECR answers. */
  | { kind: 'default'; region?: string }
  /** A private registry named by account ID; its host is the `proxyEndpoint` ECR answers. */
  | { kind: 'account'; account: string; region?: string }
  /** A private registry named by host; logged in to under exactly that host. */
  | { kind: 'host'; account: string; region: string; host: string }
  /** ECR Public. */
  | { kind: 'public'; region: string; host: string };

/** A target whose region is known, and the role (ARN) it is logged in with, if not the job's. */
export type ResolvedTarget = Target & { region: string; role?: string };

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2,4}(?:-[a-z0-9]+)*-\d{1,2}$/;
/** `<account>.dkr.ecr[-fips].<region>.<suffix>` and dual-stack `<account>.dkr-ecr[-fips].<region>.on.aws`. */
const PRIVATE_HOST =
  /^(\d{12})\.(?:dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.(?:amazonaws\.com(?:\.cn)?|amazonaws\.eu|c2s\.ic\.gov|sc2s\.sgov\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)|dkr-ecr(?:-fips)?\.([a-z0-9-]+)\.on\.(?:aws|amazonwebservices\.com\.cn))$/;

const ACCEPTED_FORMS =
  'a 12-digit AWS account ID, a private registry host such as ' +
  '123456789012.dkr.ecr.us-east-1.amazonaws.com (or .amazonaws.com.cn, .amazonaws.eu, dkr.ecr-fips, ' +
  `dual-stack 123456789012.dkr-ecr.us-east-1.on.aws), or ${PUBLIC_REGISTRY}`;

/** Splits a list input on commas and newlines, trims entries and drops empty ones and repeats. */
export function splitList(raw: string): string[] {
  const entries = raw
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return [...new Set(entries)];
}

/** True when `region` has the shape of an AWS region name such as `eu-west-1`. */
export function isRegion(region: string): boolean {
  return REGION.test(region);
}

/** Parses one `registries` entry; throws naming the entry and the accepted forms. */
export function parseEntry(entry: string): Target {
  const value = entry
    .toLowerCase()
    .replace(/^https:\/\//, '')
    .replace(/\/$/, '');
  if (ACCOUNT_ID.test(value)) return { kind: 'account', account: value };
  if (value === PUBLIC_REGISTRY) return { kind: 'public', region: PUBLIC_REGION, host: value };
  const match = PRIVATE_HOST.exec(value);
  const region = match?.[2] ?? match?.[3];
  if (match?.[1] === undefined || region === undefined || !isRegion(region)) {
    throw new Error(`Invalid registry '${entry}' in 'registries': expected ${ACCEPTED_FORMS}.`);
  }
  return { kind: 'host', account: match[1], region, host: value };
}

/**
 * Turns the `registries` entries into targets. With `registry-type: public` the entries are
 * ignored and ECR Public is the only target; with no entries the caller's own registry is.
 */
export function parseRegistries(entries: string[], registryType: 'private' | 'public'): Target[] {
  if (registryType === 'public') return [parseEntry(PUBLIC_REGISTRY)];
  if (entries.length === 0) return [{ kind: 'default' }];
  const targets = entries.map(parseEntry);
  const seen = new Set<string>();
  return targets.filter((target) => {
    const key = targetKey(target);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** True when some target takes its region from the job rather than from its own name. */
export function needsRegion(targets: Target[]): boolean {
  return targets.some((target) => target.region === undefined);
}

/** Gives every target without a region of its own the job's region, and drops repeats. */
export function withRegion(targets: Target[], region: string): ResolvedTarget[] {
  const resolved = targets.map((target) => ({ ...target, region: target.region ?? region }));
  const hosts = new Set(resolved.flatMap((t) => (t.kind === 'host' ? [t.host] : [])));
  return resolved.filter(
    (target) =>
      target.kind !== 'account' || !hosts.has(standardHost(target.account, target.region)),
  );
}

/**
 * Gives each target the role the inputs name for it: its `registry-roles` line, else
 * `role-to-assume`, else none (the job's credentials). A line must name one of the targets, by
 * the entry as `registries` writes it; anything else fails, naming it.
 */
export function withRoles(
  targets: ResolvedTarget[],
  mapping: Record<string, string>,
  fallback: string | undefined,
): ResolvedTarget[] {
  const roles = new Map<string, string>();
  for (const [entry, role] of Object.entries(mapping)) {
    let key: string;
    try {
      key = targetKey(parseEntry(entry));
    } catch {
      throw new Error(
        `Invalid registry '${entry}' in 'registry-roles': expected ${ACCEPTED_FORMS}.`,
      );
    }
    if (!targets.some((target) => keysOf(target).includes(key))) {
      throw new Error(
        `'registry-roles' names '${entry}', which is not one of the registries to log in to.`,
      );
    }
    roles.set(key, role);
  }
  return targets.map((target) => {
    const role =
      keysOf(target)
        .map((key) => roles.get(key))
        .find(Boolean) ?? fallback;
    return role ? { ...target, role } : target;
  });
}

/** The keys a `registry-roles` line may name a target by. */
function keysOf(target: ResolvedTarget): string[] {
  const key = targetKey(target);
  // a standard host also stands for its account ID (withRegion keeps only the host)
  return target.kind === 'host' && target.host === standardHost(target.account, target.region)
    ? [key, `account:${target.account}`]
    : [key];
}

/** The standard private registry host of an account in a region, in that region's partition. */
export function standardHost(account: string, region: string): string {
  return `${account}.dkr.ecr.${region}.${partitionSuffix(region)}`;
}

function partitionSuffix(region: string): string {
  if (region.startsWith('cn-')) return 'amazonaws.com.cn';
  if (region.startsWith('eusc-')) return 'amazonaws.eu';
  if (region.startsWith('us-isob-')) return 'sc2s.sgov.gov';
  if (region.startsWith('us-iso-')) return 'c2s.ic.gov';
  if (region.startsWith('eu-isoe-')) return 'cloud.adc-e.uk';
  if (region.startsWith('us-isof-')) return 'csp.hci.ic.gov';
  return 'amazonaws.com';
}

/**
 * True when `host` is an ECR private registry host in `region` and in that region's partition
 * (IPv4 `dkr.ecr`, FIPS or dual-stack), of `account` when one is given.
 */
export function isRegistryHostIn(host: string, region: string, account?: string): boolean {
  const match = PRIVATE_HOST.exec(host);
  if (!match || (match[2] ?? match[3]) !== region) return false;
  if (account !== undefined && match[1] !== account) return false;
  const suffix = host.slice(host.indexOf(`.${region}.`) + region.length + 2);
  const dualStack = region.startsWith('cn-') ? 'on.amazonwebservices.com.cn' : 'on.aws';
  return suffix === (match[2] === undefined ? dualStack : partitionSuffix(region));
}

/** The domains of AWS's own API endpoints, in every partition. */
const AWS_API_DOMAINS =
  /\.(amazonaws\.com|amazonaws\.com\.cn|api\.aws|amazonaws\.eu|c2s\.ic\.gov|sc2s\.sgov\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov|api\.amazonwebservices\.com\.cn)$/;

/** True when an endpoint URL is AWS's own, not a configured override (a stand-in, a proxy). */
export function isAwsEndpoint(endpoint: string | undefined): boolean {
  if (endpoint === undefined || !URL.canParse(endpoint)) return false;
  return AWS_API_DOMAINS.test(new URL(endpoint).hostname.toLowerCase());
}

/** The output-name form of a host: every run of characters outside [a-zA-Z0-9_] becomes `_`. */
export function outputSuffix(host: string): string {
  return host.replace(/[^a-zA-Z0-9_]+/g, '_');
}

function targetKey(target: Target): string {
  if (target.kind === 'account') return `account:${target.account}`;
  return 'host' in target ? `host:${target.host}` : target.kind;
}
