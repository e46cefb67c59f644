// Uses the real @actions/core, which writes the job summary to the GITHUB_STEP_SUMMARY file.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeEach, expect, test } from '@jest/globals';
import * as core from '@actions/core';
import { writeSummary } from '../src/summary.ts';

// core.summary keeps the file it first wrote to, so the whole file shares one.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'summary-test-'));
const file = path.join(dir, 'summary.md');
beforeEach(() => {
  fs.writeFileSync(file, '');
  process.env.GITHUB_STEP_SUMMARY = file;
  core.summary.emptyBuffer();
});
afterAll(() => {
  delete process.env.GITHUB_STEP_SUMMARY;
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a table of registry, region, CLIs and expiry', async () => {
  await writeSummary(
    [
      {
        host: '111111111111.dkr.ecr.eu-west-1.amazonaws.com',
        region: 'eu-west-1',
        clis: ['docker', 'podman'],
        expiresAt: new Date('2030-01-02T03:04:05.678Z'),
      },
      {
        host: 'public.ecr.aws',
        region: 'us-east-1',
        clis: ['docker'],
        expiresAt: new Date('2030-01-02T04:00:00Z'),
      },
    ],
    0,
  );
  const text = fs.readFileSync(file, 'utf8');
  expect(text).toBe(
    '<h3>Amazon ECR login</h3>\n' +
      '<table><tr><th>Registry</th><th>Region</th><th>CLI</th><th>Credentials expire (UTC)</th></tr>' +
      '<tr><td><code>111111111111.dkr.ecr.eu-west-1.amazonaws.com</code></td><td>eu-west-1</td><td>docker, podman</td><td>2030-01-02 03:04</td></tr>' +
      '<tr><td><code>public.ecr.aws</code></td><td>us-east-1</td><td>docker</td><td>2030-01-02 04:00</td></tr>' +
      '</table>\n',
  );
});

test('with a role, an identity column: the role ARN, never a key', async () => {
  const arn = 'arn:aws:iam::111111111111:role/ecr-push';
  await writeSummary(
    [
      {
        host: 'public.ecr.aws',
        region: 'us-east-1',
        clis: ['docker'],
        expiresAt: new Date('2030-01-02T04:00:00Z'),
        identity: arn,
      },
      {
        host: '222222222222.dkr.ecr.eu-west-1.amazonaws.com',
        region: 'eu-west-1',
        clis: ['docker'],
        expiresAt: new Date('2030-01-02T04:00:00Z'),
      },
    ],
    0,
  );
  expect(fs.readFileSync(file, 'utf8')).toBe(
    '<h3>Amazon ECR login</h3>\n' +
      '<table><tr><th>Registry</th><th>Region</th><th>CLI</th><th>Identity</th><th>Credentials expire (UTC)</th></tr>' +
      `<tr><td><code>public.ecr.aws</code></td><td>us-east-1</td><td>docker</td><td><code>${arn}</code></td><td>2030-01-02 04:00</td></tr>` +
      "<tr><td><code>222222222222.dkr.ecr.eu-west-1.amazonaws.com</code></td><td>eu-west-1</td><td>docker</td><td>the job's credentials</td><td>2030-01-02 04:00</td></tr>" +
      '</table>\n',
  );
});

test('says when nothing was logged in to, and how many logins failed', async () => {
  await writeSummary([], 2);
  expect(fs.readFileSync(file, 'utf8')).toBe(
    '<h3>Amazon ECR login</h3>\nNo registry was logged in to.\n2 login(s) failed: see the log.\n',
  );
});

test('writes nothing outside a runner', async () => {
  delete process.env.GITHUB_STEP_SUMMARY;
  await writeSummary([], 0);
  expect(fs.readFileSync(file, 'utf8')).toBe('');
});
