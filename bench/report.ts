// Statistics, progress and the table; the checks that fail the bench; the measuring loop.
import type { Options } from './options.ts';

export interface Row {
  name: string;
  samples: number[];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

const ms = (value: number) => value.toFixed(1).padStart(9);

export function printTable(rows: Row[]): void {
  const width = Math.max(...rows.map((r) => r.name.length));
  console.log(
    `${'name'.padEnd(width)} ${'median'.padStart(9)} ${'min'.padStart(9)} ${'max'.padStart(9)}  (ms)`,
  );
  for (const { name, samples } of rows) {
    const line = `${name.padEnd(width)} ${ms(median(samples))}`;
    console.log(
      samples.length > 1 ? `${line} ${ms(Math.min(...samples))} ${ms(Math.max(...samples))}` : line,
    );
  }
}

export const progress = (text: string) => process.stderr.write(`${text}\n`);

/** A check of the benchmark's own premises failed: the numbers would mean nothing. */
export class BenchFailure extends Error {}

export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new BenchFailure(message);
}

/** Runs `once` warm-up + rounds times; keeps the measured rounds. */
export async function measure(
  opts: Options,
  label: string,
  once: (round: number) => Promise<number>,
): Promise<number[]> {
  const samples: number[] = [];
  for (let round = 0; round < opts.warmup + opts.rounds; round++) {
    const value = await once(round);
    if (round >= opts.warmup) samples.push(value);
  }
  progress(`  ${label}: ${samples.map((s) => s.toFixed(0)).join(' ')}`);
  return samples;
}
