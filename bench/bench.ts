// `npm run bench`: times the committed dist/ through the runner emulation (e2e/support/runner.ts)
// in the e2e suite's world (e2e/support/world.ts: the local ECR endpoint, the CONNECT proxy) with
// login stand-ins for registries (e2e/support/login-standin.ts), with a fixed latency per
// GetAuthorizationToken call and per registry login, and prints medians.
//
//   node bench/bench.ts [--rounds 7] [--warmup 2] [--login-latency-ms 150] [--api-latency-ms 60]
//   (or BENCH_ROUNDS, BENCH_WARMUP, BENCH_LOGIN_LATENCY_MS, BENCH_API_LATENCY_MS)
//
// Nothing is written into the repository; every server is stopped at the end, also on failure
// and on Ctrl-C. A run that loses a credential, or makes other API calls than expected, fails
// the benchmark (exit 1).
//
// options.ts: the command line; steps.ts: the world and running the action in it with checks;
// spawn.ts: timed processes and the TCP relay; cases.ts and floors.ts: what is measured;
// report.ts: medians, the table and the checks; this file: the run, the report and the cleanup.
import { readdir, stat } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../e2e/support/action-yml.ts';
import { bench } from './cases.ts';
import { parseOptions, USAGE, type Options } from './options.ts';
import { BenchFailure, printTable, progress } from './report.ts';
import { dockerEnv, now, spawnTimed } from './spawn.ts';
import { freshDir, startBench, type Bench } from './steps.ts';

/**
 * Returns a function that stops the world once `starting` has started it (or failed); it also
 * runs, and the process exits, on SIGINT / SIGTERM (130) and on an error outside the awaited
 * chain, such as a stray stream error (1).
 */
function stopOnExit(starting: Promise<Bench>): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= starting.then((b) => b.world.stop()).catch(() => undefined));
  const exit = (code: number) => void stop().then(() => process.exit(code));
  const onSignal = (signal: NodeJS.Signals) => {
    progress(`\n${signal}: stopping the servers`);
    exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const onCrash = (error: unknown) => {
    console.error('bench failed:', error);
    exit(1);
  };
  process.once('uncaughtException', onCrash);
  process.once('unhandledRejection', onCrash);
  return stop;
}

async function bundleBytes(): Promise<{ files: { path: string; bytes: number }[] }> {
  const files: { path: string; bytes: number }[] = [];
  for (const step of ['main', 'post']) {
    const dir = join(REPO_ROOT, 'dist', step);
    const names = await readdir(dir, { recursive: true });
    for (const name of names.filter((n) => n.endsWith('.js')).sort()) {
      const path = join(dir, name);
      files.push({ path: relative(REPO_ROOT, path), bytes: (await stat(path)).size });
    }
  }
  return { files };
}

async function main(): Promise<number> {
  let opts: Options;
  try {
    opts = parseOptions();
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  const started = now();
  const loadAtStart = loadavg()[0] ?? 0;
  const starting = startBench();
  const stop = stopOnExit(starting);
  try {
    const b = await starting;
    const dir = await freshDir(b.world);
    const docker = (await spawnTimed('docker', ['--version'], dockerEnv(dir))).output.trim();
    const rows = await bench(opts, b);
    const { files } = await bundleBytes();
    const total = files.reduce((sum, f) => sum + f.bytes, 0);
    console.log(
      `ecr-login bench: node ${process.version}, ${docker}, ${String(cpus().length)} CPUs; ` +
        `${String(opts.rounds)} rounds after ${String(opts.warmup)} warm-up; ` +
        `login latency ${String(opts.loginLatencyMs)} ms, API latency ${String(opts.apiLatencyMs)} ms`,
    );
    console.log('');
    printTable(rows);
    console.log('');
    console.log(
      `bundles: ${files.map((f) => `${f.path} ${f.bytes.toLocaleString('en')}`).join(', ')}; ` +
        `total ${total.toLocaleString('en')} bytes`,
    );
    const load = [loadAtStart, loadavg()[0] ?? 0].map((l) => l.toFixed(1)).join(' → ');
    const busy = Math.max(loadAtStart, loadavg()[0] ?? 0) > cpus().length;
    console.log(
      `(bench took ${((now() - started) / 1000).toFixed(1)} s; 1-min load average ${load}` +
        `${busy ? ': the machine was busy, expect noisy numbers' : ''})`,
    );
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`bench failed: ${message}`);
    if (!(error instanceof BenchFailure) && error instanceof Error) console.error(error.stack);
    return 1;
  } finally {
    await stop();
  }
}

process.exitCode = await main();
