// The repository as people adopt it: its workflows are valid for GitHub's own parser, a release
// tag finds its notes, and the README points at the tag the release process moves.
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { NODE_BIN, REPO_ROOT } from './support/action-yml.ts';

const script = (name: string, ...args: string[]) =>
  spawnSync(NODE_BIN, [join(REPO_ROOT, 'scripts', name), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
const packageJson = async () =>
  JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    version: string;
    dependencies: Record<string, string>;
  };

describe('workflows', () => {
  test('action.yml and every workflow pass GitHub’s workflow parser', () => {
    const run = script('check-workflows.mjs');
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.stdout).toMatch(/^action\.yml and \d+ workflows are valid\.$/m);
  });

  test('a broken workflow fails the check, naming the file, the line and what is wrong', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'workflows-'));
    try {
      await cp(join(REPO_ROOT, 'action.yml'), join(dir, 'action.yml'));
      await cp(join(REPO_ROOT, '.github'), join(dir, '.github'), { recursive: true });
      await writeFile(
        join(dir, '.github', 'workflows', 'broken.yml'),
        'on: push\njobs:\n  a:\n    runs-onn: ubuntu-latest\n    steps:\n      - run: echo ${{ github.sha ) }}\n',
      );
      const run = script('check-workflows.mjs', dir);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(
        ".github/workflows/broken.yml (Line: 4, Col: 5): Unexpected value 'runs-onn'",
      );
      expect(run.stderr).toContain("Unexpected symbol: ')'");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('dependabot moves client-ecr and client-ecr-public together, and they are one release', async () => {
    const config = parse(await readFile(join(REPO_ROOT, '.github', 'dependabot.yml'), 'utf8')) as {
      updates: { 'package-ecosystem': string; groups?: Record<string, { patterns?: string[] }> }[];
    };
    const npm = config.updates.find((u) => u['package-ecosystem'] === 'npm');
    expect(npm?.groups?.['aws-sdk']?.patterns).toContain('@aws-sdk/*');
    expect(config.updates.map((u) => u['package-ecosystem'])).toContain('github-actions');
    const { dependencies } = await packageJson();
    expect(dependencies['@aws-sdk/client-ecr']).toBe(dependencies['@aws-sdk/client-ecr-public']);
  });
});

describe('releases', () => {
  test('the version in package.json has its notes in CHANGELOG.md', async () => {
    const { version } = await packageJson();
    const run = script('release-notes.mjs', `v${version}`);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^### Added$/m);
  });

  test('a tag without notes, or that is not vX.Y.Z, fails', () => {
    expect(script('release-notes.mjs', 'v0.0.1')).toMatchObject({
      status: 1,
      stderr: "CHANGELOG.md has no notes for 0.0.1: add a '## [0.0.1] - <date>' section.\n",
    });
    expect(script('release-notes.mjs', 'latest').status).toBe(1);
  });

  test('the README uses the major tag the release process moves', async () => {
    const { version } = await packageJson();
    const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
    const tags = new Set(
      [...readme.matchAll(/uses: ecr-login-action\/ecr-login@([^\s`]+)/g)].map((m) => m[1]),
    );
    expect([...tags]).toEqual([`v${version.split('.')[0] ?? ''}`]);
    const release = await readFile(join(REPO_ROOT, '.github', 'workflows', 'release.yml'), 'utf8');
    expect(release).toContain('major="${GITHUB_REF_NAME%%.*}"');
  });
});
