// The committed bundles: what they hold and what they leave out.
import { describe, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './support/action-yml.ts';

/** The machine's own Node.js when it is older than 24.5 (Debian's is 20): proxyEnv is missing. */
const OLD_NODE = ((): string | undefined => {
  try {
    const version = execFileSync('/usr/bin/node', ['--version'], { encoding: 'utf8' }).trim();
    const [major = 0, minor = 0] = version.slice(1).split('.').map(Number);
    return major < 24 || (major === 24 && minor < 5) ? '/usr/bin/node' : undefined;
  } catch {
    return undefined;
  }
})();

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

  (OLD_NODE ? test : test.skip)(
    'on a Node.js without proxy support a configured proxy fails the step, never goes unheeded',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'old-node-'));
      try {
        await Promise.all(['output', 'state'].map((f) => writeFile(join(dir, f), '')));
        const run = spawnSync(OLD_NODE ?? 'node', [join(dist, 'main', 'index.js')], {
          encoding: 'utf8',
          env: {
            PATH: '/usr/bin:/bin',
            HOME: dir,
            RUNNER_TEMP: dir,
            GITHUB_OUTPUT: join(dir, 'output'),
            GITHUB_STATE: join(dir, 'state'),
            INPUT_REGISTRIES: '111111111111',
            INPUT_REGION: 'eu-west-1',
            'INPUT_CONTAINER-CLI': 'docker',
            HTTPS_PROXY: 'http://proxy-user:proxy-pw@127.0.0.1:9',
            AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
            AWS_SECRET_ACCESS_KEY: 'not-a-secret',
          },
        });
        expect(run.status).toBe(1);
        expect(run.stdout).toContain(
          '::error::A proxy is set (HTTPS_PROXY / HTTP_PROXY), but Node.js v20',
        );
        // the proxy password is masked first, and the error never shows it
        expect(run.stdout).toContain('::add-mask::proxy-pw');
        const errors = run.stdout.split('\n').filter((line) => line.startsWith('::error::'));
        expect(errors).toHaveLength(1);
        expect(errors[0]).not.toContain('proxy-pw');
        expect(await readdir(dir)).toEqual(['output', 'state']);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
