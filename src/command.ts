import { spawn } from 'node:child_process';

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
 * Runs a command without a shell and collects its output. Not @actions/exec: a per-attempt time
 * limit needs the child process, which @actions/exec does not hand out.
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
      timeout: options.timeoutMs,
      killSignal: 'SIGKILL',
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new Error(`${command} was not found on PATH`) : error);
    });
    child.on('close', (code, signal) => {
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
