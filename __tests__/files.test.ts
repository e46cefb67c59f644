// Credential files are real files here: every test writes and locks them in a temporary directory.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { CredentialFiles, readJson, realFile, writeJson } from '../src/files.ts';
import type { CredentialFile, HeldFile } from '../src/files.ts';

let dir: string;
const at = (...parts: string[]) => path.join(dir, ...parts);
const mode = (file: string) => fs.statSync(file).mode & 0o777;
const cwd = process.cwd();

beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'files-test-')));
});
afterEach(() => {
  process.chdir(cwd);
  fs.rmSync(dir, { recursive: true, force: true });
});

type Files = InstanceType<typeof CredentialFiles>;
/** A change that adds one key to a credential file. */
const add = (key: string) => (config: CredentialFile) => ({
  config: { ...config, [key]: true },
  result: undefined,
});
/** Runs `work` holding the lock of `file`, letting it go whatever happens, as the writers do. */
async function hold<T>(files: Files, file: string, work: (held: HeldFile) => Promise<T>) {
  const held = await files.lock(file);
  try {
    return await work(held);
  } finally {
    await held.release();
  }
}
/** One read-modify-write under the lock: `change` gives the new content (none: leave it). */
const update = <T>(
  files: Files,
  file: string,
  change: (config: CredentialFile) => { config?: CredentialFile; result: T },
): Promise<T> =>
  hold(files, file, (held) => {
    const { config, result } = change(held.read());
    if (config !== undefined) held.write(config);
    return Promise.resolve(result);
  });

describe('writeJson: the faithful writer', () => {
  test('a new file is 0600 in a new 0700 directory, tab-indented as docker writes it', () => {
    writeJson(at('new', 'config.json'), { auths: { 'a.example': {} } });
    expect(mode(at('new', 'config.json'))).toBe(0o600);
    expect(mode(at('new'))).toBe(0o700);
    expect(fs.readFileSync(at('new', 'config.json'), 'utf8')).toBe(
      '{\n\t"auths": {\n\t\t"a.example": {}\n\t}\n}\n',
    );
  });

  test('keeps the mode of the file it replaces, and leaves no temporary file', () => {
    fs.writeFileSync(at('config.json'), '{}');
    fs.chmodSync(at('config.json'), 0o644);
    writeJson(at('config.json'), { a: 1 });
    expect(mode(at('config.json'))).toBe(0o644);
    expect(fs.readdirSync(dir)).toEqual(['config.json']);
  });

  (process.getuid?.() === 0 ? test : test.skip)('keeps the owner of the file it replaces', () => {
    fs.writeFileSync(at('config.json'), '{}');
    fs.chownSync(at('config.json'), 4321, 8765);
    writeJson(at('config.json'), { a: 1 });
    const { uid, gid } = fs.statSync(at('config.json'));
    expect([uid, gid]).toEqual([4321, 8765]);
  });

  test('writes through a chain of relative symbolic links to the final target', () => {
    fs.mkdirSync(at('dotfiles'));
    fs.writeFileSync(at('dotfiles', 'docker.json'), '{"x":1}');
    fs.chmodSync(at('dotfiles', 'docker.json'), 0o640);
    fs.symlinkSync('dotfiles/docker.json', at('middle.json'));
    fs.mkdirSync(at('home'));
    fs.symlinkSync('../middle.json', at('home', 'config.json'));
    expect(realFile(at('home', 'config.json'))).toBe(at('dotfiles', 'docker.json'));
    writeJson(at('home', 'config.json'), { x: 2 });
    expect(fs.readlinkSync(at('home', 'config.json'))).toBe('../middle.json');
    expect(fs.readlinkSync(at('middle.json'))).toBe('dotfiles/docker.json');
    expect(fs.readFileSync(at('dotfiles', 'docker.json'), 'utf8')).toBe('{\n\t"x": 2\n}\n');
    expect(mode(at('dotfiles', 'docker.json'))).toBe(0o640);
    expect(fs.readdirSync(at('dotfiles'))).toEqual(['docker.json']);
  });

  test('a dangling link is written at its target, which it then points to', () => {
    fs.symlinkSync(at('elsewhere', 'docker.json'), at('config.json'));
    expect(realFile(at('config.json'))).toBe(at('elsewhere', 'docker.json'));
    writeJson(at('config.json'), { a: 1 });
    expect(fs.lstatSync(at('config.json')).isSymbolicLink()).toBe(true);
    expect(readJson(at('elsewhere', 'docker.json'))).toEqual({ a: 1 });
    expect(mode(at('elsewhere', 'docker.json'))).toBe(0o600);
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

describe('realFile', () => {
  test('follows a linked directory to a file not yet created', () => {
    fs.mkdirSync(at('real'));
    fs.symlinkSync(at('real'), at('linked'));
    expect(realFile(at('linked', 'config.json'))).toBe(at('real', 'config.json'));
  });

  test('resolves a relative path; a missing directory is kept as named', () => {
    process.chdir(dir);
    expect(realFile('config.json')).toBe(at('config.json'));
    expect(realFile(path.join('missing', 'config.json'))).toBe(at('missing', 'config.json'));
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

  test.each(['{not json', '[1,2]', 'null', '"text"', '7'])('%s fails naming the file', (text) => {
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

describe('CredentialFiles: a read-modify-write under the lock', () => {
  test('hands the change the whole file and writes what it returns, every key kept', async () => {
    const text = '{"auths":{"a.example":{"auth":"eA=="}},"credsStore":"pass","x-custom":[1]}';
    fs.writeFileSync(at('config.json'), text);
    const files = new CredentialFiles(1000, 'run1');
    const result = await update(files, at('config.json'), (config) => ({
      config: { ...config, auths: { ...config.auths, 'b.example': {} } },
      result: Object.keys(config),
    }));
    expect(result).toEqual(['auths', 'credsStore', 'x-custom']);
    expect(readJson(at('config.json'))).toEqual({
      auths: { 'a.example': { auth: 'eA==' }, 'b.example': {} },
      credsStore: 'pass',
      'x-custom': [1],
    });
    expect(fs.readdirSync(dir)).toEqual(['config.json']);
  });

  test('concurrent updates through a link and its target lose nothing; a failed one stops none', async () => {
    fs.writeFileSync(at('real.json'), '{}');
    fs.symlinkSync(at('real.json'), at('link.json'));
    const files = new CredentialFiles(1000, 'run1');
    const updates = Array.from({ length: 20 }, (_, i) =>
      update(files, i % 2 ? at('link.json') : at('real.json'), add(`k${String(i)}`)),
    );
    const failed = update(files, at('link.json'), () => {
      throw new Error('refused');
    });
    const after = update(files, at('real.json'), add('after'));
    await expect(failed).rejects.toThrow('refused');
    await Promise.all([...updates, after]);
    expect(Object.keys(readJson(at('real.json'))).sort()).toEqual(
      [...Array.from({ length: 20 }, (_, i) => `k${String(i)}`), 'after'].sort(),
    );
  });
});

describe('CredentialFiles.lock', () => {
  test('the lock is `<real file>.lock` beside the real file while the work runs, and gone after', async () => {
    fs.mkdirSync(at('dotfiles'));
    fs.mkdirSync(at('home'));
    fs.symlinkSync('../dotfiles/docker.json', at('home', 'config.json'));
    const files = new CredentialFiles(1000, 'run1');
    const seen = await hold(files, at('home', 'config.json'), (held) => {
      held.write(add('a')(held.read()).config);
      return Promise.resolve([
        fs.statSync(at('dotfiles', 'docker.json.lock')).isDirectory(),
        fs.existsSync(at('home', 'config.json.lock')),
      ]);
    });
    expect(seen).toEqual([true, false]);
    await expect(
      hold(files, at('home', 'config.json'), () => Promise.reject(new Error('work failed'))),
    ).rejects.toThrow('work failed');
    expect(fs.readdirSync(at('dotfiles'))).toEqual(['docker.json']);
    expect(fs.readdirSync(at('home'))).toEqual(['config.json']);
    expect(readJson(at('dotfiles', 'docker.json'))).toEqual({ a: true });
  });

  test('a lock held by a live process is waited for', async () => {
    fs.mkdirSync(at('config.json.lock'));
    const files = new CredentialFiles(10_000, 'run1');
    let released = false;
    const written = update(files, at('config.json'), (config) => ({
      config: { ...config, a: 1 },
      result: released,
    }));
    // The other process ends its write and removes its lock.
    await new Promise((resolve) => setTimeout(resolve, 200));
    released = true;
    fs.rmdirSync(at('config.json.lock'));
    await expect(written).resolves.toBe(true);
    expect(readJson(at('config.json'))).toEqual({ a: 1 });
  });

  test('a lock held by a live process all of waitMs fails the work, naming the file and its lock', async () => {
    fs.writeFileSync(at('config.json'), '{"a":1}');
    fs.mkdirSync(at('config.json.lock'));
    const files = new CredentialFiles(300, 'run1');
    let ran = false;
    await expect(
      hold(files, at('config.json'), () => {
        ran = true;
        return Promise.resolve();
      }),
    ).rejects.toThrow(
      `Could not lock ${at('config.json')} within 0.3 s: another step of this action held ` +
        `${at('config.json')}.lock all that time (Lock file is already being held).`,
    );
    expect(ran).toBe(false);
    expect(fs.readdirSync(dir).sort()).toEqual(['config.json', 'config.json.lock']);
    expect(fs.readFileSync(at('config.json'), 'utf8')).toBe('{"a":1}');
  });

  test('a stale lock, as a killed owner leaves it, is taken over', async () => {
    fs.mkdirSync(at('config.json.lock'));
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(at('config.json.lock'), old, old);
    const files = new CredentialFiles(1000, 'run1');
    await update(files, at('config.json'), add('a'));
    expect(readJson(at('config.json'))).toEqual({ a: true });
    expect(fs.readdirSync(dir)).toEqual(['config.json']);
  });

  test("a CLI's own file ('') runs its work one at a time, past failures, with no lock file", async () => {
    fs.mkdirSync(at('work'));
    process.chdir(at('work'));
    const files = new CredentialFiles(1000, 'run1');
    const order: string[] = [];
    let running = 0;
    const work =
      (name: string, fail = false) =>
      async (): Promise<string> => {
        running++;
        order.push(`start ${name} (${String(running)} running)`);
        await new Promise((resolve) => setImmediate(resolve));
        order.push(`end ${name}`);
        running--;
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([
      hold(files, '', work('a')),
      hold(files, '', work('b', true)),
      hold(files, '', work('c')),
    ]);
    expect(order).toEqual([
      'start a (1 running)',
      'end a',
      'start b (1 running)',
      'end b',
      'start c (1 running)',
      'end c',
    ]);
    expect(results).toEqual([
      { status: 'fulfilled', value: 'a' },
      { status: 'rejected', reason: new Error('b') },
      { status: 'fulfilled', value: 'c' },
    ]);
    expect(fs.readdirSync(dir)).toEqual(['work']);
    expect(fs.readdirSync(at('work'))).toEqual([]);
  });
});

test('removeLeftovers deletes only this run’s temporary files beside the given files', () => {
  const names = [
    'config.json',
    'config.json.ecr-login-run1-123-4.tmp',
    'config.json.ecr-login-run1-9-17.tmp',
    'config.json.ecr-login-run2-123-4.tmp',
    'config.json.ecr-login-run1-4-123-4.tmp',
    'config.json.ecr-login-run1-123-4.tmp.bak',
    'config.json.ecr-login-run1-x-4.tmp',
    'config.json123456',
    'other.json.ecr-login-run1-1-1.tmp',
  ];
  for (const name of names) fs.writeFileSync(at(name), '{}');
  const files = new CredentialFiles(1000, 'run1');
  const deleted = files.removeLeftovers([
    at('config.json'),
    at('config.json'),
    at('gone', 'config.json'),
  ]);
  expect(deleted.sort()).toEqual([
    at('config.json.ecr-login-run1-123-4.tmp'),
    at('config.json.ecr-login-run1-9-17.tmp'),
  ]);
  expect(fs.readdirSync(dir).sort()).toEqual([
    'config.json',
    'config.json.ecr-login-run1-123-4.tmp.bak',
    'config.json.ecr-login-run1-4-123-4.tmp',
    'config.json.ecr-login-run1-x-4.tmp',
    'config.json.ecr-login-run2-123-4.tmp',
    'config.json123456',
    'other.json.ecr-login-run1-1-1.tmp',
  ]);
});
