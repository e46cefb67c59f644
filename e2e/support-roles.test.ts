// The stand-ins for roles, checked with the real clients: the runner's OIDC token service with
// @actions/core's getIDToken, STS with the AWS CLI, and the ECR stand-in with the credentials
// STS hands out.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { generateKeyPairSync, verify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import { NODE_BIN, REPO_ROOT } from './support/action-yml.ts';
import { TEST_CREDENTIALS } from './support/ecr-endpoint.ts';
import { DEFAULT_SUB, GITHUB_ISSUER } from './support/oidc.ts';
import { awsCli } from './support/prereqs.ts';
import { run } from './support/proc.ts';
import { like } from './support/sts-checks.ts';
import { useWorld } from './support/use-world.ts';

const AWS = awsCli() ?? 'aws';
const [ACCOUNT, OTHER] = ['111111111111', '222222222222'];
const ROLE = `arn:aws:iam::${ACCOUNT}:role/ecr-push`;
const CHAINED = `arn:aws:iam::${ACCOUNT}:role/ecr-chained`;
const world = useWorld([], {
  prereqs: ['aws'],
  roles: [
    { arn: ROLE, account: ACCOUNT, trust: { aud: 'sts.amazonaws.com', sub: 'repo:octo-org/*' } },
    {
      ...{ arn: CHAINED, account: ACCOUNT, callers: [TEST_CREDENTIALS.accessKeyId] },
      trust: { aud: 'sts.amazonaws.com', sub: 'nobody' },
    },
  ],
});
let ca = '';
beforeAll(async () => {
  world.answer(ACCOUNT, 'pw-role-account', '127.0.0.1:5999');
  ca = await readFile(world.certs.caCert, 'utf8');
});

const payload = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >;

/** @actions/core's getIDToken(audience), in a process with `env`: its token, or its error. */
async function getIDToken(audience: string, env = world.oidc.env) {
  const script = [
    "import { getIDToken } from '@actions/core';",
    `const got = await getIDToken(${JSON.stringify(audience)}).catch((e) => e.message);`,
    "console.log('=' + JSON.stringify(got));",
  ].join('\n');
  const r = await run(NODE_BIN, ['--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  const last = r.stdout.split('\n').find((line) => line.startsWith('='));
  return JSON.parse(last?.slice(1) ?? '""') as string;
}

/** The AWS CLI against the stand-ins (`--endpoint-url` = the STS or ECR one), as JSON. */
async function aws(args: string[], env: Record<string, string> = {}) {
  const r = await run(AWS, [...args, '--region', 'eu-west-1', '--output', 'json'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: world.certs.dir,
      AWS_CA_BUNDLE: world.certs.caCert,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      ...env,
    },
  });
  return { ...r, json: r.code === 0 ? (JSON.parse(r.stdout) as Record<string, unknown>) : {} };
}
const sts = (args: string[], env?: Record<string, string>) =>
  aws(['sts', ...args, '--endpoint-url', world.sts.url], env);
const webIdentity = (token: string, role = ROLE) =>
  sts([
    ...['assume-role-with-web-identity', '--role-arn', role, '--role-session-name', 'e2e-s1'],
    ...['--web-identity-token', token, '--duration-seconds', '900'],
  ]);

/** POSTs a Query API form to STS, unsigned. */
function postSts(form: Record<string, string>) {
  return new Promise<{ status: number; requestId: unknown; body: string }>((resolve, reject) => {
    const headers = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
    const req = https.request(world.sts.url, { method: 'POST', ca, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => {
        const requestId = res.headers['x-amzn-requestid'];
        resolve({ status: res.statusCode ?? 0, requestId, body });
      });
    });
    req.on('error', reject).end(new URLSearchParams(form).toString());
  });
}

describe('OIDC token service', () => {
  test('getIDToken gets a GitHub-shaped RS256 token for the audience it asks for', async () => {
    const token = await getIDToken('sts.amazonaws.com');
    const [header = '', body = '', signature = ''] = token.split('.');
    const data = Buffer.from(`${header}.${body}`);
    expect(verify('sha256', data, world.oidc.publicKey, Buffer.from(signature, 'base64url'))).toBe(
      true,
    );
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({
      ...{ typ: 'JWT', alg: 'RS256', kid: world.oidc.kid },
    });
    const claims = payload(token);
    expect(claims).toMatchObject({
      iss: GITHUB_ISSUER,
      aud: 'sts.amazonaws.com',
      sub: DEFAULT_SUB,
    });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(300);
    expect(world.oidc.requests).toEqual([
      expect.objectContaining({ audience: 'sts.amazonaws.com', apiVersion: '2.0', status: 200 }),
    ]);
  }, 30_000);

  test('a wrong request token is refused with 401', async () => {
    const env = { ...world.oidc.env, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'wrong' };
    expect(await getIDToken('sts.amazonaws.com', env)).toContain('Error Code : 401');
    expect(world.oidc.requests.map((r) => [r.authorized, r.status, r.token])).toEqual([
      [false, 401, undefined],
    ]);
  }, 30_000);
});

describe('STS', () => {
  test('a token verifies: the role’s credentials get an ECR token for its account only', async () => {
    const r = await webIdentity(world.oidc.issue('sts.amazonaws.com'));
    expect(r.stderr).toBe('');
    const out = r.json as {
      Credentials: Record<string, string>;
      AssumedRoleUser: { Arn: string };
      SubjectFromWebIdentityToken: string;
    };
    expect(out.Credentials.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(out.AssumedRoleUser.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/ecr-push/e2e-s1`);
    expect(out.SubjectFromWebIdentityToken).toBe(DEFAULT_SUB);
    const expiresIn = Date.parse(out.Credentials.Expiration ?? '') - Date.now();
    expect(expiresIn).toBeGreaterThan(880_000);
    expect(expiresIn).toBeLessThanOrEqual(900_000);
    expect(world.sts.requests).toEqual([
      expect.objectContaining({
        ...{ action: 'AssumeRoleWithWebIdentity', roleArn: ROLE, sessionName: 'e2e-s1' },
        ...{ durationSeconds: 900, status: 200, accessKeyId: undefined },
        claims: expect.objectContaining({ aud: 'sts.amazonaws.com', sub: DEFAULT_SUB }),
      }),
    ]);
    // Each secret is one the world told every run about beforehand.
    expect(world.secrets).toEqual(
      expect.arrayContaining([out.Credentials.SecretAccessKey, out.Credentials.SessionToken]),
    );
    const role = {
      AWS_ACCESS_KEY_ID: out.Credentials.AccessKeyId ?? '',
      AWS_SECRET_ACCESS_KEY: out.Credentials.SecretAccessKey ?? '',
      AWS_SESSION_TOKEN: out.Credentials.SessionToken ?? '',
    };
    const ecr = (ids: string[], env: Record<string, string>) =>
      aws(
        [
          'ecr',
          'get-authorization-token',
          '--endpoint-url',
          world.endpoint.url,
          '--registry-ids',
          ...ids,
        ],
        env,
      );
    const own = await ecr([ACCOUNT], role);
    expect(own.stderr).toBe('');
    expect(world.endpoint.requests.at(-1)).toMatchObject({
      ...{ accessKeyId: role.AWS_ACCESS_KEY_ID, registryIds: [ACCOUNT], status: 200 },
    });
    expect((await ecr([ACCOUNT, OTHER], role)).stderr).toContain(
      `(AccessDeniedException) when calling the GetAuthorizationToken operation: User: ` +
        `arn:aws:sts::${ACCOUNT}:assumed-role/ecr-push/e2e-s1 is not authorized to perform: ` +
        `ecr:GetAuthorizationToken on registry ${OTHER}`,
    );
    const { AWS_SESSION_TOKEN: _token, ...withoutToken } = role;
    expect((await ecr([ACCOUNT], withoutToken)).stderr).toContain('(UnrecognizedClientException)');
  }, 60_000);

  test.each([
    {
      what: 'a forged token (another key)',
      token: () =>
        world.oidc.issue(
          'sts.amazonaws.com',
          {},
          generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
        ),
      code: 'InvalidIdentityToken',
    },
    {
      what: 'an expired token',
      token: () =>
        world.oidc.issue('sts.amazonaws.com', { exp: Math.floor(Date.now() / 1000) - 1 }),
      code: 'ExpiredTokenException',
    },
    {
      what: 'another issuer',
      token: () => world.oidc.issue('sts.amazonaws.com', { iss: 'https://example.com' }),
      code: 'InvalidIdentityToken',
    },
    {
      what: 'another audience',
      token: () => world.oidc.issue('my-aud'),
      code: 'AccessDenied',
    },
    {
      what: 'a sub the trust policy does not allow',
      token: () =>
        world.oidc.issue('sts.amazonaws.com', {
          sub: 'repo:evil-org/octo-repo:ref:refs/heads/main',
        }),
      code: 'AccessDenied',
    },
  ])(
    '$what is refused: $code, no credentials',
    async ({ token, code }) => {
      const r = await webIdentity(token());
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`(${code}) when calling the AssumeRoleWithWebIdentity operation`);
      expect(world.sts.requests.map((q) => [q.errorCode, q.issued])).toEqual([[code, undefined]]);
    },
    30_000,
  );

  test('a refusal by the trust policy is a 403 AccessDenied ErrorResponse with a request ID', async () => {
    const r = await postSts({
      ...{ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: CHAINED },
      ...{ RoleSessionName: 's', WebIdentityToken: world.oidc.issue('sts.amazonaws.com') },
    });
    expect(r.status).toBe(400);
    expect(r.body).toContain('<Code>ValidationError</Code>');
    const denied = await postSts({
      ...{ Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: CHAINED },
      ...{ RoleSessionName: 'e2e', WebIdentityToken: world.oidc.issue('sts.amazonaws.com') },
    });
    expect(denied.status).toBe(403);
    expect(denied.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(denied.body).toBe(
      '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>' +
        '<Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRoleWithWebIdentity' +
        `</Message></Error><RequestId>${String(denied.requestId)}</RequestId></ErrorResponse>`,
    );
  });

  test('AssumeRole: signed by an allowed caller it works; a wrong signature or another caller is refused', async () => {
    const assume = (role: string, env?: Record<string, string>) =>
      sts(['assume-role', '--role-arn', role, '--role-session-name', 'chain'], env);
    const ok = await assume(CHAINED);
    expect(ok.stderr).toBe('');
    expect((ok.json.Credentials as Record<string, string>).AccessKeyId).toMatch(/^ASIA/);
    const wrong = await assume(CHAINED, {
      AWS_SECRET_ACCESS_KEY: 'wrongSecretKey/00000000000000000000000+1',
    });
    expect(wrong.stderr).toContain('(SignatureDoesNotMatch) when calling the AssumeRole operation');
    const denied = await assume(ROLE);
    expect(denied.stderr).toContain(
      '(AccessDenied) when calling the AssumeRole operation: User: arn:aws:iam::123456789012:user/e2e ' +
        `is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`,
    );
    expect(
      world.sts.requests.map((q) => [
        q.action,
        q.accessKeyId,
        q.region,
        q.durationSeconds,
        q.status,
        q.errorCode,
      ]),
    ).toEqual([
      ['AssumeRole', TEST_CREDENTIALS.accessKeyId, 'eu-west-1', undefined, 200, undefined],
      [
        'AssumeRole',
        TEST_CREDENTIALS.accessKeyId,
        'eu-west-1',
        undefined,
        403,
        'SignatureDoesNotMatch',
      ],
      ['AssumeRole', TEST_CREDENTIALS.accessKeyId, 'eu-west-1', undefined, 403, 'AccessDenied'],
    ]);
  }, 60_000);
});

test.each([
  ['repo:octo-org/*', 'repo:octo-org/octo-repo:ref:refs/heads/main', true],
  [
    'repo:octo-org/octo-repo:ref:refs/heads/main',
    'repo:octo-org/octo-repo:ref:refs/heads/mainx',
    false,
  ],
  ['repo:octo-org/octo-repo:environment:?rod', 'repo:octo-org/octo-repo:environment:prod', true],
  ['repo:octo.org/*', 'repo:octoXorg/a', false],
])('trust policy sub %s is like %s: %s', (pattern, value, expected) => {
  expect(like(pattern, value)).toBe(expected);
});
