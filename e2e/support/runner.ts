import type { ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { inputEnvName, loadAction, NODE_BIN, postAllowed } from './action-yml.ts';
import { parseFileCommands, parsePathFile } from './file-commands.ts';
import { makeTempDir } from './proc.ts';
import { runStep, type StepResult } from './step-process.ts';
import { LogProcessor, type Phase, type WorkflowCommand } from './workflow-log.ts';

export interface RunActionOptions {
  inputs?: Record<string, string>;
  /** Extra environment for the steps (AWS_*, DOCKER_CONFIG, ...); nothing else is inherited. */
  env?: Record<string, string>;
  cwd?: string;
  /** Directory holding action.yml; the repository root by default. */
  actionDir?: string;
  /** Which steps to run; 'post' starts from `state`. Default 'both'. */
  phases?: 'both' | 'main' | 'post';
  state?: Record<string, string>;
  debug?: boolean;
  /** Values that must never reach the log unmasked. */
  secrets?: string[];
  timeoutMs?: number;
  /** GITHUB_STEP_SUMMARY names a file in a directory that does not exist. */
  unwritableSummary?: boolean;
  /** Gets each step's process as soon as it is started (to signal it). */
  onSpawn?: (child: ChildProcess, phase: Phase) => void;
}

export interface ActionRun {
  mainExit: number | null | undefined;
  postExit: number | null | undefined;
  mainMs: number | undefined;
  postMs: number | undefined;
  stdout: string;
  stderr: string;
  postStdout: string;
  postStderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  /** The main step's GITHUB_STATE file as it wrote it: what the runner keeps for the post step. */
  stateFile: string;
  exportedEnv: Record<string, string>;
  addedPath: string[];
  summary: string;
  commands: WorkflowCommand[];
  /** The log as the workflow UI shows it (masked). */
  log: string;
  masks: string[];
  leaks: string[];
}

const FILES = ['OUTPUT', 'STATE', 'ENV', 'PATH', 'STEP_SUMMARY'] as const;
/** The PATH a step gets: this process's, without node_modules/.bin (node is named in full). */
export const runnerPath = () =>
  (process.env.PATH ?? '/usr/bin:/bin')
    .split(delimiter)
    .filter((p) => !p.includes('node_modules'))
    .join(delimiter);

/** Runs the action's main and post steps the way the GitHub Actions runner does. */
export async function runAction(opts: RunActionOptions = {}): Promise<ActionRun> {
  const action = await loadAction(opts.actionDir);
  const tmp = await makeTempDir('e2e-runner');
  try {
    const cwd = opts.cwd ?? tmp.path;
    const logs = new LogProcessor(opts.secrets ?? [], opts.debug === true);
    const env: Record<string, string> = {
      PATH: runnerPath(),
      HOME: process.env.HOME ?? tmp.path,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: cwd,
      RUNNER_OS: 'Linux',
      RUNNER_TEMP: tmp.path,
      ...(opts.debug ? { RUNNER_DEBUG: '1' } : {}),
      ...opts.env,
    };
    const unexpected = Object.keys(opts.inputs ?? {}).filter((n) => !(n in action.inputs));
    if (unexpected.length > 0) {
      const valid = Object.keys(action.inputs).map((n) => `'${n}'`);
      logs.rendered.push(
        `Warning: Unexpected input(s) '${unexpected.join("', '")}', valid inputs are [${valid.join(', ')}]`,
      );
    }
    for (const [name, spec] of Object.entries(action.inputs)) {
      env[inputEnvName(name)] = opts.inputs?.[name] ?? spec.default ?? '';
    }
    for (const [name, value] of Object.entries(opts.inputs ?? {})) env[inputEnvName(name)] = value;

    let step = 0;
    const files = {
      outputs: {} as Record<string, string>,
      exportedEnv: {} as Record<string, string>,
    };
    const addedPath: string[] = [];
    let summary = '';
    const runPhase = async (phase: Phase, script: string, extra: Record<string, string>) => {
      step++;
      const paths = Object.fromEntries(
        FILES.map((f) => [`GITHUB_${f}`, join(tmp.path, `${f.toLowerCase()}-${String(step)}`)]),
      );
      await Promise.all(Object.values(paths).map((p) => writeFile(p, '')));
      if (opts.unwritableSummary) {
        paths.GITHUB_STEP_SUMMARY = join(tmp.path, 'no-such-directory', 'summary.md');
      }
      const stepEnv = { ...env, ...files.exportedEnv, ...extra, ...paths };
      stepEnv.PATH = [...addedPath, env.PATH].join(delimiter);
      const result = await runStep(
        NODE_BIN,
        resolve(action.dir, script),
        stepEnv,
        cwd,
        opts.timeoutMs ?? 120_000,
        (child) => opts.onSpawn?.(child, phase),
      );
      for (const { stream, text } of result.lines) logs.line(phase, stream, text);
      const read = (f: (typeof FILES)[number]) =>
        readFile(paths[`GITHUB_${f}`] ?? '', 'utf8').catch(() => '');
      const [output, state, exported, path, stepSummary] = await Promise.all(FILES.map(read));
      for (const [label, text] of [
        ['GITHUB_ENV', exported],
        ['GITHUB_PATH', path],
        ['GITHUB_STEP_SUMMARY', stepSummary],
        ['GITHUB_STATE', state],
      ] as const) {
        logs.scan(`${phase} ${label}`, text ?? '');
      }
      Object.assign(files.outputs, parseFileCommands(output ?? ''));
      Object.assign(files.exportedEnv, parseFileCommands(exported ?? ''));
      addedPath.unshift(...parsePathFile(path ?? '').reverse());
      summary += stepSummary ?? '';
      return { result, state: parseFileCommands(state ?? ''), stateFile: state ?? '' };
    };

    const phases = opts.phases ?? 'both';
    let main: StepResult | undefined;
    let state = { ...opts.state };
    let stateFile = '';
    if (phases !== 'post') {
      const ran = await runPhase('main', action.runs.main, {});
      main = ran.result;
      state = { ...state, ...logs.legacy.state, ...ran.state };
      stateFile = ran.stateFile;
    }
    let post: StepResult | undefined;
    const postScript = action.runs.post;
    if (
      phases !== 'main' &&
      postScript &&
      postAllowed(action.runs['post-if'], main?.exitCode ?? 0)
    ) {
      const stateEnv = Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]));
      post = (await runPhase('post', postScript, stateEnv)).result;
    }
    return {
      mainExit: main?.exitCode,
      postExit: post?.exitCode,
      mainMs: main?.ms,
      postMs: post?.ms,
      stdout: main?.stdout ?? '',
      stderr: main?.stderr ?? '',
      postStdout: post?.stdout ?? '',
      postStderr: post?.stderr ?? '',
      outputs: { ...logs.legacy.outputs, ...files.outputs },
      state,
      stateFile,
      exportedEnv: files.exportedEnv,
      addedPath,
      summary,
      commands: logs.commands,
      log: logs.rendered.join('\n'),
      masks: [...logs.masks],
      leaks: logs.leaks,
    };
  } finally {
    await tmp.cleanup();
  }
}
