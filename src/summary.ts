import * as core from '@actions/core';
import type { Cli } from './cli.ts';

/** One row of the job summary. */
export interface SummaryRow {
  host: string;
  region: string;
  clis: Cli[];
  expiresAt: Date;
  /** The role the registry was logged in with (an ARN, never a key); the job's own when absent. */
  identity?: string;
}

/** Writes what the step logged in to into the job summary: nothing secret goes there. */
export async function writeSummary(rows: SummaryRow[], failures: number): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  const summary = core.summary.addHeading('Amazon ECR login', 3);
  if (rows.length > 0) {
    const roles = rows.some((row) => row.identity !== undefined);
    summary.addTable([
      [
        { data: 'Registry', header: true },
        { data: 'Region', header: true },
        { data: 'CLI', header: true },
        ...(roles ? [{ data: 'Identity', header: true }] : []),
        { data: 'Credentials expire (UTC)', header: true },
      ],
      ...rows.map((row) => [
        `<code>${row.host}</code>`,
        row.region,
        row.clis.join(', '),
        ...(roles ? [row.identity ? `<code>${row.identity}</code>` : "the job's credentials"] : []),
        row.expiresAt
          .toISOString()
          .replace('T', ' ')
          .replace(/:\d\d\.\d+Z$/, ''),
      ]),
    ]);
  } else {
    summary.addRaw('No registry was logged in to.', true);
  }
  if (failures > 0) summary.addRaw(`${failures} login(s) failed: see the log.`, true);
  await summary.write();
}
