// A stand-in for src/command.ts's runCommand that behaves like the docker CLI's login and
// logout: it loads config.json from DOCKER_CONFIG when it starts and writes it back when it
// finishes, so concurrent runs on one config lose each other's writes as the real CLI does.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jest } from '@jest/globals';
import type * as command from '../src/command.ts';

export interface Call {
  command: string;
  args: string[];
  stdin: string | undefined;
  dockerConfig: string | undefined;
}

export const calls: Call[] = [];
/** Passwords the fake registries accept, by host. */
export const passwords: Record<string, string> = {};
/** Hosts whose registry is unreachable. */
export const unreachable = new Set<string>();

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function load(dir: string): { auths?: Record<string, unknown> } {
  const file = path.join(dir, 'config.json');
  return fs.existsSync(file)
    ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { auths?: Record<string, unknown> })
    : {};
}

async function docker(args: string[], stdin: string | undefined, dir: string) {
  const config = load(dir);
  await tick();
  await tick();
  const host = args[args.length - 1] ?? '';
  const done = (exitCode: number, stdout: string, stderr: string) => ({
    exitCode,
    stdout,
    stderr,
    timedOut: false,
  });
  if (args[0] === 'login') {
    if (unreachable.has(host)) {
      return done(
        1,
        '',
        `Error response from daemon: Get "https://${host}/v2/": dial tcp: connection refused\n`,
      );
    }
    if (passwords[host] !== stdin) {
      return done(
        1,
        '',
        `Error response from daemon: Get "https://${host}/v2/": unauthorized: authentication required\n`,
      );
    }
    const auth = Buffer.from(`AWS:${stdin}`).toString('base64');
    config.auths = { ...config.auths, [host]: { auth } };
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    return done(0, 'Login Succeeded\n', '');
  }
  if (args[0] === 'logout') {
    if (!config.auths || !(host in config.auths)) return done(0, `Not logged in to ${host}\n`, '');
    Reflect.deleteProperty(config.auths, host);
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    return done(0, `Removing login credentials for ${host}\n`, '');
  }
  return done(125, '', `unknown command: ${args.join(' ')}\n`);
}

const fake: typeof command.runCommand = async (name, args, options) => {
  const stdin = options?.input;
  const dockerConfig = options?.env?.DOCKER_CONFIG;
  calls.push({ command: name, args, stdin, dockerConfig });
  if (name !== 'docker' || dockerConfig === undefined) {
    return { exitCode: 127, stdout: '', stderr: `unexpected command ${name}`, timedOut: false };
  }
  return docker(args, stdin, dockerConfig);
};

export const runCommand = jest.fn<typeof command.runCommand>(fake);

export function reset(): void {
  runCommand.mockReset();
  runCommand.mockImplementation(fake);
  calls.length = 0;
  unreachable.clear();
  for (const host of Object.keys(passwords)) Reflect.deleteProperty(passwords, host);
}
