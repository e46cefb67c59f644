import { runCommand, startTimeOf, stopIfSame } from './command.ts';
import type { CommandOptions, CommandResult } from './command.ts';
import { errorMessage } from './errors.ts';
import type { Records, Started } from './records.ts';
import { backoffMs, isTransient } from './retry.ts';
import type { RetryPolicy } from './retry.ts';

/**
 * At most this many commands run at once: ten registries still log in side by side, and a
 * thousand never start a thousand processes.
 */
export const MAX_RUNNING = 16;

/** Informational lines the CLIs print to stderr, and docker's warning about `--password`. */
const NOISE = /^(WARNING!|time="[^"]*" level=(info|debug|warning))/;
/** An error in logrus form, as skopeo prints it: its message alone is kept. */
const LOGGED_ERROR = /^time="[^"]*" level=(?:fatal|error) msg="(.*)"$/;

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The CLI runner of one run: every process the step starts goes through it. It holds the run's
 * slots (MAX_RUNNING), records each process it starts (PID and start time) so the post step of a
 * killed main step can stop exactly those, and ends them all when the step is cancelled.
 */
export class Runner {
  readonly #records: Records | undefined;
  readonly #stop = new AbortController();
  readonly #waiting: { start: () => void; stop: (error: Error) => void }[] = [];
  #free: number;

  constructor(records?: Records, slots = MAX_RUNNING) {
    this.#records = records;
    this.#free = slots;
  }

  /** Runs a command once a slot is free; records it while it runs. */
  async run(command: string, args: string[], options: CommandOptions = {}): Promise<CommandResult> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((start, stop) => this.#waiting.push({ start, stop }));
    try {
      return await runCommand(command, args, {
        ...options,
        signal: this.#stop.signal,
        onStart: (pid) => this.#records?.started(pid, startTimeOf(pid)),
        onEnd: (pid) => this.#records?.ended(pid),
      });
    } finally {
      const next = this.#waiting.shift();
      if (next) next.start();
      else this.#free++;
    }
  }

  /** Ends every command running (with its process group); those waiting fail unstarted: a cancel. */
  stopAll(): void {
    for (const waiting of this.#waiting.splice(0))
      waiting.stop(new Error('stopped: the step was cancelled'));
    this.#stop.abort();
  }

  /**
   * Runs a CLI or credential helper; returns its output, or throws its error output without the
   * noise (or that it timed out).
   */
  async cli(command: string, args: string[], options: CommandOptions = {}): Promise<string> {
    const result = await this.run(command, args, options);
    if (result.timedOut) throw new Error(`timed out after ${(options.timeoutMs ?? 0) / 1000} s`);
    if (result.exitCode !== 0) {
      const message = result.stderr
        .split('\n')
        .filter((line) => line.trim() !== '' && !NOISE.test(line))
        .map((line) => LOGGED_ERROR.exec(line)?.[1]?.replace(/\\(.)/g, '$1') ?? line)
        .join('\n')
        .trim();
      throw new Error(message || `${command} ${args[0] ?? ''} exited with code ${result.exitCode}`);
    }
    return result.stdout.trim();
  }

  /**
   * `<cli> login --username <user> --password-stdin <host>`, the password on stdin, each attempt
   * bounded by the policy's time limit; a transient failure is tried again after a backoff. A
   * failure names the CLI and the registry; the password never appears in it.
   */
  async login(
    cli: string,
    credential: { host: string; username: string; password: string },
    env: NodeJS.ProcessEnv,
    policy: RetryPolicy,
  ): Promise<string> {
    const { host, username, password } = credential;
    const args = ['login', '--username', username, '--password-stdin', host];
    const options = { env, input: password, timeoutMs: policy.timeoutMs };
    for (let attempt = 1; ; attempt++) {
      let reason: string;
      try {
        return await this.cli(cli, args, options);
      } catch (error) {
        // Never the password, whatever the CLI said; nor the CLI's error as a cause to print.
        const message = errorMessage(error);
        reason = password === '' ? message : message.split(password).join('***');
      }
      if (attempt >= policy.attempts || !isTransient(reason)) {
        const tries = attempt > 1 ? ` (after ${attempt} attempts)` : '';
        throw new Error(`${cli} login to ${host} failed: ${reason}${tries}`);
      }
      const delay = backoffMs(attempt);
      policy.onRetry?.(host, attempt, delay, reason);
      await (policy.sleep ?? realSleep)(delay);
    }
  }
}

/**
 * Stops what a killed or cancelled main step left running: each process it recorded as started
 * and not as ended, and only while it is still that process (same PID, same start time) —
 * never a later process that reuses the PID, and never what they started themselves (a
 * helper's agent). Waits until they are gone, at most 2 s; returns how many were stopped.
 */
export function stopLeftovers(records: Records, proc = '/proc'): Promise<number> {
  return stopProcesses(records.running(), proc);
}

/** Stops each of `started` that is still that process; waits until they are gone, at most 2 s. */
export async function stopProcesses(started: Started[], proc = '/proc'): Promise<number> {
  const stopped = started.filter(({ pid, start }) => stopIfSame(pid, start, proc));
  for (let waited = 0; waited < 2000; waited += 20) {
    if (stopped.every(({ pid, start }) => startTimeOf(pid, proc) !== start)) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return stopped.length;
}
