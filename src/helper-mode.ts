import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as core from '@actions/core';
import type { AgentConfig, Held } from './agent.ts';
import { startTimeOf } from './command.ts';
import type { Credential } from './credential.ts';
import { errorMessage } from './errors.ts';
import type { Inputs } from './inputs.ts';
import type { ProxyEnv } from './proxy.ts';
import type { Group } from './registries.ts';
import type { Run } from './run.ts';

/*
 * `credential-helper: true`, in the main step: starts the job's credential agent with the tokens
 * fetched and puts `docker-credential-ecr-login-<run>` on PATH for later steps; the logins then
 * point each registry of each CLI's credential file at it (store.ts `pointAt`). No password is
 * written anywhere. The post step stops the agent and takes the entries out (removal.ts,
 * cleanup.ts).
 */

/** How long the agent has to start listening. */
const READY_MS = 10_000;
/** Unix sockets take a path of at most 104 to 108 bytes, depending on the system. */
const MAX_SOCKET_PATH = 100;

/** The agent of this run: the helper's name, as credHelpers entries name it. */
export interface Agent {
  helper: string;
}

/** A token fetched for one registry, with the index of the group that fetches it again. */
export interface Fetched {
  credential: Credential;
  group: number;
}

/** The file the agent runs from: the main bundle itself, or src/index.ts from the sources. */
function agentEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts') ? path.join(path.dirname(here), 'index.ts') : here;
}

/** The helper program: dist/helper/index.js beside the main bundle, or its source. */
function helperEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts')
    ? path.join(path.dirname(here), 'helper-index.ts')
    : path.join(path.dirname(here), '..', 'helper', 'index.js');
}

/** Quotes a word for /bin/sh. */
const shellQuote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

/**
 * Starts the agent with `fetched` (its process recorded in the run, so the post step stops it —
 * also after a cancel or a crash), writes the helper into the run's directory and adds that
 * directory to PATH for the rest of the job.
 */
export async function startAgent(
  run: Run,
  inputs: Pick<Inputs, 'roleSettings' | 'apiTimeoutMs'>,
  proxy: ProxyEnv,
  groups: Group[],
  fetched: Fetched[],
): Promise<Agent> {
  const helper = `ecr-login-${path.basename(run.dir).replace(/^ecr-login-/, '')}`;
  const socket =
    process.platform === 'win32'
      ? `\\\\.\\pipe\\${helper}-${randomUUID()}`
      : path.join(run.dir, 'agent.sock');
  if (process.platform !== 'win32' && Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
    throw new Error(
      `The credential agent's socket path ${socket} is longer than ${String(MAX_SOCKET_PATH)} ` +
        'bytes, which Unix sockets do not take: set RUNNER_TEMP to a shorter directory.',
    );
  }
  const tokens: Held[] = fetched.map(({ credential: c, group }) => ({
    host: c.host,
    username: c.username,
    password: c.password,
    expiresAt: c.expiresAt.getTime(),
    group,
  }));
  const watchPid = process.ppid;
  const config: AgentConfig = {
    socket,
    groups,
    tokens,
    roleSettings: inputs.roleSettings,
    proxy,
    apiTimeoutMs: inputs.apiTimeoutMs,
    watch: { pid: watchPid, start: startTimeOf(watchPid) },
  };
  await launch(run, config);
  writeHelper(run.dir, helper, socket);
  core.info(
    `Started the credential agent: docker-credential-${helper} is on PATH for later steps ` +
      '(images the runner pulls itself do not use it)',
  );
  return { helper };
}

/** Starts the agent detached, hands it its configuration on stdin, and waits until it listens. */
async function launch(run: Run, config: AgentConfig): Promise<void> {
  const child = spawn(process.execPath, [agentEntry(), '--agent'], {
    cwd: run.dir,
    detached: true,
    stdio: ['pipe', 'pipe', 'ignore'],
    windowsHide: true,
  });
  const { pid } = child;
  if (pid !== undefined) run.records.agent(pid, startTimeOf(pid));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`did not start listening within ${String(READY_MS / 1000)} s`));
      }, READY_MS);
      let said = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        said += chunk;
        if (said.includes('ready\n')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`ended before it was ready (exit code ${String(code)})`));
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(JSON.stringify(config));
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`The credential agent could not be started: ${errorMessage(error)}`, {
      cause: error,
    });
  } finally {
    child.removeAllListeners('exit');
    child.stdout.destroy();
    child.unref();
  }
}

/** `docker-credential-<helper>` in `<run dir>/bin`, which later steps find on PATH. */
function writeHelper(dir: string, helper: string, socket: string): void {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { mode: 0o700 });
  const node = process.execPath;
  const program = helperEntry();
  if (process.platform === 'win32') {
    const script = `@"${node}" "${program}" "${socket}" %*\r\n`;
    fs.writeFileSync(path.join(bin, `docker-credential-${helper}.cmd`), script);
  } else {
    const words = [node, program, socket].map(shellQuote).join(' ');
    const script = `#!/bin/sh\nexec ${words} "$@"\n`;
    fs.writeFileSync(path.join(bin, `docker-credential-${helper}`), script, { mode: 0o700 });
  }
  core.addPath(bin);
}
