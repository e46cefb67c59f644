// The action's directories are real directories here, under a RUNNER_TEMP of each test's own.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import {
  deleteMarkedDir,
  isMarkedDir,
  makeMarkedDir,
  makeStaging,
  mirrorDir,
  tempRoot,
} from '../src/dirs.ts';

const MARK = '.ecr-login-action';
const MARK_TEXT = 'made by the Amazon ECR login action; deleted by its post step\n';

let base: string;
let root: string;
const at = (...parts: string[]) => path.join(base, ...parts);
const cwd = process.cwd();
const runnerTemp = process.env.RUNNER_TEMP;

beforeEach(() => {
  base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dirs-test-')));
  root = at('runner-temp');
  fs.mkdirSync(root);
  process.env.RUNNER_TEMP = root;
});
afterEach(() => {
  process.chdir(cwd);
  if (runnerTemp === undefined) delete process.env.RUNNER_TEMP;
  else process.env.RUNNER_TEMP = runnerTemp;
  fs.rmSync(base, { recursive: true, force: true });
});

/** A directory holding the action's mark. */
const marked = (dir: string): string => {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, MARK), MARK_TEXT);
  return dir;
};

/** Every entry under `dir`, with its kind: what a deletion would change. */
const tree = (dir: string): string[] =>
  fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((entry) => {
      const kind = entry.isSymbolicLink() ? 'link' : entry.isDirectory() ? 'dir' : 'file';
      return `${path.relative(dir, path.join(entry.parentPath, entry.name))} (${kind})`;
    })
    .sort();

test.each([
  ['set', { RUNNER_TEMP: '/runner/temp' }, '/runner/temp'],
  ['relative', { RUNNER_TEMP: 'temp' }, path.resolve('temp')],
  ['empty', { RUNNER_TEMP: '' }, path.resolve(os.tmpdir())],
  ['unset', {}, path.resolve(os.tmpdir())],
])('tempRoot: RUNNER_TEMP %s', (_name, env, expected) => {
  expect(tempRoot(env)).toBe(expected);
});

describe('makeMarkedDir, isMarkedDir and deleteMarkedDir', () => {
  test('makes `<RUNNER_TEMP>/<prefix>XXXXXX` with the mark, and deletes it with all inside', () => {
    const dir = makeMarkedDir('ecr-login-');
    expect(path.dirname(dir)).toBe(root);
    expect(path.basename(dir)).toMatch(/^ecr-login-[A-Za-z0-9]{6}$/);
    expect(fs.readdirSync(dir)).toEqual([MARK]);
    expect(fs.readFileSync(path.join(dir, MARK), 'utf8')).toBe(MARK_TEXT);
    fs.mkdirSync(path.join(dir, 'docker'));
    fs.writeFileSync(path.join(dir, 'docker', 'config.json'), '{}');

    expect(isMarkedDir(dir)).toBe(true);
    expect(deleteMarkedDir(dir)).toBe(true);
    expect(fs.readdirSync(root)).toEqual([]);
  });

  test('makes RUNNER_TEMP when it is missing', () => {
    process.env.RUNNER_TEMP = at('new', 'temp');
    const dir = makeMarkedDir('ecr-login-');
    expect(path.dirname(dir)).toBe(at('new', 'temp'));
    expect(isMarkedDir(dir)).toBe(true);
  });

  test('a marked dir reached through a RUNNER_TEMP that is a symbolic link is the action’s', () => {
    fs.symlinkSync(root, at('linked-temp'));
    process.env.RUNNER_TEMP = at('linked-temp');
    const dir = makeMarkedDir('ecr-login-');
    expect(isMarkedDir(dir)).toBe(true);
    expect(isMarkedDir(path.join(root, path.basename(dir)))).toBe(true);
  });

  test.each<[string, () => string]>([
    ['a directory without the mark', () => fs.mkdtempSync(path.join(root, 'ecr-login-'))],
    [
      'a directory whose mark holds something else',
      () => {
        const dir = marked(path.join(root, 'ecr-login-other'));
        fs.writeFileSync(path.join(dir, MARK), 'mine\n');
        return dir;
      },
    ],
    [
      'a mark that is a symbolic link to the mark of another',
      () => {
        const elsewhere = marked(at('elsewhere'));
        const dir = path.join(root, 'ecr-login-link');
        fs.mkdirSync(dir);
        fs.symlinkSync(path.join(elsewhere, MARK), path.join(dir, MARK));
        return dir;
      },
    ],
    [
      'a mark that is a directory',
      () => {
        const dir = path.join(root, 'ecr-login-dir');
        fs.mkdirSync(path.join(dir, MARK), { recursive: true });
        return dir;
      },
    ],
    ['a marked directory outside RUNNER_TEMP', () => marked(at('outside'))],
    ['RUNNER_TEMP itself, marked', () => marked(root)],
    [
      'a symbolic link to a marked directory',
      () => {
        const dir = marked(path.join(root, 'ecr-login-real'));
        fs.symlinkSync(dir, path.join(root, 'ecr-login-link'));
        return path.join(root, 'ecr-login-link');
      },
    ],
    [
      'a path that escapes RUNNER_TEMP with ..',
      () => {
        marked(at('outside'));
        return `${root}/../outside`;
      },
    ],
    [
      'a path inside RUNNER_TEMP that escapes it with ..',
      () => {
        marked(path.join(root, 'ecr-login-a'));
        marked(at('outside'));
        return `${root}/ecr-login-a/../../outside`;
      },
    ],
    ['a missing directory', () => path.join(root, 'ecr-login-gone')],
  ])('%s is not the action’s, and is left alone', (_name, setup) => {
    const dir = setup();
    const before = tree(base);
    expect(isMarkedDir(dir)).toBe(false);
    expect(deleteMarkedDir(dir)).toBe(false);
    expect(tree(base)).toEqual(before);
  });
});

describe('mirrorDir and makeStaging', () => {
  /** A docker config directory with what docker keeps beside config.json. */
  const dockerDir = (dir: string): void => {
    fs.mkdirSync(path.join(dir, 'contexts', 'meta'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'contexts', 'meta', 'ci.json'), '{"Name":"ci"}');
    fs.mkdirSync(path.join(dir, 'cli-plugins'));
    fs.writeFileSync(path.join(dir, 'features.json'), '{"a":1}');
    fs.writeFileSync(path.join(dir, 'config.json'), '{"auths":{"secret.example":{}}}');
    fs.writeFileSync(path.join(dir, 'config.json1234567'), '{}');
    fs.writeFileSync(path.join(dir, 'config.json.ecr-login-run1-1-1.tmp'), '{}');
    fs.mkdirSync(path.join(dir, 'config.json.lock'));
    fs.writeFileSync(path.join(dir, MARK), MARK_TEXT);
  };

  test('links every entry but config.json*, and the mark, by absolute path from a relative source', () => {
    dockerDir(at('docker'));
    fs.mkdirSync(at('staging'));
    process.chdir(base);
    const link = jest.fn(fs.symlinkSync);
    mirrorDir('docker', 'staging', link);
    expect(link.mock.calls.sort()).toEqual([
      [at('docker', 'cli-plugins'), path.join('staging', 'cli-plugins'), 'junction'],
      [at('docker', 'contexts'), path.join('staging', 'contexts'), 'junction'],
      [at('docker', 'features.json'), path.join('staging', 'features.json'), 'file'],
    ]);

    process.chdir(root);
    expect(fs.readdirSync(at('staging')).sort()).toEqual([
      'cli-plugins',
      'contexts',
      'features.json',
    ]);
    expect(fs.readlinkSync(at('staging', 'contexts'))).toBe(at('docker', 'contexts'));
    expect(fs.readFileSync(at('staging', 'contexts', 'meta', 'ci.json'), 'utf8')).toBe(
      '{"Name":"ci"}',
    );
    expect(fs.readFileSync(at('staging', 'features.json'), 'utf8')).toBe('{"a":1}');
  });

  test('a missing source mirrors nothing', () => {
    fs.mkdirSync(at('staging'));
    mirrorDir(at('missing'), at('staging'));
    expect(fs.readdirSync(at('staging'))).toEqual([]);
  });

  test('a file that cannot be linked is copied', () => {
    fs.mkdirSync(at('docker'));
    fs.writeFileSync(at('docker', 'features.json'), '{"a":1}');
    fs.mkdirSync(at('staging'));
    // as on Windows without the privilege to make symbolic links
    mirrorDir(at('docker'), at('staging'), () => {
      throw new Error('EPERM: operation not permitted, symlink');
    });
    expect(fs.lstatSync(at('staging', 'features.json')).isFile()).toBe(true);
    expect(fs.readFileSync(at('staging', 'features.json'), 'utf8')).toBe('{"a":1}');
  });

  test('a directory that cannot be linked fails the mirror', () => {
    fs.mkdirSync(at('docker', 'contexts'), { recursive: true });
    fs.mkdirSync(at('staging'));
    expect(() => {
      mirrorDir(at('docker'), at('staging'), () => {
        throw new Error('EPERM: operation not permitted, symlink');
      });
    }).toThrow('EPERM: operation not permitted, symlink');
    expect(fs.readdirSync(at('staging'))).toEqual([]);
  });

  test('makeStaging: a new directory in the parent, mirrored, with config.json 0600 holding the config', () => {
    dockerDir(at('docker'));
    fs.mkdirSync(at('run'));
    const staging = makeStaging(at('run'), at('docker'), { currentContext: 'ci', auths: {} });
    expect(path.dirname(staging)).toBe(at('run'));
    expect(path.basename(staging)).toMatch(/^docker-[A-Za-z0-9]{6}$/);
    expect(fs.readdirSync(staging).sort()).toEqual([
      'cli-plugins',
      'config.json',
      'contexts',
      'features.json',
    ]);
    expect(fs.realpathSync(path.join(staging, 'contexts'))).toBe(at('docker', 'contexts'));
    expect(fs.readFileSync(path.join(staging, 'config.json'), 'utf8')).toBe(
      '{"currentContext":"ci","auths":{}}',
    );
    expect(fs.statSync(path.join(staging, 'config.json')).mode & 0o777).toBe(0o600);
  });
});
