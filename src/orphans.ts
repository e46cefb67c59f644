import * as fs from 'node:fs';
import { RUN_MARKER } from './state.ts';

/**
 * Stops the CLIs of this run that outlived a killed main step, before the post step removes
 * what they may still write: every process whose environment carries the run's marker. Linux
 * only (it reads /proc); elsewhere nothing is found. Returns how many were stopped.
 */
export async function stopOrphans(runDir: string, proc = '/proc'): Promise<number> {
  if (!fs.existsSync(proc)) return 0;
  const entry = `${RUN_MARKER}=${runDir}`;
  const found: number[] = [];
  for (const name of fs.readdirSync(proc)) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let environ: string;
    try {
      environ = fs.readFileSync(`${proc}/${name}/environ`, 'latin1');
    } catch {
      continue; // gone, or another user's
    }
    if (environ.split('\0').includes(entry)) found.push(Number(name));
  }
  for (const pid of found) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  // Until they are gone (killed processes are reaped by init at once), at most 2 s.
  for (let waited = 0; waited < 2000 && found.some((pid) => alive(proc, pid)); waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return found.length;
}

function alive(proc: string, pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`${proc}/${String(pid)}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
