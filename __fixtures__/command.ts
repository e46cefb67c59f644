// A stand-in for src/command.ts's runCommand that behaves like the container CLIs' login and
// logout: docker keeps credentials in $DOCKER_CONFIG/config.json, or in the credential helper
// the file names for the host (credHelpers[host], else credsStore; the file then holds an empty
// entry, as docker writes it); podman, buildah and skopeo in $REGISTRY_AUTH_FILE (else
// $XDG_RUNTIME_DIR/containers/auth.json). Each run loads its file when it starts and writes it
// back when it finishes, so concurrent runs on one file lose each other's writes, as the real
// CLIs do. `docker-credential-<name> get` and `erase` answer from the helpers' stores.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jest } from '@jest/globals';
import type * as command from '../src/command.ts';
import { events } from './core.ts';

export interface Call {
  command: string;
  args: string[];
  stdin: string | undefined;
  /** The credential file the run used. */
  file: string;
  dockerConfig: string | undefined;
}

export const calls: Call[] = [];
/** Passwords the fake registries accept, by host. */
export const passwords: Record<string, string> = {};
/** Hosts whose registry is unreachable. */
export const unreachable = new Set<string>();
/** What each credential helper holds: helper name → host → secret. */
export const helperStores: Record<string, Record<string, string>> = {};
/** Credential helpers that refuse every secret, as wincred refuses an ECR token. */
export const refusingHelpers = new Set<string>();

type Auths = {
  auths?: Record<string, unknown>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
};
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const done = (exitCode: number, stdout: string, stderr: string) => ({
  exitCode,
  stdout,
  stderr,
  timedOut: false,
});

function load(file: string): Auths {
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Auths) : {};
}

function save(file: string, value: Auths): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value));
}

function credentialFile(name: string, env: NodeJS.ProcessEnv): string | undefined {
  if (name === 'docker') {
    return env.DOCKER_CONFIG ? path.join(env.DOCKER_CONFIG, 'config.json') : undefined;
  }
  if (env.REGISTRY_AUTH_FILE) return env.REGISTRY_AUTH_FILE;
  return env.XDG_RUNTIME_DIR
    ? path.join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json')
    : undefined;
}

async function cli(name: string, args: string[], stdin: string | undefined, file: string) {
  const config = load(file);
  // podman, buildah and skopeo take longer than docker, as their logins do here.
  for (let i = name === 'docker' ? 2 : 4; i > 0; i--) await tick();
  const host = args[args.length - 1] ?? '';
  const error = name === 'docker' ? 'Error response from daemon' : 'Error';
  if (args[0] === 'login') {
    if (unreachable.has(host)) {
      return done(1, '', `${error}: Get "https://${host}/v2/": dial tcp: connection refused\n`);
    }
    if (passwords[host] !== stdin) {
      return done(
        1,
        '',
        `${error}: Get "https://${host}/v2/": unauthorized: authentication required\n`,
      );
    }
    const helper = config.credHelpers?.[host] ?? config.credsStore ?? '';
    if (name === 'docker' && helper !== '') {
      if (refusingHelpers.has(helper)) {
        return done(
          1,
          'Login Succeeded\n',
          'Error saving credentials: error storing credentials - err: exit status 1, out: `The stub received bad data.`\n',
        );
      }
      helperStores[helper] = { ...helperStores[helper], [host]: stdin ?? '' };
      save(file, { ...config, auths: { ...config.auths, [host]: {} } });
      return done(0, 'Login Succeeded\n', '');
    }
    const auth = Buffer.from(`AWS:${stdin}`).toString('base64');
    save(file, { ...config, auths: { ...config.auths, [host]: { auth } } });
    return done(0, name === 'docker' ? 'Login Succeeded\n' : 'Login Succeeded!\n', '');
  }
  if (args[0] === 'logout') {
    if (!config.auths || !(host in config.auths)) {
      return name === 'docker'
        ? done(0, `Not logged in to ${host}\n`, '')
        : done(1, '', `Error: not logged into ${host}\n`);
    }
    Reflect.deleteProperty(config.auths, host);
    save(file, config);
    return done(0, `Removed login credentials for ${host}\n`, '');
  }
  return done(125, '', `unknown command: ${args.join(' ')}\n`);
}

const fake: typeof command.runCommand = async (name, args, options) => {
  const env = options?.env ?? {};
  const stdin = options?.input;
  if (name.startsWith('docker-credential-')) {
    calls.push({ command: name, args, stdin, file: '', dockerConfig: undefined });
    const store = helperStores[name.slice('docker-credential-'.length)] ?? {};
    if (stdin === undefined || !(stdin in store)) {
      return done(1, 'credentials not found in native keychain\n', '');
    }
    if (args[0] === 'get') {
      return done(
        0,
        JSON.stringify({ ServerURL: stdin, Username: 'AWS', Secret: store[stdin] }),
        '',
      );
    }
    Reflect.deleteProperty(store, stdin);
    return done(0, '', '');
  }
  const file = credentialFile(name, env);
  calls.push({ command: name, args, stdin, file: file ?? '', dockerConfig: env.DOCKER_CONFIG });
  // In the same record as @actions/core's calls, so tests can see masks come before commands.
  events.push(`exec:${name} ${args.join(' ')}`);
  if (!['docker', 'podman', 'buildah', 'skopeo'].includes(name) || file === undefined) {
    return done(127, '', `unexpected command ${name} without a credential file`);
  }
  return cli(name, args, stdin, file);
};

export const runCommand = jest.fn<typeof command.runCommand>(fake);
/** The fake processes have no start time: nothing is ever stopped as a leftover. */
export const startTimeOf = jest.fn<typeof command.startTimeOf>(() => undefined);
export const stopIfSame = jest.fn<typeof command.stopIfSame>(() => false);

export function reset(): void {
  runCommand.mockReset();
  runCommand.mockImplementation(fake);
  startTimeOf.mockImplementation(() => undefined);
  stopIfSame.mockImplementation(() => false);
  calls.length = 0;
  unreachable.clear();
  refusingHelpers.clear();
  for (const helper of Object.keys(helperStores)) Reflect.deleteProperty(helperStores, helper);
  for (const host of Object.keys(passwords)) Reflect.deleteProperty(passwords, host);
}
