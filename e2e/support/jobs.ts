// Jobs in the world (world.ts): the committed action's main and post steps, run the way the
// runner does, each job in fresh directories of its own, and what each step left behind.
import type { ChildProcess } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { basename, delimiter, join } from 'node:path';
import { makeTempDir } from './proc.ts';
import { sha256Hex } from './sha256.ts';
import { runAction, runnerPath, type ActionRun } from './runner.ts';
import type { World } from './world.ts';

/** Workflow commands of the exec trace (exec-trace.ts, which must not be imported: it traces). */
const EXEC_COMMAND = 'e2e-exec';
const EXIT_COMMAND = 'e2e-exit';
const GONE_COMMAND = 'e2e-gone';

/** One job's own directories: nothing is shared between jobs or with the machine. */
export interface RunDirs {
  root: string;
  home: string;
  /** DOCKER_CONFIG of the job. */
  dockerConfig: string;
  runnerTemp: string;
  /** XDG_RUNTIME_DIR: podman & co's own default file is <xdg>/containers/auth.json. */
  xdg: string;
  /** REGISTRY_AUTH_FILE of the job (does not exist until a CLI writes it). */
  authFile: string;
}

export interface StepOptions {
  inputs?: Record<string, string>;
  /** More environment, applied last (over the job's own directories). */
  env?: Record<string, string>;
  /** Directories put before the runner's PATH, e.g. one of fake credential helpers. */
  path?: string[];
  /**
   * The job's variables to leave unset: so the CLIs choose their own default, or so the step has
   * no AWS keys or OIDC token service (AWS_ACCESS_KEY_ID, ACTIONS_ID_TOKEN_REQUEST_URL, ...).
   */
  unset?: string[];
  /** More values that must never reach the log unmasked. */
  secrets?: string[];
  /** The steps' working directory (GITHUB_WORKSPACE); a fresh one when omitted. */
  cwd?: string;
  /** GITHUB_STEP_SUMMARY names a file the step cannot write (its directory does not exist). */
  unwritableSummary?: boolean;
  /** Prepares the job's directories before the main step (config.json, contexts, ...). */
  seed?: (dirs: RunDirs) => Promise<unknown>;
  debug?: boolean;
  timeoutMs?: number;
  /**
   * Runs beside the main step once its process is started, e.g. to cancel it as the runner does;
   * the step's result waits for it. When it fails, the step is killed.
   */
  whileMain?: (step: ChildProcess, dirs: RunDirs) => Promise<unknown>;
}

/** What a step left behind: the job's credential files (parsed JSON) and directories. */
export interface Snapshot {
  /** $DOCKER_CONFIG/config.json of the job's own directory; undefined when there is none. */
  config: unknown;
  authFile: unknown;
  xdgAuthFile: unknown;
  /** Every entry under the job's DOCKER_CONFIG and RUNNER_TEMP, relative, sorted. */
  docker: string[];
  temp: string[];
}

/** A login the main step recorded for the post step (a line of its run directory's logins.jsonl). */
export interface LoginRecord {
  host: string;
  cli: string;
  file: string;
  helper: string;
  pinned: boolean;
  pending: boolean;
  /** SHA-256 of the password, in hex. */
  fingerprint: string;
}

/**
 * The record of a login of `cli` to `host` with `password`, kept in `file` (docker: in the file
 * itself, unless `more` says otherwise), as the main step writes it once the login has landed.
 */
export function loginRecord(
  host: string,
  cli: string,
  file: string,
  password: string,
  more: Partial<LoginRecord> = {},
): LoginRecord {
  const fingerprint = sha256Hex(password);
  return { host, cli, file, helper: '', pinned: false, pending: false, fingerprint, ...more };
}

/** A job whose main step has run; its post step is still to come. */
export interface Job {
  dirs: RunDirs;
  /** The environment of both steps (the post step also gets what main exported). */
  env: Record<string, string>;
  main: ActionRun;
  /** The logins main recorded, read before the post step deletes them. */
  logins: LoginRecord[];
  afterMain: Snapshot;
  /** Runs the post step, as the runner does: with main's state and exported variables. */
  runPost: () => Promise<ActionRun>;
  snapshot: () => Promise<Snapshot>;
  /** Deletes the job's directories (else done when the world stops). */
  cleanup: () => Promise<void>;
}

/** Parsed JSON of `file` (its text when that is not JSON); undefined when it does not exist. */
export async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  try {
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return text;
  }
}

/** Every entry under `dir`, relative, sorted; [] when it does not exist. */
export async function listTree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true }).catch(() => [] as string[])).sort();
}

/**
 * Runs the committed main step in fresh directories of its own (HOME, DOCKER_CONFIG,
 * RUNNER_TEMP, XDG_RUNTIME_DIR, REGISTRY_AUTH_FILE), after `seed`.
 */
export async function runMain(world: World, opts: StepOptions = {}): Promise<Job> {
  const tmp = world.add(await makeTempDir('e2e-job'));
  const at = (name: string) => join(tmp.path, name);
  const dirs: RunDirs = {
    ...{ root: tmp.path, home: at('home'), dockerConfig: at('docker'), runnerTemp: at('temp') },
    ...{ xdg: at('xdg'), authFile: at('auth.json') },
  };
  for (const dir of [dirs.home, dirs.dockerConfig, dirs.runnerTemp, dirs.xdg]) {
    await mkdir(dir, { mode: 0o700 });
  }
  await opts.seed?.(dirs);
  const env: Record<string, string> = {
    ...world.env,
    ...{ HOME: dirs.home, DOCKER_CONFIG: dirs.dockerConfig, RUNNER_TEMP: dirs.runnerTemp },
    ...{ XDG_RUNTIME_DIR: dirs.xdg, REGISTRY_AUTH_FILE: dirs.authFile },
    ...(opts.path ? { PATH: [...opts.path, runnerPath()].join(delimiter) } : {}),
    ...opts.env,
  };
  for (const name of opts.unset ?? []) Reflect.deleteProperty(env, name);
  const base = {
    ...(opts.debug ? { debug: true } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    ...(opts.unwritableSummary ? { unwritableSummary: true } : {}),
    secrets: [...world.secrets, ...(opts.secrets ?? [])],
  };
  const snapshot = async (): Promise<Snapshot> => ({
    config: await readJson(join(dirs.dockerConfig, 'config.json')),
    authFile: await readJson(dirs.authFile),
    xdgAuthFile: await readJson(join(dirs.xdg, 'containers', 'auth.json')),
    docker: await listTree(dirs.dockerConfig),
    temp: await listTree(dirs.runnerTemp),
  });
  let during: Promise<unknown> = Promise.resolve();
  const onSpawn = (step: ChildProcess) => {
    const { whileMain } = opts;
    if (!whileMain) return;
    during = Promise.resolve().then(() => whileMain(step, dirs));
    during.catch(() => step.kill('SIGKILL'));
  };
  const main = await runAction({
    ...base,
    inputs: opts.inputs ?? {},
    env,
    phases: 'main',
    onSpawn,
  });
  await during;
  const runDir = main.state['run-dir'];
  const records = runDir
    ? await readFile(join(runDir, 'logins.jsonl'), 'utf8').catch(() => '')
    : '';
  return {
    ...{ dirs, env, main, snapshot, afterMain: await snapshot(), cleanup: tmp.cleanup },
    logins: records.split('\n').flatMap((line) => (line ? [JSON.parse(line) as LoginRecord] : [])),
    // The runner gives the post step the same inputs as the main step.
    runPost: () =>
      runAction({
        ...base,
        inputs: opts.inputs ?? {},
        env: { ...env, ...main.exportedEnv },
        phases: 'post',
        state: main.state,
      }),
  };
}

/** Both steps of a job, what each left behind, and the processes each started. */
export interface Steps {
  /** The job's directories, deleted by the time runSteps returns. */
  dirs: RunDirs;
  main: ActionRun;
  post: ActionRun | undefined;
  logins: LoginRecord[];
  after: { main: Snapshot; post: Snapshot | undefined };
  execs: Exec[];
  postExecs: Exec[];
  leaks: string[];
}

export interface RunStepsOptions extends StepOptions {
  /** 'main' skips the post step. */
  phases?: 'both' | 'main';
  /** Runs between the steps, e.g. to read or change files the post step deletes or reads. */
  afterMain?: (main: ActionRun, dirs: RunDirs) => Promise<unknown>;
  /** Runs after the post step, before the job's directories are deleted. */
  afterPost?: (post: ActionRun, dirs: RunDirs) => Promise<unknown>;
}

/** Runs a job's main step, then (like the runner, from its state) its post step. */
export async function runSteps(world: World, opts: RunStepsOptions = {}): Promise<Steps> {
  const job = await runMain(world, opts);
  try {
    await opts.afterMain?.(job.main, job.dirs);
    const post = opts.phases === 'main' ? undefined : await job.runPost();
    const afterPost = post && (await job.snapshot());
    if (post) await opts.afterPost?.(post, job.dirs);
    return {
      ...{ dirs: job.dirs, main: job.main, post, logins: job.logins },
      after: { main: job.afterMain, post: afterPost },
      execs: execsOf(job.main),
      postExecs: post ? execsOf(post) : [],
      leaks: [...job.main.leaks, ...(post?.leaks ?? [])],
    };
  } finally {
    await job.cleanup();
  }
}

/** What RUNNER_TEMP holds after a main step that recorded logins: its run directory alone. */
export function runDirEntries(main: ActionRun): string[] {
  const name = basename(main.state['run-dir'] ?? '');
  // the action's mark, the records, and the mark of a main step that ended by itself
  const entries = ['.ecr-login-action', 'ended', 'logins.jsonl', 'processes.jsonl'];
  return [name, ...entries.map((entry) => `${name}/${entry}`)];
}

/** One process the action started, as the exec trace saw it. */
export interface Exec {
  args: string[];
  code: number | null | undefined;
  stderr: string;
  /** Index of its start in the step's workflow commands (to order it against ::add-mask::). */
  position: number;
  /**
   * Index there of the moment the process exited (its pipes may close later); undefined while
   * it had not ended when the step did.
   */
  ended: number | undefined;
}

/** The processes a step started, from the exec trace, in order. */
export function execsOf(run: ActionRun): Exec[] {
  const execs = new Map<number | null, Exec>();
  const list: Exec[] = [];
  run.commands.forEach((command, position) => {
    if (![EXEC_COMMAND, GONE_COMMAND, EXIT_COMMAND].includes(command.name)) return;
    const data = JSON.parse(command.message) as {
      pid: number | null;
      args?: string[];
      code?: number | null;
      stderr?: string;
    };
    if (command.name === EXEC_COMMAND) {
      const exec: Exec = {
        ...{ args: data.args ?? [], code: undefined, stderr: '', position, ended: undefined },
      };
      execs.set(data.pid, exec);
      list.push(exec);
    } else if (command.name === GONE_COMMAND) {
      const exec = execs.get(data.pid);
      if (exec) exec.ended = position;
    } else {
      const exec = execs.get(data.pid);
      if (exec) Object.assign(exec, { code: data.code, stderr: data.stderr ?? '' });
      if (exec && exec.ended === undefined) exec.ended = position;
    }
  });
  return list;
}
