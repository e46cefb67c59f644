import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

/** How a command ended. */
export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** True when the command was ended for running past its time limit. */
  timedOut: boolean;
}

export interface CommandOptions {
  /** Written to the command's standard input, which is then closed. */
  input?: string;
  /** The whole environment of the command. */
  env?: NodeJS.ProcessEnv;
  /** Ends the command, and every process it started in its group, after this many ms. */
  timeoutMs?: number;
  /** Ends the command and its group when aborted: the step was cancelled. */
  signal?: AbortSignal;
  /** Told the process ID once the process is started, and again when it has ended. */
  onStart?: (pid: number) => void;
  onEnd?: (pid: number) => void;
}

/**
 * How long output is still read once the process has exited: a descendant that keeps its pipes
 * open (a helper's agent, a hung helper that outlived the group) is not waited for.
 */
const DRAIN_MS = 250;

/**
 * Runs a command without a shell in a process group of its own (POSIX), and collects its
 * output. A time limit or an abort ends the whole group — the command and the helpers it
 * started — and the result does not wait on pipes a descendant still holds. Not
 * @actions/exec: that needs the child process, which it does not hand out.
 */
export function runCommand(
  command: string,
  args: string[],
  options: CommandOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    const { pid } = child;
    let timedOut = false;
    let ended = false;
    let drain: NodeJS.Timeout | undefined;
    const stop = () => {
      endGroup(child);
    };
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            stop();
          }, options.timeoutMs);
    if (options.signal?.aborted) stop();
    options.signal?.addEventListener('abort', stop, { once: true });
    if (pid !== undefined) options.onStart?.(pid);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const settle = () => {
      clearTimeout(timer);
      clearTimeout(drain);
      options.signal?.removeEventListener('abort', stop);
      if (pid !== undefined) options.onEnd?.(pid);
      child.stdout.destroy();
      child.stderr.destroy();
    };
    const finish = (code: number | null) => {
      if (ended) return;
      ended = true;
      settle();
      resolve({
        exitCode: code ?? 128,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        timedOut,
      });
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (ended) return;
      ended = true;
      settle();
      reject(error.code === 'ENOENT' ? new Error(`${command} was not found on PATH`) : error);
    });
    child.on('exit', (code) => {
      // The group's leader is gone (and its PID free for reuse): nothing more to end.
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', stop);
      drain = setTimeout(() => {
        finish(code);
      }, DRAIN_MS);
    });
    child.on('close', finish);
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Ends a child and, where it leads a process group, everything in that group. */
function endGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined && process.platform !== 'win32')
      process.kill(-child.pid, 'SIGKILL');
    else child.kill('SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/**
 * When a process started, as the kernel counts it (clock ticks since boot, from
 * `/proc/<pid>/stat`): with the PID, it names one process, never a later one that reuses the
 * PID. Undefined when the process is gone (or a zombie), or where there is no /proc.
 */
export function startTimeOf(pid: number, proc = '/proc'): string | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`${proc}/${String(pid)}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // After the command name in parentheses: the state (field 3) … the start time (field 22).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[0] === 'Z' ? undefined : fields[19];
}

/** Ends the process `pid` if it is still the one that started at `start`; true if it was. */
export function stopIfSame(pid: number, start: string, proc = '/proc'): boolean {
  if (startTimeOf(pid, proc) !== start) return false;
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}
