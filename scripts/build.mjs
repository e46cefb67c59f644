// Builds the main and post bundles with ncc into dist/ (or the directory given as argument).
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2] ?? 'dist';
rmSync(out, { recursive: true, force: true });
for (const entry of ['main', 'post']) {
  execFileSync(
    'npx',
    [
      'ncc',
      'build',
      `src/${entry}.ts`,
      '-o',
      join(out, entry),
      '--minify',
      '--license',
      'licenses.txt',
      '--quiet',
    ],
    { stdio: 'inherit' },
  );
}
