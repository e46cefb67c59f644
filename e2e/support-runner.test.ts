import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { inputEnvName, loadAction, REPO_ROOT } from './support/action-yml.ts';
import { parseFileCommands } from './support/file-commands.ts';
import { runAction } from './support/runner.ts';

const actionDir = join(REPO_ROOT, 'e2e/fixtures/fake-action');
const SECRET = 'sup3r-s3cret-value';

describe('runner emulation', () => {
  const saved = process.env.AWS_SECRET_ACCESS_KEY;
  beforeEach(() => {
    process.env.AWS_SECRET_ACCESS_KEY = 'developer-secret';
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    else process.env.AWS_SECRET_ACCESS_KEY = saved;
  });

  test('main then post: inputs, file commands, workflow commands, rendered log', async () => {
    const r = await runAction({ actionDir, inputs: { secret: SECRET }, secrets: [SECRET] });
    expect([r.mainExit, r.postExit]).toEqual([0, 0]);
    expect(r.outputs).toEqual({ legacy: 'old', registry: '127.0.0.1:5000', multi: 'line1\nline2' });
    expect(r.state).toEqual({ registries: 'a,b' });
    expect(r.exportedEnv).toEqual({ EXPORTED: 'yes' });
    expect(r.addedPath).toEqual(['/opt/fake/bin']);
    expect(r.summary).toBe('# Summary\n');
    expect(r.leaks).toEqual([]);
    expect(r.masks).toEqual([SECRET]);
    expect(r.commands.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'add-mask',
        'group',
        'endgroup',
        'debug',
        'warning',
        'error',
        'set-output',
      ]),
    );
    expect(r.commands.find((c) => c.name === 'warning')).toMatchObject({
      properties: { title: 'T' },
      message: 'careful\ntwo lines',
    });
    expect(r.log).toContain('masked ***');
    expect(r.log).toContain('▶ Logging in');
    expect(r.log).toContain('hyphen=true space=spaced default');
    expect(r.log).toContain('Warning: T: careful\ntwo lines');
    expect(r.log).toContain('Error: bad thing');
    expect(r.log).toContain('The `set-output` command is deprecated');
    expect(r.log).not.toContain('only in debug');
    expect(r.log).not.toContain(SECRET);
    expect(r.log).toContain('leaked-env=unset temp=set');
    expect(r.log).toContain('post state=a,b exported=yes');
    expect(r.log).toContain('post path-first=/opt/fake/bin');
  }, 30_000);

  test('flags a secret printed before its add-mask; debug shows ::debug::', async () => {
    const r = await runAction({
      actionDir,
      inputs: { secret: SECRET, bogus: 'x' },
      env: { LEAK_EARLY: '1' },
      secrets: [SECRET],
      debug: true,
    });
    expect(r.leaks).toEqual(['main stdout: secret #0 appears unmasked']);
    expect(r.log).toContain('##[debug]only in debug');
    expect(r.log).toContain("Warning: Unexpected input(s) 'bogus'");
  }, 30_000);

  test('post-if success() skips post after a failed main; post-only runs from given state', async () => {
    const failed = await runAction({ actionDir, inputs: { fail: 'true' } });
    expect([failed.mainExit, failed.postExit]).toEqual([1, undefined]);
    const post = await runAction({ actionDir, phases: 'post', state: { registries: 'x' } });
    expect([post.mainExit, post.postExit]).toEqual([undefined, 0]);
    expect(post.postStdout).toContain('post state=x exported=');
  }, 30_000);

  test("reads the repository's action.yml", async () => {
    const action = await loadAction();
    expect(action.runs.main).toBe('dist/main/index.js');
    expect(inputEnvName('mask-password')).toBe('INPUT_MASK-PASSWORD');
    expect(inputEnvName('some input')).toBe('INPUT_SOME_INPUT');
  });

  test('file command parser: heredocs and last-one-wins', () => {
    const text = 'a=1\nb<<X\nl1\n\nl2\nX\na=2=3\n';
    expect(parseFileCommands(text)).toEqual({ a: '2=3', b: 'l1\n\nl2' });
    expect(() => parseFileCommands('b<<X\nno end\n')).toThrow("Matching delimiter not found 'X'");
  });
});
