// The bench's command line: options, their environment fallbacks and defaults.
import { parseArgs } from 'node:util';

export interface Options {
  rounds: number;
  warmup: number;
  loginLatencyMs: number;
  apiLatencyMs: number;
}

export const USAGE = `Usage: node bench/bench.ts [options]
  --rounds N             measured rounds per case (default 7; env BENCH_ROUNDS)
  --warmup N             unmeasured rounds before them (default 2; env BENCH_WARMUP)
  --login-latency-ms N   delay of each registry login (default 150; env BENCH_LOGIN_LATENCY_MS)
  --api-latency-ms N     delay of each GetAuthorizationToken call (default 60; env BENCH_API_LATENCY_MS)`;

export function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      'login-latency-ms': { type: 'string' },
      'api-latency-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (
    flag: string,
    raw: string | undefined,
    env: string,
    fallback: number,
    min: number,
  ) => {
    const text = raw ?? process.env[env] ?? '';
    if (text === '') return fallback;
    const value = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(value >= min))
      throw new Error(`--${flag} must be a whole number >= ${min}, not '${text}'`);
    return value;
  };
  return {
    rounds: int('rounds', values.rounds, 'BENCH_ROUNDS', 7, 1),
    warmup: int('warmup', values.warmup, 'BENCH_WARMUP', 2, 0),
    loginLatencyMs: int(
      'login-latency-ms',
      values['login-latency-ms'],
      'BENCH_LOGIN_LATENCY_MS',
      150,
      0,
    ),
    apiLatencyMs: int('api-latency-ms', values['api-latency-ms'], 'BENCH_API_LATENCY_MS', 60, 0),
  };
}
