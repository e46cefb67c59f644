// What a job can leave on the machine: files holding a secret, processes of its run still
// alive, and the run's login records (readable while the run directory exists).
import { readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoginRecord } from './jobs.ts';

/**
 * Every regular file under `roots` (symbolic links not followed) whose bytes contain one of
 * `secrets`, sorted; [] when none does.
 */
export async function filesHolding(roots: string[], secrets: string[]): Promise<string[]> {
  const wanted = secrets.filter((s) => s !== '');
  const found: string[] = [];
  for (const root of roots) {
    const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const file = join(entry.parentPath, entry.name);
      const text = await readFile(file, 'latin1').catch(() => '');
      if (wanted.some((secret) => text.includes(secret))) found.push(file);
    }
  }
  return found.sort();
}

/** A live process of a run. */
export interface RunProcess {
  pid: number;
  args: string[];
}

/**
 * The live (not zombie) processes whose environment points into `runDir` — a docker login's
 * DOCKER_CONFIG is a staging directory there (Linux /proc). The test looks; the action never does.
 */
export function processesOf(runDir: string): RunProcess[] {
  const inside = `=${runDir}/`;
  const read = (pid: string, file: string) => {
    try {
      return readFileSync(`/proc/${pid}/${file}`, 'latin1');
    } catch {
      return ''; // gone meanwhile
    }
  };
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) =>
      read(pid, 'environ')
        .split('\0')
        .some((e) => e.includes(inside)),
    )
    .filter((pid) => !/^\d+ \(.*\) [ZX]/s.test(read(pid, 'stat')))
    .map((pid) => ({ pid: Number(pid), args: read(pid, 'cmdline').split('\0').slice(0, -1) }));
}

/** Kills what is left of `processes` (SIGKILL), so that no test leaves a process behind. */
export function killAll(processes: RunProcess[]): void {
  for (const { pid } of processes) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

/** The run directories the main step made under `runnerTemp` (ecr-login-XXXXXX). */
export async function runDirsIn(runnerTemp: string): Promise<string[]> {
  const names = await readdir(runnerTemp).catch(() => [] as string[]);
  return names.filter((n) => /^ecr-login-[A-Za-z0-9]{6}$/.test(n)).map((n) => join(runnerTemp, n));
}

/** The login records of every run directory under `runnerTemp`, as the post step reads them. */
export async function recordsIn(runnerTemp: string): Promise<LoginRecord[]> {
  const records: LoginRecord[] = [];
  for (const dir of await runDirsIn(runnerTemp)) {
    const text = await readFile(join(dir, 'logins.jsonl'), 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      try {
        if (line !== '') records.push(JSON.parse(line) as LoginRecord);
      } catch {
        // a line still being written
      }
    }
  }
  return records;
}
