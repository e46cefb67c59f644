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
  cleanup: () => Promise<void>;
}

/**
 * A docker credential helper (store/get/erase/list) that keeps everything in one JSON file; it
 * refuses a secret longer than `maxSecret` bytes as wincred does (Windows' limit: 2560).
 */
const SCRIPT = (store: string, maxSecret: number) => `#!${NODE_BIN}
const fs = require('node:fs');
const file = ${JSON.stringify(store)};
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
    if (Buffer.byteLength(Secret) > ${String(maxSecret)}) {
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
  maxSecret = Infinity,
): Promise<CredentialHelper> {
  const tmp = await makeTempDir('e2e-cred-helper');
  const store = join(tmp.path, 'store.json');
  const bin = join(tmp.path, `docker-credential-${name}`);
  await writeFile(bin, SCRIPT(store, maxSecret));
  await chmod(bin, 0o755);
  return {
    name,
    binDir: tmp.path,
    read: async () =>
      JSON.parse(await readFile(store, 'utf8').catch(() => '{}')) as Record<
        string,
        { Username: string; Secret: string }
      >,
    cleanup: tmp.cleanup,
  };
}
