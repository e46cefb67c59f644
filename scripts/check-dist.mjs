// Fails when dist/ is not exactly what the sources build: users run dist/, not src/.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

function files(dir) {
  return readdirSync(dir, { recursive: true })
    .map((name) => join(dir, String(name)))
    .filter((file) => statSync(file).isFile())
    .map((file) => relative(dir, file))
    .sort();
}

const fresh = mkdtempSync(join(tmpdir(), 'check-dist-'));
try {
  execFileSync('node', ['scripts/build.mjs', join(fresh, 'dist')], { stdio: 'inherit' });
  const built = files(join(fresh, 'dist'));
  const committed = files('dist');
  const differing = [...new Set([...built, ...committed])].filter((file) => {
    if (!built.includes(file) || !committed.includes(file)) return true;
    return !readFileSync(join(fresh, 'dist', file)).equals(readFileSync(join('dist', file)));
  });
  if (differing.length > 0) {
    console.error(`dist/ differs from what the sources build: ${differing.join(', ')}`);
    console.error('Run `npm run package` and commit dist/.');
    process.exit(1);
  }
  console.log(`dist/ matches the sources (${built.length} files).`);
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
