import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import * as core from '../__fixtures__/core.ts';

jest.unstable_mockModule('@actions/core', () => core);
const stores = await import('../src/stores.ts');
const { Queue, makeStaging, mirrorDir, readJson, realFile, removeLeftovers, updateJson } = stores;
const { withFileLock, writeJson } = stores;

let dir: string;
const at = (...parts: string[]) => path.join(dir, ...parts);
const mode = (file: string) => fs.statSync(file).mode & 0o777;

beforeEach(() => {
  core.reset();
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'stores-test-')));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('writeJson: the faithful writer', () => {
  test('a new file is 0600 in a new 0700 directory, tab-indented as docker writes it', () => {
    writeJson(at('new', 'config.json'), { auths: {} });
    expect(mode(at('new', 'config.json'))).toBe(0o600);
    expect(mode(at('new'))).toBe(0o700);
    expect(fs.readFileSync(at('new', 'config.json'), 'utf8')).toBe('{\n\t"auths": {}\n}\n');
  });

  test('keeps the mode of the file it replaces, and leaves no temporary file', () => {
    fs.writeFileSync(at('config.json'), '{}');
    fs.chmodSync(at('config.json'), 0o644);
    writeJson(at('config.json'), { a: 1 });
    expect(mode(at('config.json'))).toBe(0o644);
    expect(fs.readdirSync(dir)).toEqual(['config.json']);
  });

  test('writes through a chain of relative symbolic links to the final target', () => {
    fs.mkdirSync(at('dotfiles'));
    fs.writeFileSync(at('dotfiles', 'docker.json'), '{"x":1}', { mode: 0o640 });
    fs.chmodSync(at('dotfiles', 'docker.json'), 0o640);
    fs.symlinkSync('dotfiles/docker.json', at('middle.json'));
    fs.mkdirSync(at('home'));
    fs.symlinkSync('../middle.json', at('home', 'config.json'));
    writeJson(at('home', 'config.json'), { x: 2 });
    expect(fs.lstatSync(at('home', 'config.json')).isSymbolicLink()).toBe(true);
    expect(fs.lstatSync(at('middle.json')).isSymbolicLink()).toBe(true);
    expect(readJson(at('dotfiles', 'docker.json'))).toEqual({ x: 2 });
    expect(mode(at('dotfiles', 'docker.json'))).toBe(0o640);
    expect(fs.readdirSync(at('dotfiles'))).toEqual(['docker.json']);
  });

  test('a dangling link is written at its target, which it then points to', () => {
    fs.symlinkSync(at('elsewhere.json'), at('config.json'));
    expect(realFile(at('config.json'))).toBe(at('elsewhere.json'));
    writeJson(at('config.json'), { a: 1 });
    expect(readJson(at('config.json'))).toEqual({ a: 1 });
    expect(fs.lstatSync(at('config.json')).isSymbolicLink()).toBe(true);
  });

  test('a failed write removes its temporary file and leaves what was there', () => {
    fs.mkdirSync(at('config.json'));
    fs.writeFileSync(at('config.json', 'inside'), 'x');
    expect(() => {
      writeJson(at('config.json'), { a: 1 });
    }).toThrow(/EISDIR|ENOTDIR|EEXIST/);
    expect(fs.readdirSync(dir)).toEqual(['config.json']);
    expect(fs.readdirSync(at('config.json'))).toEqual(['inside']);
  });
});

describe('readJson', () => {
  test.each([
    ['missing', undefined, {}],
    ['empty', ' \n', {}],
    ['an object', '{"auths":{"a":{}},"x-custom":[1]}', { auths: { a: {} }, 'x-custom': [1] }],
  ])('%s → %j', (_name, text, expected) => {
    if (text !== undefined) fs.writeFileSync(at('config.json'), text);
    expect(readJson(at('config.json'))).toEqual(expected);
  });

  test.each(['{not json', '[1,2]', 'null', '"text"'])('%s fails naming the file', (text) => {
    fs.writeFileSync(at('config.json'), text);
    expect(() => readJson(at('config.json'))).toThrow(
      `The credential file ${at('config.json')} is not a valid JSON object, so it was left untouched. Fix or remove it and run the job again.`,
    );
  });

  test('other read errors propagate', () => {
    fs.mkdirSync(at('config.json'));
    expect(() => readJson(at('config.json'))).toThrow(/EISDIR/);
  });
});

describe('updateJson and the lock', () => {
  test('concurrent updates of one file through a link and its target lose nothing', async () => {
    fs.writeFileSync(at('real.json'), '{}');
    fs.symlinkSync(at('real.json'), at('link.json'));
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        updateJson(i % 2 ? at('link.json') : at('real.json'), (config) => ({
          config: { ...config, [`k${i}`]: i },
          result: undefined,
        })),
      ),
    );
    expect(Object.keys(readJson(at('real.json')))).toHaveLength(20);
  });

  test('work under a file lock waits for the updates before it, whatever path names the file', async () => {
    fs.writeFileSync(at('real.json'), '{}');
    fs.symlinkSync(at('real.json'), at('link.json'));
    const order: string[] = [];
    const slow = withFileLock(at('link.json'), async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      order.push('slow');
    });
    const quick = updateJson(at('real.json'), () => {
      order.push('quick');
      return { result: undefined };
    });
    await Promise.all([slow, quick]);
    expect(order).toEqual(['slow', 'quick']);
  });

  test('a change that returns no config leaves the file unwritten', async () => {
    await expect(updateJson(at('none.json'), () => ({ result: 7 }))).resolves.toBe(7);
    expect(fs.existsSync(at('none.json'))).toBe(false);
  });
});

describe('mirrorDir and makeStaging', () => {
  test('links every entry but config.json and its temporary copies; writes the given config', () => {
    fs.mkdirSync(at('src', 'contexts', 'meta'), { recursive: true });
    fs.mkdirSync(at('src', 'cli-plugins'));
    fs.writeFileSync(at('src', 'features.json'), '{}');
    fs.writeFileSync(at('src', 'config.json'), '{"auths":{"secret":{}}}');
    fs.writeFileSync(at('src', 'config.json1234567'), '{}');
    fs.writeFileSync(at('src', 'config.json.ecr-login-1-1.tmp'), '{}');
    fs.mkdirSync(at('work'));
    const staging = makeStaging(at('work'), at('src'), { currentContext: 'ci' });
    expect(fs.readdirSync(staging).sort()).toEqual([
      'cli-plugins',
      'config.json',
      'contexts',
      'features.json',
    ]);
    expect(fs.realpathSync(path.join(staging, 'contexts'))).toBe(at('src', 'contexts'));
    expect(readJson(path.join(staging, 'config.json'))).toEqual({ currentContext: 'ci' });
    expect(mode(path.join(staging, 'config.json'))).toBe(0o600);
  });

  test('a missing source mirrors nothing', () => {
    fs.mkdirSync(at('t'));
    mirrorDir(at('missing'), at('t'));
    expect(fs.readdirSync(at('t'))).toEqual([]);
  });

  test('a file that cannot be linked is copied', () => {
    fs.mkdirSync(at('src'));
    fs.mkdirSync(at('t'));
    fs.writeFileSync(at('src', 'features.json'), '{"a":1}');
    // as on Windows without the privilege to make symbolic links
    mirrorDir(at('src'), at('t'), () => {
      throw new Error('EPERM: operation not permitted, symlink');
    });
    expect(fs.lstatSync(at('t', 'features.json')).isFile()).toBe(true);
    expect(fs.readFileSync(at('t', 'features.json'), 'utf8')).toBe('{"a":1}');
  });
});

describe('removeLeftovers', () => {
  test('deletes only this action’s temporary files beside the given files', () => {
    for (const name of [
      'config.json',
      'config.json.ecr-login-123-4.tmp',
      'config.json.ecr-login-9-1.tmp',
      'config.json123456',
      'other.json.ecr-login-1-1.tmp',
    ]) {
      fs.writeFileSync(at(name), '{}');
    }
    const deleted = removeLeftovers([at('config.json'), at('config.json'), at('gone', 'x.json')]);
    expect(deleted.sort()).toEqual([
      at('config.json.ecr-login-123-4.tmp'),
      at('config.json.ecr-login-9-1.tmp'),
    ]);
    expect(fs.readdirSync(dir).sort()).toEqual([
      'config.json',
      'config.json123456',
      'other.json.ecr-login-1-1.tmp',
    ]);
  });
});

test('Queue runs one piece of work at a time, in order, past failures', async () => {
  const queue = new Queue();
  const order: string[] = [];
  let running = 0;
  const work =
    (name: string, fail = false) =>
    async (): Promise<string> => {
      running++;
      expect(running).toBe(1);
      order.push(`start ${name}`);
      await new Promise((resolve) => setImmediate(resolve));
      order.push(`end ${name}`);
      running--;
      if (fail) throw new Error(name);
      return name;
    };
  const results = await Promise.allSettled([
    queue.run(work('a')),
    queue.run(work('b', true)),
    queue.run(work('c')),
  ]);
  expect(order).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
});
