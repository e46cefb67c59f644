/*
 * What a registry is: the kinds of target the inputs name (parsed in inputs.ts), the forms of an
 * ECR registry host, and how targets get their region and are grouped into API calls.
 */

/** A registry to log in to, as the inputs name it. */
export type Target = (
  | /** The caller's own private registry; its host is the `proxyEndpoint` ECR answers. */
    { kind: 'default'; region?: string }
    /** A private registry named by account ID; its host is the `proxyEndpoint` ECR answers. */
  | { kind: 'account'; account: string; region?: string }
  /** A private registry named by host; logged in to under exactly that host. */
  | { kind: 'host'; account: string; region: string; host: string }
  /** ECR Public. */
  | { kind: 'public'; region: string; host: string }
) & {
  /** The role (ARN) it is logged in with; the job's credentials when absent. */
  role?: string;
};

/** A target whose region is known. */
export type ResolvedTarget = Target & { region: string };

/** Targets served by one GetAuthorizationToken endpoint, with one identity. */
export interface Group {
  region: string;
  public: boolean;
  role?: string;
  targets: ResolvedTarget[];
}

const REGION = /^[a-z]{2,4}(?:-[a-z0-9]+)*-\d{1,2}$/;
/** `<account>.dkr.ecr[-fips].<region>.<suffix>` and dual-stack `<account>.dkr-ecr[-fips].<region>.on.aws`. */
const PRIVATE_HOST =
  /^(\d{12})\.(?:dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.(?:amazonaws\.com(?:\.cn)?|amazonaws\.eu|c2s\.ic\.gov|sc2s\.sgov\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)|dkr-ecr(?:-fips)?\.([a-z0-9-]+)\.on\.(?:aws|amazonwebservices\.com\.cn))$/;

/** True when `region` has the shape of an AWS region name such as `eu-west-1`. */
export function isRegion(region: string): boolean {
  return REGION.test(region);
}

/** The account and region of an ECR private registry host; undefined for anything else. */
export function parseHost(host: string): { account: string; region: string } | undefined {
  const match = PRIVATE_HOST.exec(host);
  const region = match?.[2] ?? match?.[3];
  if (match?.[1] === undefined || region === undefined || !isRegion(region)) return undefined;
  return { account: match[1], region };
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

/** The key that says two targets are the same registry, before regions are known. */
export function targetKey(target: Target): string {
  if (target.kind === 'account') return `account:${target.account}`;
  return 'host' in target ? `host:${target.host}` : target.kind;
}

/** How a target is named in messages while its host is not known yet. */
export function targetLabel(target: ResolvedTarget): string {
  if ('host' in target) return target.host;
  if (target.kind === 'account') return `${target.account} in ${target.region}`;
  return `the caller's own registry in ${target.region}`;
}

/** True when some target takes its region from the job rather than from its own name. */
export function needsRegion(targets: Target[]): boolean {
  return targets.some((target) => target.region === undefined);
}

/**
 * Gives every target without a region of its own the job's region, and drops an account ID
 * whose registry a host entry names too (the host entry, and its role, stay).
 */
export function withRegion(targets: Target[], region: string): ResolvedTarget[] {
  const resolved = targets.map((target) => ({ ...target, region: target.region ?? region }));
  const hosts = new Set(resolved.flatMap((t) => (t.kind === 'host' ? [t.host] : [])));
  return resolved.filter(
    (target) =>
      target.kind !== 'account' || !hosts.has(standardHost(target.account, target.region)),
  );
}

/** Splits targets into one group per identity and region, and per identity for ECR Public. */
export function groupByRegion(targets: ResolvedTarget[]): Group[] {
  const groups = new Map<string, Group>();
  for (const target of targets) {
    const isPublic = target.kind === 'public';
    const key = JSON.stringify([target.role ?? '', isPublic ? 'public' : target.region]);
    const group = groups.get(key) ?? {
      region: target.region,
      public: isPublic,
      ...(target.role ? { role: target.role } : {}),
      targets: [],
    };
    group.targets.push(target);
    groups.set(key, group);
  }
  return [...groups.values()];
}
