// The one test world: certificates, the local ECR endpoint, the CONNECT proxy and real
// registries, and the environment every step of the action gets to use them. Jobs run in it
// (jobs.ts); demo.ts and the benchmark (bench/) load both under plain node, so neither imports
// @jest/globals (the Jest half is use-world.ts).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeCerts, type TestCerts } from './certs.ts';
import { startConnectProxy, type ConnectProxy } from './connect-proxy.ts';
import { EcrEndpoint, TEST_CREDENTIALS, type EcrEndpointOptions } from './ecr-endpoint.ts';
import { encodeToken, type AuthTable } from './ecr-tokens.ts';
import { DEFAULT_SUB, OidcIssuer } from './oidc.ts';
import { startRegistry, type RegistryOptions, type TestRegistry } from './registry.ts';
import { StsEndpoint, type RoleSpec } from './sts.ts';

/** Preloaded into every step: reports the processes the action starts (see exec-trace.ts). */
const EXEC_TRACE = join(dirname(fileURLToPath(import.meta.url)), 'exec-trace.ts');

export interface RegistrySpec {
  /** The password the registry accepts (distinct from the others' in its first 72 bytes). */
  password: string;
  /** The password the endpoint hands out for it (default: `password`); differ to be refused. */
  answer?: string;
  /** Account ID the endpoint answers this registry for; 'public' for ECR Public. */
  account: string;
  /** Only GetAuthorizationToken calls signed for this region answer it; any region when omitted. */
  region?: string;
  /**
   * The registry's real host name (e.g. public.ecr.aws), served by the local registry through
   * the CONNECT proxy; the registry's own 127.0.0.1:<port> when omitted.
   */
  name?: string;
  /** HTTPS (the default) or plain HTTP. */
  tls?: boolean;
}

export interface WorldOptions {
  /** More for the ECR endpoint: other accepted credentials, a rate limit, latency. */
  endpoint?: Omit<Partial<EcrEndpointOptions>, 'certs' | 'auth' | 'issued'>;
  /**
   * Roles to assume: starts the runner's OIDC token service and STS, and gives every step
   * ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN (as with `permissions: id-token: write`),
   * AWS_ENDPOINT_URL_STS, GITHUB_REPOSITORY and GITHUB_RUN_ID.
   */
  roles?: RoleSpec[];
  /**
   * Starts each registry (HTTPS with `certs`, else plain HTTP): a real docker-registry when
   * omitted; the benchmark's are login stand-ins with a set latency (login-standin.ts).
   */
  serve?: (opts: RegistryOptions) => Promise<TestRegistry>;
}

/** The repository and run of the job, with `roles`. */
export const GITHUB_REPOSITORY = 'octo-org/octo-repo';
export const GITHUB_RUN_ID = '9876543210';

type Stoppable = { stop: () => Promise<unknown> } | { cleanup: () => Promise<unknown> };

export interface World {
  certs: TestCerts;
  endpoint: EcrEndpoint;
  /** STS and the OIDC token service: started, and in `env`, only with `roles`. */
  sts: StsEndpoint;
  oidc: OidcIssuer;
  proxy: ConnectProxy;
  registries: TestRegistry[];
  /** The host docker logs in to for each spec: its name, else 127.0.0.1:<port>. */
  hosts: string[];
  /** What the endpoint answers, keyed `<region>/<account>` or `<account>`; read per request. */
  auth: AuthTable;
  /**
   * Environment of every step: AWS credentials and endpoints, the test CA for node and Go, the
   * exec trace; HTTPS_PROXY (the CONNECT proxy) only when a registry is served under a name.
   */
  env: Record<string, string>;
  /**
   * Every password, every token and the AWS secret key, the OIDC request token and the secret
   * keys and session tokens STS will hand out next: none may reach the log unmasked.
   */
  secrets: string[];
  /** Makes the endpoint answer `account` with `password` for `host`, a server the test runs. */
  answer: (account: string, password: string, host: string) => void;
  /** Stops `thing` (its stop() or cleanup()) with the world, last added first; returns it. */
  add: <T extends Stoppable>(thing: T) => T;
  /** Forgets recorded requests (ECR, STS, OIDC), injected failures, proxy connects, OIDC's sub. */
  reset: () => void;
  stop: () => Promise<void>;
}

/** Starts certificates, the ECR endpoint, the CONNECT proxy and one registry per spec. */
export async function startWorld(specs: RegistrySpec[], opts: WorldOptions = {}): Promise<World> {
  const stops: (() => Promise<unknown>)[] = [];
  const add = <T extends Stoppable>(thing: T): T => {
    stops.push('stop' in thing ? () => thing.stop() : () => thing.cleanup());
    return thing;
  };
  const stop = async () => {
    for (const fn of stops.splice(0).reverse()) await fn().catch(() => undefined);
  };
  try {
    const names = specs.flatMap((s) => (s.name ? [s.name] : []));
    const certs = add(await makeCerts(names));
    const serve = opts.serve ?? startRegistry;
    const started = await Promise.allSettled(
      specs.map((s) => serve({ password: s.password, ...(s.tls === false ? {} : { certs }) })),
    );
    const registries = started.flatMap((s) => (s.status === 'fulfilled' ? [add(s.value)] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const proxy = add(await startConnectProxy());
    const hosts = specs.map((spec, i) => spec.name ?? registries[i]?.host ?? '');
    const auth: AuthTable = {};
    const secrets = [TEST_CREDENTIALS.secretAccessKey];
    const answer = (key: string, password: string, host: string) => {
      auth[key] = { password, host };
      secrets.push(password, encodeToken(password));
    };
    specs.forEach((spec, i) => {
      const key = spec.region ? `${spec.region}/${spec.account}` : spec.account;
      answer(key, spec.answer ?? spec.password, hosts[i] ?? '');
      if (spec.answer) secrets.push(spec.password, encodeToken(spec.password));
      if (spec.name) proxy.route(spec.name, registries[i]?.host ?? '');
    });
    const oidc = new OidcIssuer();
    const roles = opts.roles ?? [];
    const onMint = (minted: string[]) => {
      if (opts.roles) secrets.push(...minted);
    };
    const sts = new StsEndpoint({ certs, roles, issuerKey: oidc.publicKey, onMint });
    const endpoint = new EcrEndpoint({ ...opts.endpoint, certs, auth, issued: sts.issued });
    await endpoint.start();
    add(endpoint);
    if (opts.roles) {
      await Promise.all([oidc.start(), sts.start()]);
      add(oidc);
      add(sts);
      secrets.push(oidc.requestToken);
    }
    const roleEnv = opts.roles
      ? { ...oidc.env, AWS_ENDPOINT_URL_STS: sts.url, GITHUB_REPOSITORY, GITHUB_RUN_ID }
      : {};
    const env = {
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_ECR: endpoint.url,
      AWS_ENDPOINT_URL_ECR_PUBLIC: endpoint.url,
      AWS_CONFIG_FILE: join(certs.dir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(certs.dir, 'no-aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      NODE_EXTRA_CA_CERTS: certs.caCert,
      SSL_CERT_FILE: certs.caCert,
      ...(names.length > 0 ? { HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1,localhost' } : {}),
      ...roleEnv,
      NODE_OPTIONS: `--import=${EXEC_TRACE}`,
    };
    const reset = () => {
      endpoint.requests.length = 0;
      endpoint.failures.length = 0;
      proxy.connects.length = 0;
      sts.requests.length = 0;
      oidc.requests.length = 0;
      oidc.sub = DEFAULT_SUB;
    };
    return {
      certs,
      endpoint,
      sts,
      oidc,
      proxy,
      registries,
      hosts,
      auth,
      env,
      secrets,
      answer,
      add,
      reset,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
