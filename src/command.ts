import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/** How a command ended. */
export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** True when the command was killed for running past its time limit. */
  timedOut: boolean;
}

export interface CommandOptions {
  /** Written to the command's standard input, which is then closed. */
  input?: string;
  /** The whole environment of the command. */
  env?: NodeJS.ProcessEnv;
  /** Kills the command after this many milliseconds. */
  timeoutMs?: number;
}

/**
 * At most this many commands run at once: ten registries still log in side by side, and a
 * thousand never start a thousand processes.
 */
export const MAX_RUNNING = 16;

const running = new Set<ChildProcess>();
const waiting: (() => void)[] = [];
let free = MAX_RUNNING;

/** Takes a slot, waiting for one to be handed over when all are taken. */
async function acquire(): Promise<void> {
  if (free > 0) {
    free--;
    return;
  }
  await new Promise<void>((start) => waiting.push(start));
}

/** Hands the slot to the next waiting command, or frees it. */
function release(): void {
  const next = waiting.shift();
  if (next) next();
  else free++;
}

/** Kills every command still running and drops those waiting for a slot: the step was cancelled. */
export function stopAll(): void {
  waiting.length = 0;
  for (const child of running) child.kill('SIGKILL');
}

/**
 * Runs a command without a shell and collects its output, once fewer than MAX_RUNNING run. Not
 * @actions/exec: a per-attempt time limit needs the child process, which it does not hand out.
 */
export async function runCommand(
  command: string,
  args: string[],
  options: CommandOptions = {},
): Promise<CommandResult> {
  await acquire();
  return spawnCommand(command, args, options);
}

function spawnCommand(
  command: string,
  args: string[],
  options: CommandOptions,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs,
      killSignal: 'SIGKILL',
    });
    running.add(child);
    const finish = () => {
      if (running.delete(child)) release();
    };
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      finish();
      reject(error.code === 'ENOENT' ? new Error(`${command} was not found on PATH`) : error);
    });
    child.on('close', (code, signal) => {
      finish();
      resolve({
        exitCode: code ?? 128,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        timedOut: signal === 'SIGKILL' && options.timeoutMs !== undefined,
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}
