import * as fs from 'node:fs';
import * as net from 'node:net';
import { Deadline } from './aws-client.ts';
import { startTimeOf } from './command.ts';
import { fetchCredentials } from './ecr.ts';
import { Identities } from './identities.ts';
import type { RoleSettings } from './inputs.ts';
import type { ProxyEnv } from './proxy.ts';
import type { Group } from './registries.ts';

/*
 * The credential agent of `credential-helper: true`: a process of its own that holds the
 * registries' tokens in memory for the rest of the job, answers the credential helper over a
 * socket only the user can open, and fetches each token again before it expires — with the
 * identity the step used. It prints nothing, ever: its output goes nowhere, and no secret is
 * written to a file.
 */

/** A token the agent holds for one registry host. */
export interface Held {
  host: string;
  username: string;
  password: string;
  /** ms since the epoch. */
  expiresAt: number;
  /** Index of its group in AgentConfig.groups: the API call that fetches it again. */
  group: number;
}

/** All the agent is told, once, on its standard input. */
export interface AgentConfig {
  /** The Unix socket (or Windows named pipe) to listen on. */
  socket: string;
  groups: Group[];
  tokens: Held[];
  roleSettings: RoleSettings;
  proxy: ProxyEnv;
  apiTimeoutMs: number;
  /** The job's runner process: when it is gone (its start time no longer matches), so is the agent. */
  watch: { pid: number; start: string | undefined };
}

/** A helper's question, one JSON line; the answer is one JSON line too. */
export interface Request {
  get: string;
}
export type Answer = { username: string; secret: string } | { error: string };

/** Said to the helper for a host the agent holds nothing for, in docker's words. */
export const NOT_FOUND = 'credentials not found in native keychain';

/** A token is fetched again once this share of its lifetime has passed. */
const REFRESH_AT = 0.75;
/** A failed refresh is tried again after at most this long. */
const RETRY_MS = 60_000;
/** How often the agent looks whether the job's runner process is still there. */
const WATCH_MS = 2_000;

/**
 * The tokens, and how each group's are fetched again: one refresh per group at a time, before
 * the tokens expire, or at once when a helper asks for a token that has expired.
 */
export class Tokens {
  readonly #held = new Map<string, Held>();
  readonly #refreshing = new Map<number, Promise<void>>();
  readonly #timers = new Map<number, NodeJS.Timeout>();
  readonly #config: AgentConfig;
  readonly #fetch: typeof fetchCredentials;
  readonly #now: () => number;

  constructor(config: AgentConfig, fetch = fetchCredentials, now = Date.now) {
    this.#config = config;
    this.#fetch = fetch;
    this.#now = now;
    for (const token of config.tokens) this.#held.set(token.host, token);
    config.groups.forEach((_group, index) => {
      this.#schedule(index, now());
    });
  }

  /** The credential for `host`, fetched again first if it has expired; undefined if unknown. */
  async get(host: string): Promise<Held | undefined> {
    const held = this.#held.get(host);
    if (held === undefined) return undefined;
    if (held.expiresAt <= this.#now()) await this.refresh(held.group).catch(() => undefined);
    const now = this.#held.get(host);
    return now && now.expiresAt > this.#now() ? now : undefined;
  }

  /** Fetches the group's tokens again: a new role session (and OIDC token) if it has a role. */
  refresh(index: number): Promise<void> {
    const running = this.#refreshing.get(index);
    if (running) return running;
    const group = this.#config.groups[index];
    if (group === undefined) return Promise.resolve();
    const started = this.#now();
    const work = (async () => {
      const { proxy, apiTimeoutMs, roleSettings } = this.#config;
      const deadline = new Deadline(apiTimeoutMs);
      const options = { proxy, maskPassword: false, deadline };
      const credentials = group.role
        ? await new Identities(roleSettings, proxy, deadline).credentialsOf(
            group.role,
            group.region,
          )
        : undefined;
      const fetched = await this.#fetch(group, credentials ? { ...options, credentials } : options);
      for (const credential of fetched) {
        if (credential instanceof Error) continue;
        const { host, username, password, expiresAt } = credential;
        this.#held.set(host, {
          host,
          username,
          password,
          expiresAt: expiresAt.getTime(),
          group: index,
        });
      }
    })();
    const done = work
      .then(() => {
        this.#schedule(index, started);
      })
      .catch((error: unknown) => {
        this.#retry(index);
        throw error;
      })
      .finally(() => this.#refreshing.delete(index));
    this.#refreshing.set(index, done);
    return done;
  }

  /** Stops every timer: the agent is ending. */
  stop(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  /** The next refresh of a group: at REFRESH_AT of its shortest token's lifetime. */
  #schedule(index: number, fetchedAt: number): void {
    const expiries = [...this.#held.values()].filter((h) => h.group === index);
    if (expiries.length === 0) return;
    const expiresAt = Math.min(...expiries.map((h) => h.expiresAt));
    const at = fetchedAt + (expiresAt - fetchedAt) * REFRESH_AT;
    this.#arm(index, Math.max(at - this.#now(), 1_000));
  }

  /** After a failed refresh: again soon, and before the tokens expire if there is time. */
  #retry(index: number): void {
    const left = Math.min(
      ...[...this.#held.values()].filter((h) => h.group === index).map((h) => h.expiresAt),
    );
    this.#arm(index, Math.min(RETRY_MS, Math.max((left - this.#now()) / 4, 1_000)));
  }

  #arm(index: number, ms: number): void {
    clearTimeout(this.#timers.get(index));
    const timer = setTimeout(() => {
      this.refresh(index).catch(() => undefined);
    }, ms);
    timer.unref();
    this.#timers.set(index, timer);
  }
}

/** The host a helper asks for: docker hands over a server URL, a scheme and path perhaps with it. */
export function hostOf(serverUrl: string): string {
  return serverUrl
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
}

/** Serves the helper's questions over the socket: one JSON line in, one JSON line out. */
export function serve(tokens: Tokens, socket: string): net.Server {
  return net
    .createServer((connection) => {
      let text = '';
      connection.setEncoding('utf8');
      connection.setTimeout(30_000, () => connection.destroy());
      connection.on('error', () => undefined);
      connection.on('data', (chunk: string) => {
        text += chunk;
        const end = text.indexOf('\n');
        if (end < 0) {
          if (text.length > 4096) connection.destroy();
          return;
        }
        void answer(tokens, text.slice(0, end)).then((reply) => {
          connection.end(`${JSON.stringify(reply)}\n`);
        });
      });
    })
    .listen(socket);
}

async function answer(tokens: Tokens, line: string): Promise<Answer> {
  let request: Partial<Request>;
  try {
    request = JSON.parse(line) as Partial<Request>;
  } catch {
    return { error: 'not a request' };
  }
  if (typeof request.get !== 'string') return { error: 'not a request' };
  const held = await tokens.get(hostOf(request.get));
  return held ? { username: held.username, secret: held.password } : { error: NOT_FOUND };
}

/** True while the process `pid` that started at `start` is still there. */
function alive(watch: AgentConfig['watch']): boolean {
  if (watch.start !== undefined) return startTimeOf(watch.pid) === watch.start;
  try {
    process.kill(watch.pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A listening agent: `done` settles when it has ended by itself (the job's runner is gone). */
export interface Listening {
  close: () => void;
  done: Promise<void>;
}

/**
 * Holds `config`'s tokens and serves them on its socket until closed, or until the job's runner
 * process is gone (checked every `watchMs`).
 */
export async function listen(config: AgentConfig, watchMs = WATCH_MS): Promise<Listening> {
  const tokens = new Tokens(config);
  const server = serve(tokens, config.socket);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve).once('error', reject);
  });
  let ended: (() => void) | undefined;
  const done = new Promise<void>((resolve) => (ended = resolve));
  const close = () => {
    clearInterval(watching);
    tokens.stop();
    server.close();
    if (process.platform !== 'win32') fs.rmSync(config.socket, { force: true });
    ended?.();
  };
  const watching = setInterval(() => {
    if (!alive(config.watch)) close();
  }, watchMs);
  watching.unref();
  return { close, done };
}

/**
 * The agent process (`<main bundle> --agent`): reads its configuration from stdin, listens, says
 * `ready` on stdout, and from then on prints nothing. It ends on SIGTERM or SIGINT, or by itself
 * once the job's runner process is gone.
 */
export async function runAgent(
  input: AsyncIterable<unknown> = process.stdin,
  output: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.from(chunk as Buffer));
  const config = JSON.parse(Buffer.concat(chunks).toString('utf8')) as AgentConfig;
  const agent = await listen(config);
  const end = () => {
    agent.close();
  };
  process
    .once('SIGTERM', end)
    .once('SIGINT', end)
    .on('SIGHUP', () => undefined);
  output.end('ready\n');
  // Nothing more is ever printed: a closed stdout must not end the agent.
  output.on('error', () => undefined);
  await agent.done;
  process.off('SIGTERM', end).off('SIGINT', end);
}
