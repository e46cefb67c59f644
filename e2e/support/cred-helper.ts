import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NODE_BIN } from './action-yml.ts';
import { makeTempDir } from './proc.ts';

export interface CredentialHelper {
  /** The helper's name, for `credsStore` / `credHelpers` in config.json. */
  name: string;
  /** Directory holding `docker-credential-<name>`: put it on PATH. */
  binDir: string;
  /** What the helper holds: server URL → user name and secret. */
  read: () => Promise<Record<string, { Username: string; Secret: string }>>;
  /**
   * The PIDs the helper wrote down: `agent` (the agent it started), `hung` (its last hung
   * run), `escaped` (the child of a hung run that left its process group); undefined when none.
   */
  pid: (which: 'agent' | 'hung' | 'escaped') => Promise<number | undefined>;
  cleanup: () => Promise<void>;
}

/** How a helper misbehaves, as keychains and pass do. */
export interface HelperBehaviour {
  /** Refuses a secret longer than this many bytes, as wincred does (Windows' limit: 2560). */
  maxSecret?: number;
  /** Runs of these actions never end (a keychain waiting to be unlocked, a pinentry). */
  hang?: ('store' | 'get' | 'erase')[];
  /** A hung run first starts a child in a session of its own that keeps stdout and stderr open. */
  escape?: boolean;
  /** `store` starts an agent in a session of its own that outlives it, as pass starts gpg-agent. */
  agent?: boolean;
}

/**
 * A docker credential helper (store/get/erase/list) that keeps everything in one JSON file,
 * and misbehaves as `behaviour` says.
 */
const SCRIPT = (store: string, dir: string, how: HelperBehaviour) => `#!${NODE_BIN}
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const file = ${JSON.stringify(store)};
const dir = ${JSON.stringify(dir)};
const how = ${JSON.stringify(how)};
const forever = () => spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
  detached: true,
  stdio: ['ignore', 'inherit', 'inherit'],
});
if (how.agent && process.argv[2] === 'store') {
  const agent = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
    detached: true,
    stdio: 'ignore',
  });
  agent.unref();
  fs.writeFileSync(path.join(dir, 'agent.pid'), String(agent.pid));
}
if ((how.hang ?? []).includes(process.argv[2])) {
  if (how.escape) fs.writeFileSync(path.join(dir, 'escaped.pid'), String(forever().pid));
  fs.writeFileSync(path.join(dir, 'hung.pid'), String(process.pid));
  setInterval(() => {}, 1000);
  return;
}
const load = () => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {});
const save = (data) => {
  fs.writeFileSync(file + '.' + process.pid, JSON.stringify(data));
  fs.renameSync(file + '.' + process.pid, file);
};
const input = fs.readFileSync(0, 'utf8').trim();
const data = load();
switch (process.argv[2]) {
  case 'store': {
    const { ServerURL, Username, Secret } = JSON.parse(input);
    if (Buffer.byteLength(Secret) > (how.maxSecret ?? Infinity)) {
      process.stdout.write('The stub received bad data.\\n');
      process.exit(1);
    }
    data[ServerURL] = { Username, Secret };
    save(data);
    break;
  }
  case 'get':
    if (!data[input]) {
      process.stdout.write('credentials not found in native keychain\\n');
      process.exit(1);
    }
    process.stdout.write(JSON.stringify({ ServerURL: input, ...data[input] }));
    break;
  case 'erase':
    if (!data[input]) {
      process.stdout.write('credentials not found in native keychain\\n');
      process.exit(1);
    }
    delete data[input];
    save(data);
    break;
  case 'list':
    process.stdout.write(
      JSON.stringify(Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.Username]))),
    );
    break;
  default:
    process.exit(1);
}
`;

export async function makeCredentialHelper(
  name: string,
  behaviour: HelperBehaviour = {},
): Promise<CredentialHelper> {
  const tmp = await makeTempDir('e2e-cred-helper');
  const store = join(tmp.path, 'store.json');
  const bin = join(tmp.path, `docker-credential-${name}`);
  await writeFile(bin, SCRIPT(store, tmp.path, behaviour));
  await chmod(bin, 0o755);
  return {
    name,
    binDir: tmp.path,
    read: async () =>
      JSON.parse(await readFile(store, 'utf8').catch(() => '{}')) as Record<
        string,
        { Username: string; Secret: string }
      >,
    pid: async (which) => {
      const text = await readFile(join(tmp.path, `${which}.pid`), 'utf8').catch(() => '');
      return text === '' ? undefined : Number(text);
    },
    cleanup: tmp.cleanup,
  };
}
