// The records of a run are real files in a temporary run directory; a second Records reads
// them as the post step does.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { loginOf, sha256 } from '../__fixtures__/job.ts';
import { Records } from '../src/records.ts';
import type { Login } from '../src/records.ts';

let dir: string;
const at = (name: string) => path.join(dir, name);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'records-test-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const login = (overrides: Partial<Login> = {}): Login =>
  loginOf(
    '123456789012.dkr.ecr.us-east-1.amazonaws.com',
    '/home/runner/.docker/config.json',
    'password-1',
    overrides,
  );

describe('logins', () => {
  test('each login is one line appended to logins.jsonl, 0600', () => {
    const records = new Records(dir);
    expect(records.hasLogins()).toBe(false);
    const first = login({ pending: true, helper: 'pass' });
    const second = login({ helper: 'pass' });
    records.login(first);
    records.login(second);
    expect(fs.readFileSync(at('logins.jsonl'), 'utf8')).toBe(
      `${JSON.stringify(first)}\n${JSON.stringify(second)}\n`,
    );
    expect(fs.statSync(at('logins.jsonl')).mode & 0o777).toBe(0o600);
    expect(new Records(dir).hasLogins()).toBe(true);
  });

  test('one login per CLI, file and host: the later record of the same one replaces the earlier', () => {
    const records = new Records(dir);
    const logins = [
      login(),
      login({ host: 'public.ecr.aws' }),
      login({ cli: 'podman', file: '/run/user/1001/containers/auth.json' }),
      login({ cli: 'podman', file: '' }),
      login({ file: '/tmp/private/config.json' }),
      login({ fingerprint: sha256('password-2'), pinned: true }),
    ];
    for (const each of logins) records.login(each);
    expect(new Records(dir).logins()).toEqual([
      login({ fingerprint: sha256('password-2'), pinned: true }),
      login({ host: 'public.ecr.aws' }),
      login({ cli: 'podman', file: '/run/user/1001/containers/auth.json' }),
      login({ cli: 'podman', file: '' }),
      login({ file: '/tmp/private/config.json' }),
    ]);
  });

  test.each([
    ['pending, then confirmed', [true, false], 1],
    ['confirmed, then pending', [false, true], 0],
    ['pending twice: the later one stays', [true, true], 1],
  ])('one record per login: %s', (_name, pendings, kept) => {
    const records = new Records(dir);
    const written = pendings.map((pending, i) =>
      login({ pending, fingerprint: sha256(`password-${String(i)}`) }),
    );
    for (const each of written) records.login(each);
    expect(new Records(dir).logins()).toEqual([written[kept]]);
  });

  test('lines cut short and records that are not logins are skipped', () => {
    const whole = login();
    const { fingerprint: _, ...noFingerprint } = whole;
    const lines = [
      JSON.stringify(login({ host: 'a.example' })),
      'null',
      '[1,2]',
      '"text"',
      JSON.stringify(noFingerprint),
      JSON.stringify({ ...whole, host: 'b.example', cli: 'nerdctl' }),
      JSON.stringify({ ...whole, host: 'c.example', pinned: 'false' }),
      JSON.stringify({ ...whole, host: 'd.example', pending: 0 }),
      JSON.stringify({ ...whole, host: 'e.example', file: null }),
      JSON.stringify({ ...whole, host: 'f.example', helper: 1 }),
      JSON.stringify({ ...whole, host: 7 }),
      '',
      JSON.stringify(login({ host: 'g.example' })),
      JSON.stringify(login({ host: 'h.example' })).slice(0, 40),
    ];
    fs.writeFileSync(at('logins.jsonl'), lines.join('\n'));
    expect(new Records(dir).logins()).toEqual([
      login({ host: 'a.example' }),
      login({ host: 'g.example' }),
    ]);
  });

  test('with logins off (skip-logout) no login is recorded', () => {
    const records = new Records(dir, false);
    records.login(login());
    expect(records.hasLogins()).toBe(false);
    expect(records.logins()).toEqual([]);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('processes', () => {
  test('running: started and not ended, by PID', () => {
    const records = new Records(dir);
    records.started(101, '1000');
    records.started(102, '1001');
    records.ended(101);
    records.ended(104);
    records.started(101, '2000');
    records.ended(102);
    records.started(105, '1005');
    expect(new Records(dir).running()).toEqual([
      { pid: 101, start: '2000' },
      { pid: 105, start: '1005' },
    ]);
    expect(fs.statSync(at('processes.jsonl')).mode & 0o777).toBe(0o600);
  });

  test('a process whose start time is unknown is not recorded', () => {
    new Records(dir).started(103, undefined);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('lines cut short and records that are not processes are skipped', () => {
    const lines = [
      '{"pid":1,"start":"10"}',
      '{"pid":"2","start":"20"}',
      '{"pid":3,"start":30}',
      '{"pid":4}',
      '{"pid":1,"ended":"yes"}',
      '{"pid":5,"start":"50"}',
      '{"pid":5,"end',
    ];
    fs.writeFileSync(at('processes.jsonl'), lines.join('\n'));
    expect(new Records(dir).running()).toEqual([
      { pid: 1, start: '10' },
      { pid: 5, start: '50' },
    ]);
  });

  test('markEnded: the main step ended by itself', () => {
    const records = new Records(dir);
    expect(records.hasEnded()).toBe(false);
    records.markEnded();
    expect(new Records(dir).hasEnded()).toBe(true);
  });
});

test('a run with no records has no logins, no processes and has not ended', () => {
  const records = new Records(dir);
  expect([records.logins(), records.running(), records.hasLogins(), records.hasEnded()]).toEqual([
    [],
    [],
    false,
    false,
  ]);
});
