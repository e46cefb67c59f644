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
const NO_COGNITO = 'cognito-unavailable.cjs';
const unused = {
  '@actions/http-client': `./${STAND_IN}`,
  '@actions/http-client/lib/auth': `./${STAND_IN}`,
  // @aws-sdk/credential-providers' Cognito provider, which assuming a role never uses.
  '@aws-sdk/credential-provider-cognito-identity': `./${NO_COGNITO}`,
};
const noCognito = `// The Cognito credential provider is not bundled: this action never uses it.
module.exports = new Proxy({}, { get() { throw new Error('The Cognito credential provider is not bundled with this action'); } });
`;
// getIDToken, for assuming a role with GitHub's OIDC token, is a bundle of its own (oidc.js),
// loaded only then. Its HTTP client uses undici for proxy agents alone, which getIDToken's plain
// GET does not need (it tunnels through HTTPS_PROXY with node:http): a stub takes its place.
const NO_AGENT = 'proxy-agent-unavailable.js';
const noAgent = `// The HTTP client's ProxyAgent is not bundled: getIDToken's request does not use it.
export class ProxyAgent { constructor() { throw new Error('ProxyAgent is not bundled with this action'); } }
`;
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
// dist/main from src/index.ts, dist/post from src/post-index.ts: the thin files that call run();
// dist/helper from src/helper-index.ts, the credential helper of `credential-helper: true`.
const sources = { main: 'src/index.ts', post: 'src/post-index.ts', helper: 'src/helper-index.ts' };
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
    ...(entry === 'main' ? { [NO_COGNITO]: noCognito, ...(await oidcBundle()) } : {}),
    ...Object.fromEntries(Object.entries(assets).map(([name, asset]) => [name, asset.source])),
  };
  for (const [name, source] of Object.entries(files)) {
    const file = join(next, entry, name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, source);
  }
}
/** dist/main/oidc.js and its stub. */
async function oidcBundle() {
  const { code } = await ncc(resolve('src/oidc-entry.ts'), {
    minify: true,
    quiet: true,
    externals: { undici: `./${NO_AGENT}` },
  });
  return { 'oidc.js': code, [NO_AGENT]: noAgent };
}

const previous = `${out}.previous`;
rmSync(previous, { recursive: true, force: true });
if (existsSync(out)) renameSync(out, previous);
renameSync(next, out);
rmSync(previous, { recursive: true, force: true });
