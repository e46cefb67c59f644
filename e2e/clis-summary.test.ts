// The job summary: one table row per registry logged in to (region, CLIs, expiry), the number of
// failed logins, and nothing secret.
import { beforeAll, expect, test } from '@jest/globals';
import { runSteps, type Steps } from './support/jobs.ts';
import { CONTAINER_CLIS } from './support/prereqs.ts';
import { useWorld } from './support/use-world.ts';

const REGION = 'eu-west-1';
const A = '230000000001';
const B = '230000000002';
const BAD = '230000000003';
const PASSWORD_A = 'a-clis-summary-password-0001';
const PASSWORD_B = 'b-clis-summary-password-0002';
const PASSWORD_BAD = 'c-clis-summary-password-0003';
const WRONG = 'd-clis-summary-wrong-password';
const world = useWorld(
  [
    { account: A, password: PASSWORD_A },
    { account: B, password: PASSWORD_B },
    { account: BAD, password: PASSWORD_BAD, answer: WRONG },
  ],
  { prereqs: [...CONTAINER_CLIS] },
);
let hostA = '';
let hostB = '';
beforeAll(() => {
  [hostA = '', hostB = ''] = world.hosts;
});

const HEADING = '<h3>Amazon ECR login</h3>\n';
const HEADER_ROW =
  '<tr><th>Registry</th><th>Region</th><th>CLI</th><th>Credentials expire (UTC)</th></tr>';
const ROW = /<tr><td>.*?<\/td><\/tr>/g;

/** `2026-01-02T03:04:05.000Z` as the summary shows it: `2026-01-02 03:04` (UTC). */
const shown = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
const row = (host: string, clis: string, expiresAt: string) =>
  `<tr><td><code>${host}</code></td><td>${REGION}</td><td>${clis}</td><td>${shown(expiresAt)}</td></tr>`;

/** The summary split into its rows (sorted: logins finish in any order) and the rest. */
function parse(run: Steps): { rows: string[]; rest: string } {
  const summary = run.main.summary;
  return { rows: (summary.match(ROW) ?? []).sort(), rest: summary.replace(ROW, '<row>') };
}

function expectNothingSecret(run: Steps): void {
  expect(run.leaks).toEqual([]);
  for (const secret of world.secrets) expect(run.main.summary).not.toContain(secret);
}

test('two registries logged in with docker and podman: a row for each, with region, CLIs and expiry', async () => {
  const run = await runSteps(world, {
    inputs: { registries: `${A}, ${B}`, region: REGION, 'container-cli': 'docker, podman' },
  });
  expect([run.main.mainExit, run.post?.postExit]).toEqual([0, 0]);
  const expiresAt = run.main.outputs['expires-at'] ?? '';
  expect(expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  expect(parse(run)).toEqual({
    rows: [row(hostA, 'docker, podman', expiresAt), row(hostB, 'docker, podman', expiresAt)].sort(),
    rest: `${HEADING}<table>${HEADER_ROW}<row><row></table>\n`,
  });
  // The post step adds nothing to the summary.
  expect(run.post?.summary).toBe('');
  expectNothingSecret(run);
}, 90_000);

test('one of two registries refuses: its row is missing and the summary says 1 login(s) failed', async () => {
  const run = await runSteps(world, {
    inputs: { registries: `${A}, ${BAD}`, region: REGION, 'container-cli': 'podman' },
  });
  expect([run.main.mainExit, run.post?.postExit]).toEqual([1, 0]);
  const expiresAt = run.main.outputs['expires-at'] ?? '';
  expect(parse(run)).toEqual({
    rows: [row(hostA, 'podman', expiresAt)],
    rest: `${HEADING}<table>${HEADER_ROW}<row></table>\n1 login(s) failed: see the log.\n`,
  });
  expectNothingSecret(run);
}, 90_000);

test('every login refused: no table, and the count of failures', async () => {
  const run = await runSteps(world, {
    inputs: { registries: BAD, region: REGION, 'container-cli': 'podman, skopeo' },
  });
  expect([run.main.mainExit, run.post?.postExit]).toEqual([1, 0]);
  expect(run.main.summary).toBe(
    `${HEADING}No registry was logged in to.\n2 login(s) failed: see the log.\n`,
  );
  expectNothingSecret(run);
}, 90_000);

test('a job summary that cannot be written is a warning: the logins and outputs stand', async () => {
  const run = await runSteps(world, {
    inputs: { registries: A, region: REGION },
    unwritableSummary: true,
  });
  expect([run.main.mainExit, run.post?.postExit]).toEqual([0, 0]);
  expect(run.main.log).toMatch(
    /^Warning: The job summary could not be written: Unable to access summary file: '.*'/m,
  );
  expect(run.main.outputs.registry).toBe(hostA);
  expect(run.logins.map((l) => l.host)).toEqual([hostA]);
  expectNothingSecret(run);
});
