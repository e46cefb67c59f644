// The committed bundles: what they hold and what they leave out.
import { describe, expect, test } from '@jest/globals';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from './support/action-yml.ts';

const dist = join(REPO_ROOT, 'dist');
const bundleFiles = async (): Promise<string[]> => {
  const files: string[] = [];
  for (const entry of ['main', 'post']) {
    for (const name of await readdir(join(dist, entry))) {
      if (name.endsWith('.js')) files.push(join(dist, entry, name));
    }
  }
  return files;
};

describe('dist/', () => {
  test('the bundles, all chunks included, stay within 1 MB', async () => {
    const sizes = await Promise.all((await bundleFiles()).map(async (f) => (await stat(f)).size));
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1_000_000);
  });

  test('the post bundle has no AWS SDK, and neither bundle has undici', async () => {
    const post = await readFile(join(dist, 'post', 'index.js'), 'utf8');
    expect(post).not.toMatch(/GetAuthorizationToken|@aws-sdk|smithy/i);
    for (const file of await bundleFiles()) {
      expect(await readFile(file, 'utf8')).not.toMatch(/undici/i);
    }
  });

  test('the stand-in for the unused OIDC HTTP client fails loudly if it is ever called', async () => {
    for (const entry of ['main', 'post']) {
      const standIn = (await import(join(dist, entry, 'oidc-client-unavailable.js'))) as {
        HttpClient: new () => unknown;
        BearerCredentialHandler: new () => unknown;
      };
      expect(() => new standIn.HttpClient()).toThrow(
        '@actions/http-client is not bundled with this action',
      );
      expect(() => new standIn.BearerCredentialHandler()).toThrow(/not bundled/);
    }
  });
});
