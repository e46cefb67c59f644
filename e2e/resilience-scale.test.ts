// Many registries at once, each logged in to by the real docker CLI: at most 16 CLIs run at a
// time, and a thousand logins keep the state small and are all logged out by the post step.
// The registries are the login stand-in (one HTTPS listener per registry, answering docker's
// GET /v2/ with a Basic challenge, then 200 for the right password): a real registry each would
// cost a process per host.
import { beforeAll, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { authsOf } from './support/ecr-tokens.ts';
import { runSteps, type Exec } from './support/jobs.ts';
import { LoginStandin } from './support/login-standin.ts';
import { logLines, logoutLine } from './support/log.ts';
import { expectHygiene, useWorld } from './support/use-world.ts';

const REGION = 'eu-west-1';
/** The most CLI processes the action runs at once. */
const MAX_RUNNING = 16;

const world = useWorld([]);
let standin: LoginStandin;
beforeAll(() => {
  standin = world.add(new LoginStandin(world.certs));
});

let next = 0;
/** `count` new stand-in registries, each answered by the ECR endpoint for an account of its own. */
async function registries(count: number) {
  const made: { account: string; host: string; password: string }[] = [];
  for (let i = 0; i < count; i++) {
    const account = `73${String(next++).padStart(10, '0')}`;
    const password = `${account}-scale-registry-password`;
    const { host } = await standin.add(password);
    world.answer(account, password, host);
    made.push({ account, host, password });
  }
  return {
    accounts: made.map((r) => r.account),
    hosts: made.map((r) => r.host),
    logins: Object.fromEntries(made.map((r) => [r.host, r.password])),
  };
}

/** The most processes of `execs` running at any moment, from the order of their starts and ends. */
function mostAtOnce(execs: Exec[]): number {
  const events = execs
    .flatMap((e) => [
      { at: e.position, change: 1 },
      { at: e.ended ?? Infinity, change: -1 },
    ])
    .sort((a, b) => a.at - b.at);
  let running = 0;
  let most = 0;
  for (const { change } of events) {
    running += change;
    most = Math.max(most, running);
  }
  return most;
}

test(`40 registries: never more than ${String(MAX_RUNNING)} docker processes at once, all logged in and out`, async () => {
  const { accounts, hosts, logins } = await registries(40);
  standin.latencyMs = 300; // each login takes a while: the logins pile up against the cap
  standin.resetCounts();
  const steps = await runSteps(world, {
    inputs: { registries: accounts.join(','), region: REGION },
  });
  const { main, post } = steps;
  expect({ exit: main.mainExit, stderr: main.stderr }).toEqual({ exit: 0, stderr: '' });
  const dockerLogins = steps.execs.filter((e) => e.args[1] === 'login');
  expect(dockerLogins.map((e) => e.args.at(-1)).sort()).toEqual([...hosts].sort());
  expect(dockerLogins.map((e) => e.code)).toEqual(hosts.map(() => 0));
  // The cap was reached and never passed.
  expect(mostAtOnce(steps.execs)).toBe(MAX_RUNNING);
  expect(standin.counts).toEqual({ challenges: 40, accepted: 40, refused: 0 });
  expect(steps.after.main.config).toEqual(authsOf(logins));

  expect(post?.postExit).toBe(0);
  expect(logLines(post).sort()).toEqual(hosts.map(logoutLine).sort());
  expect(steps.after.post?.config).toEqual({ auths: {} });
  expect(steps.after.post?.temp).toEqual([]);
  expectHygiene(steps, logins);
}, 60_000);

test('1,000 registries: all logged in, one short record each, a small state; all logged out', async () => {
  const { accounts, hosts, logins } = await registries(1000);
  standin.latencyMs = 0;
  standin.resetCounts();
  const requestsBefore = world.endpoint.requests.length;
  let records: string[] = [];
  const steps = await runSteps(world, {
    inputs: { registries: accounts.join('\n'), region: REGION },
    timeoutMs: 150_000,
    afterMain: async (main) => {
      const file = join(main.state['run-dir'] ?? '', 'logins.jsonl');
      records = (await readFile(file, 'utf8')).split('\n');
    },
  });
  const { main, post } = steps;
  expect({ exit: main.mainExit, stderr: main.stderr }).toEqual({ exit: 0, stderr: '' });
  // Ten registry IDs per GetAuthorizationToken call.
  const calls = world.endpoint.requests.slice(requestsBefore);
  expect(calls.map((r) => r.registryIds?.length)).toEqual(Array.from({ length: 100 }, () => 10));
  expect((main.outputs.registries ?? '').split(',')).toEqual(hosts);
  expect(standin.counts.accepted).toBe(1000);
  expect(steps.after.main.config).toEqual(authsOf(logins));
  expect(mostAtOnce(steps.execs)).toBeLessThanOrEqual(MAX_RUNNING);
  // The state names the run directory only; the records are one line per login.
  expect(Object.keys(main.state)).toEqual(['run-dir']);
  expect(Buffer.byteLength(main.stateFile)).toBeLessThan(300);
  expect(records.pop()).toBe('');
  expect(records.map((line) => (JSON.parse(line) as { host: string }).host).sort()).toEqual(
    [...hosts].sort(),
  );
  expect(Math.max(...records.map((line) => line.length))).toBeLessThan(300);

  expect(post?.postExit).toBe(0);
  expect(logLines(post, /^Logged out of /)).toHaveLength(1000);
  expect(steps.after.post?.config).toEqual({ auths: {} });
  expect(steps.after.post?.temp).toEqual([]);
  expectHygiene(steps, logins);
}, 180_000);
