import { beforeAll, describe, expect, test } from '@jest/globals';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import {
  ECRPUBLICClient,
  GetAuthorizationTokenCommand as GetPublicToken,
} from '@aws-sdk/client-ecr-public';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import { NODE_BIN, REPO_ROOT } from './support/action-yml.ts';
import { TEST_CREDENTIALS } from './support/ecr-endpoint.ts';
import { awsCli, checkPrereqs } from './support/prereqs.ts';
import { run, runOk } from './support/proc.ts';
import { useWorld } from './support/use-world.ts';

const AWS = awsCli() ?? 'aws';
const ACCOUNT = '123456789012';
const OTHER = '210987654321';
const world = useWorld([], {
  prereqs: ['aws'],
  endpoint: {
    credentials: [
      TEST_CREDENTIALS,
      { accessKeyId: 'ASIATEMP', secretAccessKey: 's', sessionToken: 'tok' },
    ],
  },
});
beforeAll(() => {
  world.answer(ACCOUNT, 'pw-main', '127.0.0.1:5999');
  world.auth['eu-west-1/public'] = { password: 'x' };
});

describe('certs', () => {
  test('server certificate chains to the CA and names 127.0.0.1 and localhost', async () => {
    await runOk('openssl', ['verify', '-CAfile', world.certs.caCert, world.certs.cert]);
    const san = await runOk('openssl', [
      'x509',
      '-in',
      world.certs.cert,
      '-noout',
      '-ext',
      'subjectAltName',
    ]);
    expect(san.stdout).toContain('IP Address:127.0.0.1, DNS:localhost');
  });
});

describe('ECR endpoint with the AWS CLI', () => {
  const cli = (args: string[], env: Record<string, string> = {}) =>
    run(AWS, [...args, '--endpoint-url', world.endpoint.url], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: world.certs.dir,
        AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
        AWS_CA_BUNDLE: world.certs.caCert,
        ...env,
      },
    });

  test('ecr get-login-password prints the configured password', async () => {
    const r = await cli(['ecr', 'get-login-password', '--region', 'eu-west-1']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('pw-main\n');
    expect(world.endpoint.requests.at(-1)).toMatchObject({
      region: 'eu-west-1',
      signatureValid: true,
      status: 200,
    });
  }, 30_000);

  test('ecr-public get-login-password', async () => {
    const r = await cli(['ecr-public', 'get-login-password', '--region', 'us-east-1']);
    expect(r.stdout).toBe('pw-public\n');
    expect(world.endpoint.requests.at(-1)?.target).toBe(
      'SpencerFrontendService.GetAuthorizationToken',
    );
  }, 30_000);

  test('a wrong secret key is an InvalidSignatureException', async () => {
    const r = await cli(['ecr', 'get-login-password', '--region', 'eu-west-1'], {
      AWS_SECRET_ACCESS_KEY: 'nope',
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('InvalidSignatureException');
  }, 30_000);

  test('ECR Public only accepts us-east-1 in the credential scope', async () => {
    const r = await cli(['ecr-public', 'get-login-password', '--region', 'eu-west-1']);
    expect(r.stderr).toContain("Credential should be scoped to a valid region, not 'eu-west-1'.");
  }, 30_000);
});

describe('ECR endpoint with the AWS SDK', () => {
  let ca = '';
  const requestHandler = () => ({ httpsAgent: new https.Agent({ ca }) });
  const client = (secretAccessKey = TEST_CREDENTIALS.secretAccessKey, sessionToken?: string) =>
    new ECRClient({
      region: 'eu-central-1',
      endpoint: world.endpoint.url,
      maxAttempts: 3,
      credentials: {
        accessKeyId: sessionToken ? 'ASIATEMP' : TEST_CREDENTIALS.accessKeyId,
        secretAccessKey,
        sessionToken,
      },
      requestHandler: requestHandler(),
    });
  beforeAll(async () => {
    ca = await readFile(world.certs.caCert, 'utf8');
  });

  test('one entry per registry ID, proxyEndpoint from the table', async () => {
    // registryIds is deprecated in the SDK but still sent by clients that name other accounts.
    const input = { registryIds: [ACCOUNT, OTHER] };
    const out = await client().send(new GetAuthorizationTokenCommand(input));
    const [own, other] = out.authorizationData ?? [];
    expect(Buffer.from(own?.authorizationToken ?? '', 'base64').toString()).toBe('AWS:pw-main');
    expect(own?.proxyEndpoint).toBe('https://127.0.0.1:5999');
    expect(other?.proxyEndpoint).toBe(`https://${OTHER}.dkr.ecr.eu-central-1.amazonaws.com`);
    expect(own?.expiresAt?.getTime()).toBeGreaterThan(Date.now() + 11 * 3600_000);
    expect(world.endpoint.requests.at(-1)?.registryIds).toEqual([ACCOUNT, OTHER]);
  });

  test('session tokens are checked; wrong secrets are InvalidSignatureException', async () => {
    await expect(
      client('s', 'tok').send(new GetAuthorizationTokenCommand({})),
    ).resolves.toBeDefined();
    await expect(client('s', 'other').send(new GetAuthorizationTokenCommand({}))).rejects.toThrow(
      'The security token included in the request is invalid.',
    );
    await expect(client('wrong').send(new GetAuthorizationTokenCommand({}))).rejects.toMatchObject({
      name: 'InvalidSignatureException',
    });
  });

  test('injected failures, retries and latency', async () => {
    world.endpoint.failNext('ThrottlingException');
    world.endpoint.failNext('ServiceUnavailable');
    const before = world.endpoint.requests.length;
    await client().send(new GetAuthorizationTokenCommand({}));
    expect(world.endpoint.requests.slice(before).map((r) => r.status)).toEqual([400, 503, 200]);
    world.endpoint.failNext('AccessDeniedException');
    await expect(client().send(new GetAuthorizationTokenCommand({}))).rejects.toThrow(
      `User: arn:aws:iam::${ACCOUNT}:user/x is not authorized to perform: ecr:GetAuthorizationToken`,
    );
    world.endpoint.latencyMs = 300;
    const started = Date.now();
    const pub = new ECRPUBLICClient({
      region: 'us-east-1',
      endpoint: world.endpoint.url,
      credentials: TEST_CREDENTIALS,
      requestHandler: requestHandler(),
    });
    const out = await pub.send(new GetPublicToken({}));
    world.endpoint.latencyMs = 0;
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(out.authorizationData?.authorizationToken).toBe(
      Buffer.from('AWS:pw-public').toString('base64'),
    );
  }, 30_000);

  test('errors carry __type and x-amzn-errortype', async () => {
    const res = await new Promise<{
      status: number;
      headers: NodeJS.Dict<string | string[]>;
      body: string;
    }>((resolve, reject) => {
      const req = https.request(world.endpoint.url, { method: 'POST', ca }, (r) => {
        let body = '';
        r.setEncoding('utf8').on('data', (d: string) => (body += d));
        r.on('end', () => {
          resolve({ status: r.statusCode ?? 0, headers: r.headers, body });
        });
      });
      req.on('error', reject);
      req.end('{}');
    });
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(res.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');
    expect(JSON.parse(res.body)).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
  });
});

test('the SDK finds the endpoint through AWS_ENDPOINT_URL_ECR and NODE_EXTRA_CA_CERTS', async () => {
  const script = [
    "import { ECRClient, GetAuthorizationTokenCommand as C } from '@aws-sdk/client-ecr';",
    'const out = await new ECRClient({}).send(new C({}));',
    'console.log(out.authorizationData[0].proxyEndpoint);',
  ].join('\n');
  const r = await run(NODE_BIN, ['--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'ap-south-1',
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_ECR: world.endpoint.url,
      NODE_EXTRA_CA_CERTS: world.certs.caCert,
    },
  });
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe('https://127.0.0.1:5999\n');
  expect(world.endpoint.requests.at(-1)?.region).toBe('ap-south-1');
}, 30_000);

describe('prereqs', () => {
  test('names the package to install', () => {
    expect(() => {
      checkPrereqs(['htpasswd-nonexistent-tool']);
    }).toThrow('apt-get install htpasswd-nonexistent-tool');
  });
});
