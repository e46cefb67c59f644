import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { hostOf, listen, NOT_FOUND, runAgent, serve, Tokens } from '../src/agent.ts';
import type { AgentConfig } from '../src/agent.ts';
import type { Credential } from '../src/credential.ts';
import { ask, helper } from '../src/helper.ts';
import type { Group } from '../src/registries.ts';

const HOST = '111111111111.dkr.ecr.eu-west-1.amazonaws.com';
const OTHER = '222222222222.dkr.ecr.us-west-2.amazonaws.com';
const GROUPS: Group[] = [
  {
    region: 'eu-west-1',
    public: false,
    targets: [{ kind: 'account', account: '111111111111', region: 'eu-west-1' }],
  },
  {
    region: 'us-west-2',
    public: false,
    targets: [{ kind: 'account', account: '222222222222', region: 'us-west-2' }],
  },
];

let now = 0;
const clock = () => now;

function config(lifetimeMs = 100_000): AgentConfig {
  return {
    socket: '',
    groups: GROUPS,
    tokens: [
      { host: HOST, username: 'AWS', password: 'first-eu', expiresAt: now + lifetimeMs, group: 0 },
      { host: OTHER, username: 'AWS', password: 'first-us', expiresAt: now + lifetimeMs, group: 1 },
    ],
    roleSettings: { audience: 'sts.amazonaws.com', sessionName: 's', durationSeconds: 3600 },
    proxy: {},
    apiTimeoutMs: 5_000,
    watch: { pid: process.pid, start: undefined },
  };
}

/** A fetch that answers each group's registry with `password-<n>`, valid for `lifetimeMs`. */
function fetcher(lifetimeMs = 100_000) {
  let n = 0;
  const calls: string[] = [];
  const fetch = jest.fn((group: Group): Promise<(Credential | Error)[]> => {
    calls.push(group.region);
    const host = group.region === 'eu-west-1' ? HOST : OTHER;
    const password = `password-${String(++n)}`;
    return Promise.resolve([
      {
        host,
        region: group.region,
        username: 'AWS',
        password,
        expiresAt: new Date(now + lifetimeMs),
      },
    ]);
  });
  return { fetch, calls };
}

beforeEach(() => {
  jest.useFakeTimers();
  now = 1_000_000;
});
afterEach(() => {
  jest.useRealTimers();
});

describe('Tokens', () => {
  test('answers the token held for a host, and nothing for another', async () => {
    const { fetch } = fetcher();
    const tokens = new Tokens(config(), fetch, clock);
    expect(await tokens.get(HOST)).toMatchObject({ username: 'AWS', password: 'first-eu' });
    expect(await tokens.get('example.com')).toBeUndefined();
    expect(fetch).not.toHaveBeenCalled();
    tokens.stop();
  });

  test("fetches each group's tokens again at three quarters of their lifetime, and again after that", async () => {
    const { fetch, calls } = fetcher(100_000);
    const tokens = new Tokens(config(100_000), fetch, clock);
    now += 74_000;
    await jest.advanceTimersByTimeAsync(74_000);
    expect(calls).toEqual([]);
    now += 1_000;
    await jest.advanceTimersByTimeAsync(1_000);
    expect(calls.sort()).toEqual(['eu-west-1', 'us-west-2']);
    expect((await tokens.get(HOST))?.password).toMatch(/^password-/);
    now += 75_000;
    await jest.advanceTimersByTimeAsync(75_000);
    expect(calls).toHaveLength(4);
    tokens.stop();
  });

  test('a token that has expired when asked for is fetched again first; one refresh serves both askers', async () => {
    const { fetch } = fetcher();
    const tokens = new Tokens(config(1_000), fetch, clock);
    now += 2_000;
    const [a, b] = await Promise.all([tokens.get(HOST), tokens.get(HOST)]);
    expect([a?.password, b?.password]).toEqual(['password-1', 'password-1']);
    expect(fetch).toHaveBeenCalledTimes(1);
    tokens.stop();
  });

  test('a failed refresh is tried again before the tokens expire; an expired token is never answered', async () => {
    const fetch = jest.fn((): Promise<(Credential | Error)[]> =>
      Promise.reject(new Error('Rate exceeded')),
    );
    const tokens = new Tokens({ ...config(40_000), groups: [GROUPS[0] as Group] }, fetch, clock);
    now += 30_000;
    await jest.advanceTimersByTimeAsync(30_000);
    expect(fetch).toHaveBeenCalledTimes(1);
    // 10 s of the token left: the next attempt comes after a quarter of that.
    now += 2_500;
    await jest.advanceTimersByTimeAsync(2_500);
    expect(fetch).toHaveBeenCalledTimes(2);
    now += 10_000;
    expect(await tokens.get(HOST)).toBeUndefined();
    tokens.stop();
  });

  test('an answer that is an error leaves the token held for that host alone', async () => {
    const fetch = jest.fn((): Promise<(Credential | Error)[]> =>
      Promise.resolve([new Error('bad endpoint')]),
    );
    const tokens = new Tokens(config(), fetch, clock);
    await tokens.refresh(0);
    expect((await tokens.get(HOST))?.password).toBe('first-eu');
    await tokens.refresh(7);
    expect(fetch).toHaveBeenCalledTimes(1);
    tokens.stop();
  });
});

test.each([
  [HOST, HOST],
  [`https://${HOST}`, HOST],
  [`https://${HOST}/v2/`, HOST],
  [`  ${HOST.toUpperCase()}\n`, HOST],
  ['127.0.0.1:5000', '127.0.0.1:5000'],
])('hostOf(%j) is %j', (url, host) => {
  expect(hostOf(url)).toBe(host);
});

describe('the socket and the helper', () => {
  let dir = '';
  beforeEach(() => {
    jest.useRealTimers();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-test-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function served() {
    const { fetch } = fetcher();
    now = Date.now();
    const tokens = new Tokens(config(), fetch, () => Date.now());
    const socket = path.join(dir, 'agent.sock');
    const server = serve(tokens, socket);
    await new Promise((resolve) => server.once('listening', resolve));
    return {
      socket,
      close: () => {
        tokens.stop();
        server.close();
      },
    };
  }

  test('answers a registry it holds, in any form docker names it; says not found for others', async () => {
    const agent = await served();
    expect(await ask(agent.socket, `https://${HOST}`)).toEqual({
      username: 'AWS',
      secret: 'first-eu',
    });
    expect(await ask(agent.socket, 'ghcr.io')).toEqual({ error: NOT_FOUND });
    agent.close();
  });

  test('no agent listening: the helper says not found, as for a registry it does not hold', async () => {
    expect(await ask(path.join(dir, 'none.sock'), HOST)).toEqual({ error: NOT_FOUND });
  });

  test('the helper program speaks docker-credential-helpers: get, list, erase, store', async () => {
    const agent = await served();
    const program = path.resolve('src', 'helper-index.ts');
    const said: string[] = [];
    const run = (action: string, input: string) =>
      helper([agent.socket, action], Readable.from([input]), {
        write: (t: string) => said.push(t),
      });
    // `get` asks the agent in this process: it must run beside it, not block it (spawnSync).
    const got = await new Promise<{ code: number; stdout: string }>((resolve) => {
      const child = execFile(process.execPath, [program, agent.socket, 'get'], (error, stdout) => {
        resolve({ code: error ? Number(error.code) : 0, stdout });
      });
      child.stdin?.end(HOST);
    });
    expect(got).toEqual({
      code: 0,
      stdout: JSON.stringify({ ServerURL: HOST, Username: 'AWS', Secret: 'first-eu' }),
    });
    expect(await run('list', '')).toBe(0);
    expect(await run('erase', HOST)).toBe(0);
    expect(await run('store', '{}')).toBe(1);
    expect(await run('version', '')).toBe(1);
    expect(said).toEqual([
      '{}',
      'this helper serves the ECR login agent of the job and stores no credential\n',
      "unknown action 'version': expected get, list, erase or store\n",
    ]);
    agent.close();
  });

  test('helper(): get prints the credential for docker, and the not-found line when the agent holds none', async () => {
    const agent = await served();
    const said: string[] = [];
    const out = { write: (text: string) => said.push(text) };
    expect(await helper([agent.socket, 'get'], Readable.from([HOST]), out)).toBe(0);
    expect(await helper([agent.socket, 'get'], Readable.from(['ghcr.io\n']), out)).toBe(1);
    expect(said).toEqual([
      JSON.stringify({ ServerURL: HOST, Username: 'AWS', Secret: 'first-eu' }),
      `${NOT_FOUND}\n`,
    ]);
    agent.close();
  });

  test('runAgent(): reads its configuration, says ready, serves, and ends on SIGTERM with its socket gone', async () => {
    now = Date.now();
    const socket = path.join(dir, 'run.sock');
    const out = new PassThrough();
    let said = '';
    out.on('data', (chunk: Buffer) => (said += chunk.toString()));
    const ended = runAgent(Readable.from([JSON.stringify({ ...config(), socket })]), out);
    await new Promise((resolve) => out.once('finish', resolve));
    expect(said).toBe('ready\n');
    expect(await ask(socket, HOST)).toEqual({ username: 'AWS', secret: 'first-eu' });
    // A hangup (the terminal of whoever started the job) and a stdout gone do not end it.
    process.emit('SIGHUP');
    out.emit('error', new Error('EPIPE'));
    expect(await ask(socket, HOST)).toEqual({ username: 'AWS', secret: 'first-eu' });
    process.emit('SIGTERM');
    await ended;
    expect(fs.existsSync(socket)).toBe(false);
  });

  test('listen(): ends by itself when the process it watches has ended', async () => {
    now = Date.now();
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], {
      encoding: 'utf8',
    });
    const socket = path.join(dir, 'watch.sock');
    const watch = { pid: Number(gone.stdout.trim()), start: undefined };
    const agent = await listen({ ...config(), socket, watch }, 20);
    await agent.done;
    expect(await ask(socket, HOST)).toEqual({ error: NOT_FOUND });
  });

  test('listen(): a runner process named by PID and start time ends it once the start time no longer matches', async () => {
    now = Date.now();
    const socket = path.join(dir, 'start.sock');
    const watch = { pid: process.pid, start: 'not-this-start-time' };
    const agent = await listen({ ...config(), socket, watch }, 20);
    await agent.done;
    expect(fs.existsSync(socket)).toBe(false);
  });

  test('a line that is not a request is answered so, and the helper says what it got back', async () => {
    const agent = await served();
    const raw = (line: string) =>
      new Promise<string>((resolve) => {
        let text = '';
        const c = net.connect(agent.socket);
        c.on('data', (chunk) => (text += chunk.toString()));
        c.on('end', () => {
          resolve(text);
        });
        c.end(line);
      });
    expect(await raw('not json\n')).toBe('{"error":"not a request"}\n');
    expect(await raw('{"put":"x"}\n')).toBe('{"error":"not a request"}\n');
    agent.close();
    // Something else listening on the socket, that answers no JSON.
    const other = net.createServer((c) => c.end('hello\n')).listen(path.join(dir, 'other.sock'));
    await new Promise((resolve) => other.once('listening', resolve));
    expect(await ask(path.join(dir, 'other.sock'), HOST)).toEqual({
      error: 'the ECR login agent answered something other than JSON',
    });
    other.close();
  });
});
