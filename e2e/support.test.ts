// What the suites cannot check themselves: that each stand-in refuses what the real service
// refuses (a stand-in that took anything would make every suite that uses it meaningless), and
// that the log check finds a secret printed before its mask. What the stand-ins accept, the
// suites exercise.
import { expect, test } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { TEST_CREDENTIALS } from './support/ecr-endpoint.ts';
import { awsCli } from './support/prereqs.ts';
import { run } from './support/proc.ts';
import { useWorld } from './support/use-world.ts';
import { LogProcessor } from './support/workflow-log.ts';

const ROLE = 'arn:aws:iam::111111111111:role/ecr-push';
const aud = 'sts.amazonaws.com';
const world = useWorld([], {
  prereqs: ['aws'],
  roles: [
    {
      ...{ arn: ROLE, account: '111111111111', trust: { aud, sub: 'repo:octo-org/*' } },
      callers: [TEST_CREDENTIALS.accessKeyId],
    },
  ],
});

/** A request to a stand-in (HTTPS ones with the world's CA): its status and body. */
async function send(url: string, options: https.RequestOptions, body = '') {
  const ca = await readFile(world.certs.caCert, 'utf8');
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const answered = (res: http.IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: text });
      });
    };
    const req = url.startsWith('https:')
      ? https.request(url, { ...options, ca }, answered)
      : http.request(url, options, answered);
    req.on('error', reject).end(body);
  });
}

test('the OIDC token service refuses a wrong request token', async () => {
  const url = `${world.oidc.url}&audience=${aud}`;
  const answer = await send(url, { headers: { authorization: 'Bearer wrong' } });
  expect(answer.status).toBe(401);
  expect(world.oidc.requests.map((r) => [r.authorized, r.status, r.token])).toEqual([
    [false, 401, undefined],
  ]);
});

test.each([
  {
    what: 'a token signed with another key',
    token: () =>
      world.oidc.issue(aud, {}, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
    code: 'InvalidIdentityToken',
  },
  {
    what: 'an expired token',
    token: () => world.oidc.issue(aud, { exp: Math.floor(Date.now() / 1000) - 1 }),
    code: 'ExpiredTokenException',
  },
  {
    what: 'a token of another issuer',
    token: () => world.oidc.issue(aud, { iss: 'https://example.com' }),
    code: 'InvalidIdentityToken',
  },
])('STS refuses $what: $code, no credentials', async ({ token, code }) => {
  const form = {
    ...{ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: ROLE },
    ...{ RoleSessionName: 'e2e', WebIdentityToken: token() },
  };
  const headers = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
  const answer = await send(
    world.sts.url,
    { method: 'POST', headers },
    new URLSearchParams(form).toString(),
  );
  expect([answer.status, answer.body]).toEqual([
    400,
    expect.stringContaining(`<Code>${code}</Code>`),
  ]);
  expect(world.sts.requests.map((r) => [r.errorCode, r.issued])).toEqual([[code, undefined]]);
});

test('STS refuses an AssumeRole whose signature does not match the caller’s key', async () => {
  const r = await run(
    awsCli() ?? 'aws',
    [
      ...['sts', 'assume-role', '--role-arn', ROLE, '--role-session-name', 'chain'],
      ...['--endpoint-url', world.sts.url, '--region', 'eu-west-1'],
    ],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: world.certs.dir,
        AWS_CA_BUNDLE: world.certs.caCert,
        AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: 'wrongSecretKey/00000000000000000000000+1',
      },
    },
  );
  expect(r.stderr).toContain('(SignatureDoesNotMatch) when calling the AssumeRole operation');
  expect(world.sts.requests.map((q) => [q.accessKeyId, q.status, q.errorCode])).toEqual([
    [TEST_CREDENTIALS.accessKeyId, 403, 'SignatureDoesNotMatch'],
  ]);
}, 30_000);

test('the log check flags a secret printed before its ::add-mask::, and masks it after', () => {
  const log = new LogProcessor(['s3cret-value'], false);
  for (const line of ['early s3cret-value', '::add-mask::s3cret-value', 'late s3cret-value']) {
    log.line('main', 'stdout', line);
  }
  expect(log.leaks).toEqual(['main stdout: secret #0 appears unmasked']);
  expect(log.rendered).toEqual(['early s3cret-value', 'late ***']);
});
