// Support for the container-CLI end-to-end tests (e2e/clis-*.test.ts): real HTTPS registries
// behind the local ECR endpoint, and runs of the committed action whose podman, buildah and skopeo
// write only into per-run temporary files (never /run/containers/0/auth.json or ~/.docker).
import { afterAll, beforeAll } from '@jest/globals';
import { lstat, mkdir, readdir, readFile, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_BIN } from './action-yml.ts';
import { makeCerts, type TestCerts } from './certs.ts';
import { EcrEndpoint, TEST_CREDENTIALS } from './ecr-endpoint.ts';
import { encodeToken, type AuthTable } from './ecr-tokens.ts';
import { checkPrereqs, which } from './prereqs.ts';
import { makeTempDir, type TempDir } from './proc.ts';
import { startRegistry, type TestRegistry } from './registry.ts';
import { runAction, type ActionRun } from './runner.ts';
import { execsOf, type Exec } from './world.ts';

/** The CLIs besides docker that the action can log in with. */
export const CONTAINER_CLIS = ['podman', 'buildah', 'skopeo'] as const;

/** Fails with the Debian packages to install when a container CLI (or the usual tools) is missing. */
export function checkCliPrereqs(): void {
  checkPrereqs([...CONTAINER_CLIS]);
}

/** Where podman, buildah and skopeo keep credentials when nothing else says: never touched here. */
export const ROOT_AUTH_FILE = '/run/containers/0/auth.json';

const EXEC_TRACE = join(dirname(fileURLToPath(import.meta.url)), 'exec-trace.ts');

export interface CliRegistrySpec {
  account: string;
  /** The password the registry accepts (distinct in its first 72 bytes: bcrypt). */
  password: string;
  /** The password the endpoint hands out; differ from `password` to be refused. */
  answer?: string;
}

export interface CliWorld {
  certs: TestCerts;
  endpoint: EcrEndpoint;
  registries: TestRegistry[];
  /** 127.0.0.1:<port> of each registry, as the endpoint's proxyEndpoint names it. */
  hosts: string[];
  /** AWS credentials and endpoint, and the test CA for node (the SDK) and Go (the CLIs). */
  env: Record<string, string>;
  /** Every password, every token and the AWS secret key. */
  secrets: string[];
  stop: () => Promise<void>;
}

/** Certificates, the ECR endpoint and one real HTTPS docker-registry per spec. */
export async function startCliWorld(specs: CliRegistrySpec[]): Promise<CliWorld> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const fn of stops.splice(0).reverse()) await fn().catch(() => undefined);
  };
  try {
    const certs = await makeCerts();
    stops.push(certs.cleanup);
    const registries: TestRegistry[] = [];
    for (const spec of specs) {
      const registry = await startRegistry({ password: spec.password, certs });
      stops.push(registry.stop);
      registries.push(registry);
    }
    const hosts = registries.map((r) => r.host);
    const auth: AuthTable = {};
    specs.forEach((spec, i) => {
      auth[spec.account] = { password: spec.answer ?? spec.password, host: hosts[i] ?? '' };
    });
    const endpoint = new EcrEndpoint({ certs, auth });
    await endpoint.start();
    stops.push(() => endpoint.stop());
    const env = {
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_ECR: endpoint.url,
      AWS_CONFIG_FILE: join(certs.dir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(certs.dir, 'no-aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      NODE_EXTRA_CA_CERTS: certs.caCert,
      SSL_CERT_FILE: certs.caCert,
      NODE_OPTIONS: `--import=${EXEC_TRACE}`,
    };
    const passwords = specs.flatMap((s) => (s.answer ? [s.password, s.answer] : [s.password]));
    const secrets = [...passwords, ...passwords.map(encodeToken), TEST_CREDENTIALS.secretAccessKey];
    return { certs, endpoint, registries, hosts, env, secrets, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The usual start of a clis-*.test.ts file: checks the CLI prerequisites now; starts a CliWorld
 * for `specs` before the file's tests and stops it after them. The object returned is that world
 * once the first beforeAll has run (hooks the file declares after this call run after these).
 */
export function useCliWorld(specs: CliRegistrySpec[]): CliWorld {
  checkCliPrereqs();
  const world = {} as CliWorld;
  beforeAll(async () => {
    Object.assign(world, await startCliWorld(specs));
  }, 60_000);
  afterAll(async () => {
    await world.stop();
  });
  return world;
}

/** Per-run directories: nothing is shared between runs or with the machine. */
export interface RunPaths {
  root: string;
  home: string;
  dockerConfig: string;
  runnerTemp: string;
  /** XDG_RUNTIME_DIR of the run: the CLIs' default file is <xdg>/containers/auth.json. */
  xdg: string;
  /** REGISTRY_AUTH_FILE of the run (does not exist until a CLI writes it). */
  authFile: string;
}

export interface CliRunOptions {
  inputs: Record<string, string>;
  /** Extra environment (e.g. PATH), applied last. */
  env?: Record<string, string>;
  /** false: leave REGISTRY_AUTH_FILE unset, so the CLIs choose their own default file. */
  authFileEnv?: boolean;
  /** false: leave DOCKER_CONFIG unset (docker then uses $HOME/.docker, HOME being the run's own). */
  dockerConfigEnv?: boolean;
  /** Runs before the main step, e.g. to seed files. */
  prepare?: (paths: RunPaths) => Promise<void>;
  /** Runs between the steps, e.g. to read files the post step deletes. */
  afterMain?: (main: ActionRun, paths: RunPaths) => Promise<void>;
  /** Runs after the post step, before the run's directories are removed. */
  afterPost?: (post: ActionRun, paths: RunPaths) => Promise<void>;
}

/** One process the action started, as the exec trace (exec-trace.ts) reported it. */
export interface CliRun {
  paths: RunPaths;
  main: ActionRun;
  post: ActionRun;
  /** Parsed JSON of a file after each step; undefined when it does not exist. */
  after: {
    main: { authFile: unknown; xdgAuthFile: unknown; dockerConfig: unknown };
    post: { authFile: unknown; xdgAuthFile: unknown; dockerConfig: unknown };
  };
  /** Entries (recursive, relative) left under RUNNER_TEMP after each step. */
  tempAfterMain: string[];
  tempAfterPost: string[];
  execs: Exec[];
  postExecs: Exec[];
  leaks: string[];
}

/** Parsed JSON of `file`; undefined when it does not exist. */
export async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as unknown);
}

/** Every entry under `dir`, relative, sorted; [] when it does not exist. */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries.sort();
}

/**
 * Runs the committed main step, then (like the runner: with its state and the variables it
 * exported) the post step, with a fresh HOME, DOCKER_CONFIG, RUNNER_TEMP, XDG_RUNTIME_DIR and
 * REGISTRY_AUTH_FILE, and reads the credential files after each.
 */
export async function runWithClis(world: CliWorld, opts: CliRunOptions): Promise<CliRun> {
  const dir = await makeTempDir('e2e-clis');
  try {
    const paths: RunPaths = {
      root: dir.path,
      home: join(dir.path, 'home'),
      dockerConfig: join(dir.path, 'docker'),
      runnerTemp: join(dir.path, 'temp'),
      xdg: join(dir.path, 'xdg'),
      authFile: join(dir.path, 'auth', 'auth.json'),
    };
    for (const d of [paths.home, paths.dockerConfig, paths.runnerTemp, paths.xdg]) {
      await mkdir(d, { mode: 0o700 });
    }
    await mkdir(dirname(paths.authFile), { mode: 0o700 });
    await opts.prepare?.(paths);
    const env: Record<string, string> = {
      ...world.env,
      HOME: paths.home,
      ...(opts.dockerConfigEnv === false ? {} : { DOCKER_CONFIG: paths.dockerConfig }),
      RUNNER_TEMP: paths.runnerTemp,
      XDG_RUNTIME_DIR: paths.xdg,
      ...(opts.authFileEnv === false ? {} : { REGISTRY_AUTH_FILE: paths.authFile }),
      ...opts.env,
    };
    const snapshot = async () => ({
      authFile: await readJson(paths.authFile),
      xdgAuthFile: await readJson(join(paths.xdg, 'containers', 'auth.json')),
      dockerConfig: await readJson(join(paths.dockerConfig, 'config.json')),
    });
    const base = { inputs: opts.inputs, secrets: world.secrets };
    const main = await runAction({ ...base, env, phases: 'main' });
    const afterMain = await snapshot();
    const tempAfterMain = await listTree(paths.runnerTemp);
    await opts.afterMain?.(main, paths);
    const post = await runAction({
      ...base,
      env: { ...env, ...main.exportedEnv },
      phases: 'post',
      state: main.state,
    });
    const afterPost = await snapshot();
    const tempAfterPost = await listTree(paths.runnerTemp);
    await opts.afterPost?.(post, paths);
    return {
      paths,
      main,
      post,
      after: { main: afterMain, post: afterPost },
      tempAfterMain,
      tempAfterPost,
      execs: execsOf(main),
      postExecs: execsOf(post),
      leaks: [...main.leaks, ...post.leaks],
    };
  } finally {
    await dir.cleanup();
  }
}

/** A directory holding only symlinks to node and to the named commands: a PATH of exactly those. */
export async function pathWith(commands: string[]): Promise<TempDir> {
  const dir = await makeTempDir('e2e-clis-path');
  await symlink(NODE_BIN, join(dir.path, 'node'));
  for (const command of commands) {
    const target = which(command);
    if (target === undefined) throw new Error(`${command} is not on PATH`);
    await symlink(target, join(dir.path, command));
  }
  return dir;
}

/** The containers-auth.json / config.json content of logins: host → base64("AWS:<password>"). */
export const authsOf = (logins: Record<string, string>) => ({
  auths: Object.fromEntries(
    Object.entries(logins).map(([host, password]) => [
      host,
      { auth: Buffer.from(`AWS:${password}`).toString('base64') },
    ]),
  ),
});

/** Log lines, as the user sees them. */
export const lines = (run: ActionRun): string[] => (run.log === '' ? [] : run.log.split('\n'));

/** Whether the CLIs' root default credential file exists, and its bytes (to prove it untouched). */
export async function rootAuthSnapshot(): Promise<string> {
  const info = await lstat(ROOT_AUTH_FILE).catch(() => undefined);
  if (info === undefined) return 'absent';
  return `${String(info.mtimeMs)}:${(await readFile(ROOT_AUTH_FILE)).toString('base64')}`;
}
