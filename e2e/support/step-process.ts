import { spawn, type ChildProcess } from 'node:child_process';
import type { Stream } from './workflow-log.ts';

export interface StepResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Complete lines of both streams in arrival order, as the runner reads them. */
  lines: { stream: Stream; text: string }[];
  ms: number;
}

/**
 * Runs one node step with exactly `env` (nothing inherited) and collects its output; `onSpawn`
 * gets its process as soon as it is started (to signal it, as the runner does on a cancel).
 */
export function runStep(
  node: string,
  script: string,
  env: Record<string, string>,
  cwd: string,
  timeoutMs: number,
  onSpawn?: (child: ChildProcess) => void,
): Promise<StepResult> {
  const started = Date.now();
  const result: StepResult = { exitCode: null, stdout: '', stderr: '', lines: [], ms: 0 };
  const partial: Record<Stream, string> = { stdout: '', stderr: '' };
  const take = (stream: Stream, chunk: string, flush: boolean) => {
    result[stream] += chunk;
    const parts = (partial[stream] + chunk).split('\n');
    partial[stream] = flush ? '' : (parts.pop() ?? '');
    for (const text of parts) result.lines.push({ stream, text: text.replace(/\r$/, '') });
  };
  return new Promise((resolve, reject) => {
    const child = spawn(node, [script], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    onSpawn?.(child);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      take('stdout', d, false);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      take('stderr', d, false);
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      for (const stream of ['stdout', 'stderr'] as const) {
        if (partial[stream] !== '') take(stream, '', true);
      }
      result.exitCode = code;
      result.ms = Date.now() - started;
      resolve(result);
    });
  });
}
