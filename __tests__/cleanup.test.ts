import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import * as core from '../__fixtures__/core.ts';
import * as exec from '../__fixtures__/command.ts';
import { authOf, credential, endJob, loginOf, readJson, startJob } from '../__fixtures__/job.ts';
import type { Cli } from '../src/cli.ts';
import type { Login } from '../src/records.ts';

jest.unstable_mockModule('@actions/core', () => core);
jest.unstable_mockModule('../src/command.ts', () => exec);
const { post } = await import('../src/cleanup.ts');
const { endRun, startRun } = await import('../src/run.ts');
const { logIn, planLogins } = await import('../src/logins.ts');

const host = (n: number): string => `${String(n).repeat(12)}.dkr.ecr.eu-west-1.amazonaws.com`;
const [A, B, C, D, E] = [1, 2, 3, 4, 5].map(host) as [string, string, string, string, string];
let root: string;
let temp: string;
let dockerDir: string;

const configFile = (): string => path.join(dockerDir, 'config.json');
const readConfig = (): unknown => readJson(configFile());
const writeConfig = (value: object): void => {
  fs.writeFileSync(configFile(), JSON.stringify(value));
};

/** The main step: a run from startRun, and a login to each host (password `pw-<host>`). */
async function mainStep(hosts: string[], options: { clis?: Cli[]; isolate?: boolean } = {}) {
  const run = startRun({ attempts: 1, timeoutMs: 5000 }, true);
  const plan = await planLogins(run, options.clis ?? ['docker'], options.isolate ?? false);
  for (const h of hosts) {
    exec.passwords[h] = `pw-${h}`;
    const outcomes = await logIn(plan, credential(h, `pw-${h}`));
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
  }
  return run;
}
/** Between the steps: what the main step logged and ran is forgotten, its state kept. */
function betweenSteps(): void {
  const state = { ...core.state };
  core.reset();
  Object.assign(core.state, state);
  exec.calls.length = 0;
}
/** A login the main step recorded without seeing it through. */
const interrupted = (h: string, helper: string): Login =>
  loginOf(h, configFile(), `pw-${h}`, { helper, pending: true });

beforeEach(() => {
  core.reset();
  exec.reset();
  ({ root, temp, dockerDir } = startJob());
});
afterEach(endJob);

describe('logging out', () => {
  test('removes exactly the recorded logins, saying how each went, and deletes the run', async () => {
    writeConfig({ auths: { 'mine.example': { auth: 'bWluZQ==' } } });
    const run = await mainStep([A, B, C]);
    // a later login replaced B; C was logged out already
    const config = readConfig() as { auths: Record<string, unknown> };
    writeConfig({ auths: { ...config.auths, [B]: authOf('later'), [C]: undefined } });
    // D's helper never got its secret; E's did before the main step was killed
    run.records.login(interrupted(D, 'fake'));
    run.records.login(interrupted(E, 'fake'));
    exec.helperStores.fake = { [E]: `pw-${E}` };
    betweenSteps();

    await post();
    expect(core.setFailed).not.toHaveBeenCalled();
    expect(core.logs).toEqual([
      `info: Logged out of ${A} (docker)`,
      `info: Left the credential of ${B} (docker) in place: a later login replaced this job's`,
      `info: Already logged out of ${C} (docker)`,
      `info: Removed the credential of an interrupted login to ${E} (docker)`,
    ]);
    expect(readConfig()).toEqual({
      auths: { 'mine.example': { auth: 'bWluZQ==' }, [B]: authOf('later') },
    });
    expect(exec.helperStores.fake).toEqual({});
    expect(fs.existsSync(run.dir)).toBe(false);
  });

  test.each<[string, () => void]>([
    [
      'a run without logins',
      () => {
        endRun(startRun({ attempts: 1, timeoutMs: 5000 }, true));
      },
    ],
    ['no run at all', () => undefined],
  ])('%s: no registry to log out of', async (_name, main) => {
    main();
    betweenSteps();
    await post();
    expect(core.logs).toEqual(['info: No registry to log out of.']);
    expect(exec.runCommand).not.toHaveBeenCalled();
    expect(fs.readdirSync(temp)).toEqual([]);
  });

  test('a credential that cannot be removed fails the step, naming it; the run is still deleted', async () => {
    writeConfig({ credHelpers: { [A]: 'pass' } });
    const run = await mainStep([A]);
    endRun(run);
    betweenSteps();
    exec.runCommand.mockResolvedValueOnce({
      exitCode: 1,
      stdout: '',
      stderr: 'store locked\n',
      timedOut: false,
    });
    await post();
    expect(core.logs).toEqual([
      `error: Could not log out of ${A} (docker): docker-credential-pass get: store locked`,
      'failed: 1 registry credential(s) could not be removed.',
    ]);
    expect(exec.helperStores.pass).toEqual({ [A]: `pw-${A}` });
    expect(fs.existsSync(run.dir)).toBe(false);
  });

  test('an invalid login-timeout input: the default limits, not a failure', async () => {
    writeConfig({ credHelpers: { [A]: 'pass' } });
    endRun(await mainStep([A]));
    betweenSteps();
    core.inputs['login-timeout'] = 'soon';
    await post();
    expect(core.setFailed).not.toHaveBeenCalled();
    expect(core.logs).toEqual([`info: Logged out of ${A} (docker)`]);
    expect(exec.runCommand.mock.calls.map((call) => call[2]?.timeoutMs)).toEqual([60_000, 60_000]);
  });

  test("deletes this run's temporary files left beside a credential file, and no other's", async () => {
    const run = await mainStep([A]);
    endRun(run);
    betweenSteps();
    const tag = path.basename(run.dir).slice('ecr-login-'.length);
    const ours = `${configFile()}.ecr-login-${tag}-4242-1.tmp`;
    const theirs = `${configFile()}.ecr-login-other-4242-1.tmp`;
    fs.writeFileSync(ours, '{}');
    fs.writeFileSync(theirs, '{}');
    await post();
    expect(core.logs).toEqual([
      `info: Logged out of ${A} (docker)`,
      `info: Deleted a temporary credential file left by an interrupted write: ${ours}`,
    ]);
    expect(fs.readdirSync(dockerDir).sort()).toEqual(['config.json', path.basename(theirs)]);
  });
});

describe('what the state names', () => {
  test.each<[string, () => Promise<string>]>([
    [
      'a directory without the mark',
      () => {
        const dir = path.join(temp, 'ecr-login-abc123');
        fs.mkdirSync(dir);
        const login = { ...interrupted(A, ''), pending: false };
        fs.writeFileSync(path.join(dir, 'logins.jsonl'), `${JSON.stringify(login)}\n`);
        core.state['run-dir'] = dir;
        return Promise.resolve(dir);
      },
    ],
    [
      'a marked directory outside RUNNER_TEMP',
      async () => {
        // made where a later RUNNER_TEMP is not, e.g. a temporary HOME
        process.env.RUNNER_TEMP = path.join(root, 'home');
        const run = await mainStep([]);
        run.records.login({ ...interrupted(A, ''), pending: false });
        process.env.RUNNER_TEMP = temp;
        return run.dir;
      },
    ],
  ])('%s: left alone, nothing logged out', async (_name, make) => {
    writeConfig({ auths: { [A]: authOf(`pw-${A}`) } });
    const dir = await make();
    const before = fs.readdirSync(dir).sort();
    betweenSteps();
    await post();
    expect(core.logs).toEqual([
      `warning: The run directory ${dir} named in the state was not made by this action: left alone.`,
      'info: No registry to log out of.',
    ]);
    expect(exec.runCommand).not.toHaveBeenCalled();
    expect(fs.readdirSync(dir).sort()).toEqual(before);
    expect(readConfig()).toEqual({ auths: { [A]: authOf(`pw-${A}`) } });
  });

  test('the job-private directory: logged out of, then deleted, what it links to kept', async () => {
    fs.mkdirSync(path.join(dockerDir, 'contexts'));
    fs.writeFileSync(path.join(dockerDir, 'contexts', 'meta.json'), '{}');
    endRun(await mainStep([A], { isolate: true }));
    const own = core.state['private-config'] ?? '';
    betweenSteps();
    await post();
    expect(core.logs).toEqual([
      `info: Logged out of ${A} (docker)`,
      `info: Deleted the job-private credential directory ${own}`,
    ]);
    expect(fs.existsSync(own)).toBe(false);
    expect(fs.readFileSync(path.join(dockerDir, 'contexts', 'meta.json'), 'utf8')).toBe('{}');
    expect(fs.readdirSync(temp)).toEqual([]);
  });

  test('a private directory without the mark is left alone, with a warning', async () => {
    writeConfig({ auths: { [A]: authOf('theirs') } });
    core.state['private-config'] = dockerDir;
    await post();
    expect(core.logs).toEqual([
      'info: No registry to log out of.',
      `warning: The directory ${dockerDir} named in the state was not made by this action: left alone.`,
    ]);
    expect(readConfig()).toEqual({ auths: { [A]: authOf('theirs') } });
  });
});

describe('processes the main step left running', () => {
  /** A main step with a login, one process recorded as still running and one as ended. */
  async function withProcesses(): Promise<Awaited<ReturnType<typeof mainStep>>> {
    const run = await mainStep([A]);
    run.records.started(4242, '777');
    run.records.started(4343, '888');
    run.records.ended(4343);
    return run;
  }

  test('a main step that ended by itself: nothing is stopped', async () => {
    endRun(await withProcesses());
    betweenSteps();
    await post();
    expect(exec.stopIfSame).not.toHaveBeenCalled();
    expect(core.logs).toEqual([`info: Logged out of ${A} (docker)`]);
  });

  test('a main step killed or cancelled: each process still running is stopped, if still the same', async () => {
    await withProcesses();
    betweenSteps();
    exec.stopIfSame.mockReturnValueOnce(true);
    await post();
    expect(exec.stopIfSame.mock.calls).toEqual([[4242, '777', '/proc']]);
    expect(core.logs).toEqual([
      'info: Stopped 1 CLI process(es) that the main step left running',
      `info: Logged out of ${A} (docker)`,
    ]);
  });
});
