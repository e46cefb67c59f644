// GitHub's local-action runs the action from its sources (src/main.ts, src/post.ts) with the
// settings of .env.example, against the stand-in `npm run standin` serves (here on free ports).
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { NODE_BIN, REPO_ROOT } from './support/action-yml.ts';
import { docker } from './support/images.ts';
import { checkPrereqs } from './support/prereqs.ts';
import { STANDIN, startStandIn, type StandIn } from './standin.ts';

checkPrereqs();
let standIn: StandIn;
let dir: string;
beforeAll(async () => {
  standIn = await startStandIn({ ...STANDIN, ecrPort: 0, registryPort: 0 });
  dir = await mkdtemp(join(tmpdir(), 'local-action-'));
}, 30_000);
afterAll(async () => {
  await standIn.stop();
  await rm(dir, { recursive: true, force: true });
});

/** .env.example as a user copies it, pointed at this stand-in and this test's directories. */
async function envFile(
  name: string,
): Promise<{ file: string; dockerConfig: string; temp: string }> {
  const dockerConfig = join(dir, name, 'docker');
  const temp = join(dir, name, 'temp');
  const text = (await readFile(join(REPO_ROOT, '.env.example'), 'utf8'))
    .replace(`http://127.0.0.1:${String(STANDIN.ecrPort)}`, standIn.ecrUrl)
    .replace('DOCKER_CONFIG=.local-action/docker', `DOCKER_CONFIG=${dockerConfig}`)
    .replace('RUNNER_TEMP=.local-action/temp', `RUNNER_TEMP=${temp}`);
  const file = join(dir, `${name}.env`);
  await writeFile(file, text);
  return { file, dockerConfig, temp };
}

function localAction(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      join(REPO_ROOT, 'node_modules/.bin/local-action'),
      ['run', REPO_ROOT, ...args],
      {
        cwd: REPO_ROOT,
        env: { PATH: `${dirname(NODE_BIN)}:${process.env.PATH ?? ''}`, HOME: dir, NO_COLOR: '1' },
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => {
      resolve({ code, out });
    });
  });
}

/** Whether a docker command with that config is let in by the registry (a missing image, then). */
async function letIn(dockerConfig: string): Promise<boolean> {
  const r = await docker(dockerConfig, [
    'manifest',
    'inspect',
    '--insecure',
    `${standIn.registryHost}/absent:1`,
  ]);
  return /no such manifest|manifest unknown/i.test(r.stderr);
}

test('main then post from the sources: logged in, outputs set, logged out', async () => {
  const env = await envFile('both');
  const run = await localAction(['src/main.ts', env.file, '--post', 'src/post.ts']);
  const host = standIn.registryHost;
  expect({ code: run.code, out: run.out }).toMatchObject({ code: 0 });
  expect(run.out).toContain(`::group::Logged in to ${host} (eu-west-1) with docker`);
  expect(run.out).toContain(`::set-output name=registry::${host}`);
  expect(run.out).toContain(`::info::Logged out of ${host} (docker)`);
  expect(run.out).not.toContain(STANDIN.password);
  const config = JSON.parse(
    await readFile(join(env.dockerConfig, 'config.json'), 'utf8'),
  ) as object;
  expect(config).toEqual({ auths: {} });
  expect(await letIn(env.dockerConfig)).toBe(false);
  expect(await readdir(env.temp)).toEqual([]);
}, 90_000);

test('main alone leaves a login that docker can use', async () => {
  const env = await envFile('main');
  const run = await localAction(['src/main.ts', env.file]);
  expect(run.code).toBe(0);
  expect(await letIn(env.dockerConfig)).toBe(true);
}, 90_000);
