import { mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeCerts, type TestCerts } from './certs.ts';
import { startConnectProxy, type ConnectProxy } from './connect-proxy.ts';
import { EcrEndpoint, TEST_CREDENTIALS, type EcrEndpointOptions } from './ecr-endpoint.ts';
import { encodeToken, type AuthTable } from './ecr-tokens.ts';
import { makeTempDir } from './proc.ts';
import { startRegistry, type TestRegistry } from './registry.ts';
import { runAction, type ActionRun, type RunActionOptions } from './runner.ts';

/** Preloaded into every step: reports the processes the action starts (see exec-trace.ts). */
const EXEC_TRACE = join(dirname(fileURLToPath(import.meta.url)), 'exec-trace.ts');
const EXEC_COMMAND = 'e2e-exec';
const EXIT_COMMAND = 'e2e-exit';

export interface RegistrySpec {
  /** The password the registry accepts. */
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

export interface World {
  certs: TestCerts;
  endpoint: EcrEndpoint;
  proxy: ConnectProxy;
  registries: TestRegistry[];
  /** The host docker logs in to for each spec: its name, else 127.0.0.1:<port>. */
  hosts: string[];
  /** Environment for runAction: credentials, endpoints, CA, proxy, exec trace. */
  env: Record<string, string>;
  /** Every password, every token and the AWS secret key: none may reach the log unmasked. */
  secrets: string[];
  /** Forgets recorded requests, injected failures and proxy connects. */
  reset: () => void;
  stop: () => Promise<void>;
}

/** Starts certificates, the ECR endpoint, the CONNECT proxy and one real registry per spec. */
export async function startWorld(
  specs: RegistrySpec[],
  endpointOptions: Partial<EcrEndpointOptions> = {},
): Promise<World> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const fn of stops.splice(0).reverse()) await fn().catch(() => undefined);
  };
  try {
    const names = specs.flatMap((s) => (s.name ? [s.name] : []));
    const certs = await makeCerts(names);
    stops.push(certs.cleanup);
    const registries: TestRegistry[] = [];
    for (const spec of specs) {
      const registry = await startRegistry({
        password: spec.password,
        ...(spec.tls === false ? {} : { certs }),
      });
      stops.push(registry.stop);
      registries.push(registry);
    }
    const proxy = await startConnectProxy();
    stops.push(proxy.stop);
    const hosts = specs.map((spec, i) => spec.name ?? registries[i]?.host ?? '');
    const auth: AuthTable = {};
    specs.forEach((spec, i) => {
      const key = spec.region ? `${spec.region}/${spec.account}` : spec.account;
      auth[key] = { password: spec.answer ?? spec.password, host: hosts[i] ?? '' };
      if (spec.name) proxy.route(spec.name, registries[i]?.host ?? '');
    });
    const endpoint = new EcrEndpoint({ certs, auth, ...endpointOptions });
    await endpoint.start();
    stops.push(() => endpoint.stop());
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
      HTTPS_PROXY: proxy.url,
      NO_PROXY: '127.0.0.1,localhost',
      NODE_OPTIONS: `--import=${EXEC_TRACE}`,
    };
    const passwords = specs.flatMap((s) => (s.answer ? [s.password, s.answer] : [s.password]));
    const secrets = [...passwords, ...passwords.map(encodeToken), TEST_CREDENTIALS.secretAccessKey];
    const reset = () => {
      endpoint.requests.length = 0;
      endpoint.failures.length = 0;
      proxy.connects.length = 0;
    };
    return { certs, endpoint, proxy, registries, hosts, env, secrets, reset, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** One process the action started, as the exec trace saw it. */
export interface Exec {
  args: string[];
  code: number | null | undefined;
  stderr: string;
  /** Index of its start in the step's workflow commands (to order it against ::add-mask::). */
  position: number;
}

export interface Steps {
  main: ActionRun;
  post: ActionRun | undefined;
  /** Parsed $DOCKER_CONFIG/config.json; undefined when there is none. */
  configAfterMain: unknown;
  configAfterPost: unknown;
  /** Entries left in RUNNER_TEMP after the main step. */
  tempAfterMain: string[];
  execs: Exec[];
  postExecs: Exec[];
  leaks: string[];
}

export interface StepOptions {
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  secrets?: string[];
  /** 'main' skips the post step. */
  phases?: 'both' | 'main';
}

/** Docker's base64 `auth` of a registry password, as config.json holds it. */
export const authOf = (password: string) => Buffer.from(`AWS:${password}`).toString('base64');

/**
 * Runs the committed main step, then (like the runner, from its state) the post step, each with
 * a fresh DOCKER_CONFIG and RUNNER_TEMP, and reads config.json after each.
 */
export async function runSteps(world: World, opts: StepOptions = {}): Promise<Steps> {
  const dir = await makeTempDir('e2e-step');
  try {
    const dockerConfig = join(dir.path, 'docker');
    const runnerTemp = join(dir.path, 'temp');
    await Promise.all([mkdir(dockerConfig), mkdir(runnerTemp)]);
    const actionDir = process.env.E2E_ACTION_DIR;
    const base: RunActionOptions = {
      // E2E_ACTION_DIR runs another checkout's action.yml and dist/ (e.g. a deliberately broken build).
      ...(actionDir ? { actionDir } : {}),
      inputs: opts.inputs ?? {},
      env: { ...world.env, DOCKER_CONFIG: dockerConfig, RUNNER_TEMP: runnerTemp, ...opts.env },
      secrets: [...world.secrets, ...(opts.secrets ?? [])],
    };
    const readConfig = async (): Promise<unknown> => {
      const text = await readFile(join(dockerConfig, 'config.json'), 'utf8').catch(() => undefined);
      return text === undefined ? undefined : (JSON.parse(text) as unknown);
    };
    const main = await runAction({ ...base, phases: 'main' });
    const configAfterMain = await readConfig();
    const tempAfterMain = await readdir(runnerTemp);
    const post =
      opts.phases === 'main'
        ? undefined
        : await runAction({ ...base, phases: 'post', state: main.state });
    const configAfterPost = await readConfig();
    return {
      ...{ main, post, configAfterMain, configAfterPost, tempAfterMain },
      execs: execsOf(main),
      postExecs: post ? execsOf(post) : [],
      leaks: [...main.leaks, ...(post?.leaks ?? [])],
    };
  } finally {
    await dir.cleanup();
  }
}

/** The processes a step started, from the exec trace, in order. */
export function execsOf(run: ActionRun): Exec[] {
  const execs = new Map<number | null, Exec>();
  const list: Exec[] = [];
  run.commands.forEach((command, position) => {
    if (command.name !== EXEC_COMMAND && command.name !== EXIT_COMMAND) return;
    const data = JSON.parse(command.message) as {
      pid: number | null;
      args?: string[];
      code?: number | null;
      stderr?: string;
    };
    if (command.name === EXEC_COMMAND) {
      const exec: Exec = { args: data.args ?? [], code: undefined, stderr: '', position };
      execs.set(data.pid, exec);
      list.push(exec);
    } else {
      const exec = execs.get(data.pid);
      if (exec) Object.assign(exec, { code: data.code, stderr: data.stderr ?? '' });
    }
  });
  return list;
}

/** The log group of one successful docker login, as the user sees it. */
export const loginBlock = (host: string, region: string, expiresAt: string | undefined) => [
  `▶ Logged in to ${host} (${region}) with docker`,
  'docker: Login Succeeded',
  `Credentials expire at ${expiresAt ?? ''}`,
];

/** The post step's line for one credential it removed. */
export const logoutLine = (host: string) => `Logged out of ${host} (docker)`;

/** The log as the user sees it, as lines. */
export const logLines = (run: ActionRun | undefined): string[] =>
  run === undefined || run.log === '' ? [] : run.log.split('\n');

/**
 * The log cut into blocks, each starting at a `▶ ` group line, sorted: concurrent logins finish
 * in any order.
 */
export function logBlocks(run: ActionRun | undefined): string[][] {
  const blocks: string[][] = [];
  for (const line of logLines(run)) {
    const last = blocks.at(-1);
    if (line.startsWith('▶ ') || last === undefined) blocks.push([line]);
    else last.push(line);
  }
  return blocks.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}
