import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import type { AuthorizationData, GetAuthorizationTokenCommandInput } from '@aws-sdk/client-ecr';
import {
  ECRPUBLICClient,
  GetAuthorizationTokenCommand as GetPublicAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr-public';
import type {
  FinalizeHandler,
  FinalizeHandlerArguments,
  FinalizeRequestMiddleware,
  MiddlewareStack,
} from '@smithy/types';
import { mockClient } from 'aws-sdk-client-mock';
import * as core from '../__fixtures__/core.ts';
import { withRegion } from '../src/registries.ts';
import type { ResolvedTarget } from '../src/registries.ts';

jest.unstable_mockModule('@actions/core', () => core);
const { fetchCredentials: fetchAll, resolveRegion } = await import('../src/ecr.ts');
const { parseEntry } = await import('../src/inputs.ts');
/** fetchCredentials, each target's Error thrown: most tests look at what was served. */
const fetchCredentials = async (...args: Parameters<typeof fetchAll>) =>
  (await fetchAll(...args)).map((credential) => {
    if (credential instanceof Error) throw credential;
    return credential;
  });
const { decodeToken } = await import('../src/credential.ts');
const { Deadline, clientConfig, logRetries } = await import('../src/aws-client.ts');
type Group = Parameters<typeof fetchCredentials>[0];

const ecrMock = mockClient(ECRClient);
const publicMock = mockClient(ECRPUBLICClient);

const ACCOUNT = '123456789012';
const OTHER = '210987654321';
const EXPIRES = new Date('2030-01-02T03:04:05Z');
const OPTIONS = { proxy: {}, maskPassword: true, deadline: new Deadline(60_000) };

const savedEnv = { ...process.env };
let tmp: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ecr-test-'));
  // Keep the machine's AWS settings out: no region, no profile, no shared files.
  const names = ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE'];
  for (const name of [...names, 'AWS_MAX_ATTEMPTS', 'AWS_RETRY_MODE']) {
    Reflect.deleteProperty(process.env, name);
  }
  process.env.AWS_CONFIG_FILE = path.join(tmp, 'missing-config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(tmp, 'missing-credentials');
  ecrMock.reset();
  publicMock.reset();
  core.reset();
});

afterEach(() => {
  for (const name of Object.keys(process.env)) {
    if (!(name in savedEnv)) Reflect.deleteProperty(process.env, name);
  }
  Object.assign(process.env, savedEnv);
  fs.rmSync(tmp, { recursive: true, force: true });
  jest.restoreAllMocks();
  jest.useRealTimers();
});

/** An ECR authorization token: base64 of `<username>:<password>`. */
function tokenOf(password: string, username = 'AWS'): string {
  return Buffer.from(`${username}:${password}`).toString('base64');
}

/** One AuthorizationData item, as ECR answers it. */
function item(host: string, password: string): AuthorizationData {
  return {
    authorizationToken: tokenOf(password),
    proxyEndpoint: `https://${host}`,
    expiresAt: EXPIRES,
  };
}

function privateGroup(region: string, targets: ResolvedTarget[]): Group {
  return { region, public: false, targets };
}

/** The caller's own registry in us-east-1. */
const ownGroup = (): Group => privateGroup('us-east-1', [{ kind: 'default', region: 'us-east-1' }]);

function publicGroup(): Group {
  return {
    region: 'us-east-1',
    public: true,
    targets: [{ kind: 'public', region: 'us-east-1', host: 'public.ecr.aws' }],
  };
}

function registryIdsOf(input: GetAuthorizationTokenCommandInput): string[] | undefined {
  // Deprecated in the SDK model, but it is exactly what ecr.ts must send.
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  return input.registryIds;
}

/** The inputs of every GetAuthorizationToken call to (private) ECR, in call order. */
function sentInputs(): GetAuthorizationTokenCommandInput[] {
  return ecrMock.commandCalls(GetAuthorizationTokenCommand).map((call) => call.args[0].input);
}

/** The error a promise rejects with; fails the test if it resolves or rejects with a non-Error. */
async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`, { cause: error });
  }
  throw new Error('resolved, expected a rejection');
}

/** The proxyEnv an agent was made with (Node keeps its options, untyped, on `options`). */
function proxyEnvOf(agent: http.Agent): unknown {
  return (agent as unknown as { options: http.AgentOptions }).options.proxyEnv;
}

function awsServiceError(name: string, message: string, attempts?: number): Error {
  const error = new Error(message);
  error.name = name;
  return attempts === undefined ? error : Object.assign(error, { $metadata: { attempts } });
}

describe('resolveRegion', () => {
  test.each<[string, string | undefined, NodeJS.ProcessEnv, string]>([
    [
      'the input wins over the environment',
      'ap-south-1',
      { AWS_REGION: 'eu-west-1' },
      'ap-south-1',
    ],
    [
      'AWS_REGION wins over AWS_DEFAULT_REGION',
      undefined,
      { AWS_REGION: 'eu-west-1' },
      'eu-west-1',
    ],
    ['AWS_DEFAULT_REGION without AWS_REGION', undefined, {}, 'eu-west-2'],
    ['AWS_DEFAULT_REGION with an empty AWS_REGION', undefined, { AWS_REGION: '' }, 'eu-west-2'],
  ])('%s', async (_name, input, env, expected) => {
    Object.assign(process.env, { AWS_DEFAULT_REGION: 'eu-west-2' }, env);
    await expect(resolveRegion(input)).resolves.toBe(expected);
  });

  test('without input or variables, the region of the shared config profile is used', async () => {
    const config = path.join(tmp, 'config');
    fs.writeFileSync(
      config,
      '[default]\nregion = us-west-2\n[profile ci]\nregion = ca-central-1\n',
    );
    process.env.AWS_CONFIG_FILE = config;
    process.env.AWS_PROFILE = 'ci';
    await expect(resolveRegion(undefined)).resolves.toBe('ca-central-1');
  });

  test('with no region anywhere, says how to set one', async () => {
    const error = await rejectionOf(resolveRegion(undefined));
    expect(error.message).toContain("Set the 'region' input");
    expect(error.message).toContain('AWS_REGION');
  });

  test.each(['AWS_REGION', 'AWS_DEFAULT_REGION'])(
    'an invalid region in %s is rejected, naming it',
    async (name) => {
      process.env[name] = 'us-east-1a';
      await expect(resolveRegion(undefined)).rejects.toThrow(
        new Error("Invalid AWS region 'us-east-1a': expected a region such as us-east-1."),
      );
    },
  );
});

describe('clientConfig', () => {
  test('by default: 10 attempts in adaptive mode, the region, the user agent, the proxy', () => {
    const config = clientConfig('eu-west-1', { HTTPS_PROXY: 'http://proxy.example.com:3128/' });
    expect(config).toEqual({
      region: 'eu-west-1',
      customUserAgent: 'ecr-login-action',
      requestHandler: {
        httpAgent: expect.any(http.Agent),
        httpsAgent: expect.any(https.Agent),
        connectionTimeout: 5000,
        requestTimeout: 10000,
        throwOnRequestTimeout: true,
      },
      maxAttempts: 10,
      retryMode: 'adaptive',
    });
    const { httpsAgent } = config.requestHandler;
    expect(proxyEnvOf(httpsAgent)).toMatchObject({ HTTPS_PROXY: 'http://proxy.example.com:3128/' });
  });

  test('leaves the attempts and the retry mode to AWS_MAX_ATTEMPTS and AWS_RETRY_MODE', () => {
    process.env.AWS_MAX_ATTEMPTS = '2';
    process.env.AWS_RETRY_MODE = 'standard';
    const config = clientConfig('eu-west-1', {});
    expect(config).not.toHaveProperty('maxAttempts');
    expect(config).not.toHaveProperty('retryMode');
  });
});

describe('logRetries', () => {
  type Args = FinalizeHandlerArguments<object>;

  /**
   * Registers logRetries on a stand-in client; returns the middleware and its watch. (That it
   * sits after the SDK's retryMiddleware: the client tests of fetchCredentials.)
   */
  function register(maxAttempts: number) {
    const added: FinalizeRequestMiddleware<object, object>[] = [];
    const middlewareStack = {
      addRelativeTo: (middleware: FinalizeRequestMiddleware<object, object>) => {
        added.push(middleware);
      },
    } as unknown as MiddlewareStack<object, object>;
    const watch = logRetries(
      { config: { maxAttempts: () => Promise.resolve(maxAttempts) }, middlewareStack },
      'GetAuthorizationToken in eu-west-1',
    );
    const [middleware] = added;
    if (added.length !== 1 || middleware === undefined) throw new Error('not added once');
    return { middleware, watch };
  }

  test('logs each retry with its number and the error before it, and passes errors on', async () => {
    const throttled = awsServiceError('ThrottlingException', 'slow down');
    const reset = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    const next = jest
      .fn<FinalizeHandler<object, object>>()
      .mockRejectedValueOnce(throttled)
      .mockRejectedValueOnce(reset)
      .mockRejectedValueOnce('not an Error')
      .mockResolvedValueOnce({ output: {}, response: {} });
    const handler = register(4).middleware(next, {});
    const args: Args = { input: {}, request: {} };

    // The retry middleware calls the handler once per attempt.
    await expect(handler(args)).rejects.toBe(throttled);
    expect(core.events).toEqual([]);
    await expect(handler(args)).rejects.toBe(reset);
    await expect(handler(args)).rejects.toBe('not an Error');
    await expect(handler(args)).resolves.toEqual({ output: {}, response: {} });

    expect(next).toHaveBeenCalledTimes(4);
    expect(core.events).toEqual([
      'info:Retrying GetAuthorizationToken in eu-west-1 (attempt 2 of 4) after ThrottlingException',
      'info:Retrying GetAuthorizationToken in eu-west-1 (attempt 3 of 4) after ECONNREFUSED',
      'info:Retrying GetAuthorizationToken in eu-west-1 (attempt 4 of 4) after an error',
    ]);
  });

  test('watches where the calls go and how many attempts the longest took', async () => {
    const { middleware, watch } = register(3);
    expect(watch).toEqual({ endpoint: undefined, attempts: 0 });
    const next = jest
      .fn<FinalizeHandler<object, object>>()
      .mockRejectedValueOnce(new Error('once'))
      .mockResolvedValue({ output: {}, response: {} });
    const handler = middleware(next, {});
    const request = { protocol: 'https:', hostname: 'api.ecr.eu-west-1.amazonaws.com' };
    await expect(handler({ input: {}, request })).rejects.toThrow('once');
    await handler({ input: {}, request: { ...request, protocol: 'http:', port: 4510 } });
    expect(watch).toEqual({ endpoint: 'http://api.ecr.eu-west-1.amazonaws.com:4510', attempts: 2 });
    await middleware(next, {})({ input: {}, request: { hostname: 'h' } });
    expect(watch).toEqual({ endpoint: 'https://h', attempts: 2 });
  });
});

describe('decodeToken', () => {
  test('keeps every colon after the first in the password', () => {
    expect(decodeToken(tokenOf('a:b:c'), true)).toEqual({ username: 'AWS', password: 'a:b:c' });
  });
});

describe('fetchCredentials (private ECR)', () => {
  test('one token for several registries is decoded and masked once', async () => {
    const accounts = ['111111111111', '222222222222', '333333333333'];
    ecrMock.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: accounts.map((a) => item(`${a}.dkr.ecr.us-east-1.amazonaws.com`, 'same')),
    });
    const credentials = await fetchCredentials(
      privateGroup(
        'us-east-1',
        accounts.map((account) => ({ kind: 'account' as const, account, region: 'us-east-1' })),
      ),
      OPTIONS,
    );
    expect(credentials.map((c) => c.password)).toEqual(['same', 'same', 'same']);
    expect(core.secrets).toEqual([tokenOf('same'), 'same']);
  });

  test('the default registry: no registry IDs sent, host from proxyEndpoint without https://', async () => {
    ecrMock
      .on(GetAuthorizationTokenCommand)
      .resolves({ authorizationData: [item(`${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`, 'pw')] });

    const credentials = await fetchCredentials(ownGroup(), OPTIONS);

    expect(sentInputs()).toEqual([{}]);
    expect(credentials).toEqual([
      {
        host: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`,
        region: 'us-east-1',
        username: 'AWS',
        password: 'pw',
        expiresAt: EXPIRES,
      },
    ]);
  });

  test('the client: the group’s region, 10 adaptive attempts, retries logged', async () => {
    ecrMock.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [item(`${ACCOUNT}.dkr.ecr.eu-central-1.amazonaws.com`, 'p')],
    });

    await fetchCredentials(
      privateGroup('eu-central-1', [{ kind: 'default', region: 'eu-central-1' }]),
      OPTIONS,
    );

    const client = ecrMock.call(0).thisValue as ECRClient;
    await expect(client.config.region()).resolves.toBe('eu-central-1');
    await expect(client.config.maxAttempts()).resolves.toBe(10);
    expect(await client.config.retryStrategy()).toHaveProperty('mode', 'adaptive');
    expect(client.middlewareStack.identify()).toContain('logRetries - after retryMiddleware');
  });

  test('25 accounts of one region: batches of 10, 10 and 5, each account on its own endpoint', async () => {
    const accounts = Array.from({ length: 25 }, (_, i) => String(100000000000 + i));
    // Like the real send, the fake answers with a promise; it answers in reverse order, so that
    // only the host can tie an item to its account.
    ecrMock.on(GetAuthorizationTokenCommand).callsFake((input: GetAuthorizationTokenCommandInput) =>
      Promise.resolve({
        authorizationData: (registryIdsOf(input) ?? [])
          .map((id) => item(`${id}.dkr.ecr.eu-west-1.amazonaws.com`, `pw-${id}`))
          .reverse(),
      }),
    );

    const credentials = await fetchCredentials(
      privateGroup(
        'eu-west-1',
        accounts.map((account) => ({ kind: 'account', account, region: 'eu-west-1' })),
      ),
      OPTIONS,
    );

    expect(sentInputs().map(registryIdsOf)).toEqual([
      accounts.slice(0, 10),
      accounts.slice(10, 20),
      accounts.slice(20),
    ]);
    expect(credentials).toEqual(
      accounts.map((account) => ({
        host: `${account}.dkr.ecr.eu-west-1.amazonaws.com`,
        region: 'eu-west-1',
        username: 'AWS',
        password: `pw-${account}`,
        expiresAt: EXPIRES,
      })),
    );
  });

  test('the default registry and an account: one call without IDs, one with the account', async () => {
    ecrMock
      .on(GetAuthorizationTokenCommand)
      .resolves({ authorizationData: [item(`${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`, 'own')] })
      .on(GetAuthorizationTokenCommand, { registryIds: [OTHER] })
      .resolves({ authorizationData: [item(`${OTHER}.dkr.ecr.us-east-1.amazonaws.com`, 'other')] });

    const credentials = await fetchCredentials(
      privateGroup('us-east-1', [
        { kind: 'account', account: OTHER, region: 'us-east-1' },
        { kind: 'default', region: 'us-east-1' },
      ]),
      OPTIONS,
    );

    expect(sentInputs()).toEqual([{}, { registryIds: [OTHER] }]);
    expect(credentials.map(({ host, password }) => ({ host, password }))).toEqual([
      { host: `${OTHER}.dkr.ecr.us-east-1.amazonaws.com`, password: 'other' },
      { host: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`, password: 'own' },
    ]);
  });

  test('an account missing from the answer gets its standard host and the region’s token', async () => {
    ecrMock.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [item(`${ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn`, 'region-pw')],
    });

    const credentials = await fetchCredentials(
      privateGroup('cn-north-1', [
        { kind: 'account', account: ACCOUNT, region: 'cn-north-1' },
        { kind: 'account', account: OTHER, region: 'cn-north-1' },
      ]),
      OPTIONS,
    );

    expect(sentInputs()).toEqual([{ registryIds: [ACCOUNT, OTHER] }]);
    expect(credentials).toEqual([
      {
        host: `${ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn`,
        region: 'cn-north-1',
        username: 'AWS',
        password: 'region-pw',
        expiresAt: EXPIRES,
      },
      {
        host: `${OTHER}.dkr.ecr.cn-north-1.amazonaws.com.cn`,
        region: 'cn-north-1',
        username: 'AWS',
        password: 'region-pw',
        expiresAt: EXPIRES,
      },
    ]);
  });

  test('endpoints that name no account are matched to accounts by position', async () => {
    ecrMock.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [
        item('ecr.proxy.internal', 'first'),
        item('ecr.proxy.internal', 'second'),
      ],
    });

    const credentials = await fetchCredentials(
      privateGroup('us-east-1', [
        { kind: 'account', account: OTHER, region: 'us-east-1' },
        { kind: 'account', account: ACCOUNT, region: 'us-east-1' },
      ]),
      OPTIONS,
    );

    expect(sentInputs()).toEqual([{ registryIds: [OTHER, ACCOUNT] }]);
    expect(credentials.map(({ host, password }) => ({ host, password }))).toEqual([
      { host: 'ecr.proxy.internal', password: 'first' },
      { host: 'ecr.proxy.internal', password: 'second' },
    ]);
  });

  test('a host entry is logged in to under the host as given, not the proxyEndpoint', async () => {
    const dualStack = `${ACCOUNT}.dkr-ecr.us-east-1.on.aws`;
    ecrMock
      .on(GetAuthorizationTokenCommand)
      .resolves({ authorizationData: [item(`${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`, 'pw')] });
    const targets = withRegion([parseEntry(dualStack), parseEntry(ACCOUNT)], 'us-east-1');

    const credentials = await fetchCredentials(privateGroup('us-east-1', targets), OPTIONS);

    // The account is asked for once, though two targets name it.
    expect(sentInputs()).toEqual([{ registryIds: [ACCOUNT] }]);
    expect(credentials.map(({ host, password }) => ({ host, password }))).toEqual([
      { host: dualStack, password: 'pw' },
      { host: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`, password: 'pw' },
    ]);
  });

  test.each<[boolean, string[]]>([
    [true, ['setSecret:the-password']],
    [false, []],
  ])(
    'maskPassword %s: the token, and then the password, masked before they are returned',
    async (maskPassword, password) => {
      const token = tokenOf('the-password');
      ecrMock.on(GetAuthorizationTokenCommand).resolves({
        authorizationData: [item(`${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`, 'the-password')],
      });
      const [credential] = await fetchCredentials(ownGroup(), { ...OPTIONS, maskPassword });
      core.events.push('returned');
      expect(credential?.password).toBe('the-password');
      expect(core.events).toEqual([
        "debug:GetAuthorizationToken in us-east-1 for the caller's own registry",
        `setSecret:${token}`,
        ...password,
        'returned',
      ]);
    },
  );

  test.each<[string, string]>([
    ['no colon', 'AWShunter2-secret'],
    ['another username', 'admin:hunter2-secret'],
    ['an empty username', ':hunter2-secret'],
    ['an empty password', 'AWS:'],
  ])(
    'a token with %s is rejected without showing the token or password',
    async (_name, decoded) => {
      const token = Buffer.from(decoded).toString('base64');
      ecrMock.on(GetAuthorizationTokenCommand).resolves({
        authorizationData: [
          { ...item(`${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`, ''), authorizationToken: token },
        ],
      });

      const error = await rejectionOf(fetchCredentials(ownGroup(), OPTIONS));

      expect(error.message).toMatch(/authorization token that is not of the form AWS:<password>/);
      expect(error.message).not.toContain(token);
      expect(error.message).not.toContain('hunter2-secret');
      expect(core.secrets).toContain(token);
    },
  );

  const own = item(`${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`, 'pw');
  test.each<[string, AuthorizationData[] | undefined, string]>([
    ['an empty list', [], 'with no authorization data.'],
    ['no list', undefined, 'with no authorization data.'],
    [
      'no token',
      [{ ...own, authorizationToken: undefined }],
      'without a token, proxy endpoint or expiry.',
    ],
    [
      'no proxy endpoint',
      [{ ...own, proxyEndpoint: undefined }],
      'without a token, proxy endpoint or expiry.',
    ],
    ['no expiry', [{ ...own, expiresAt: undefined }], 'without a token, proxy endpoint or expiry.'],
  ])('an answer with %s is a clear error', async (_name, authorizationData, what) => {
    ecrMock.on(GetAuthorizationTokenCommand).resolves({ authorizationData });
    await expect(fetchCredentials(ownGroup(), OPTIONS)).rejects.toThrow(
      new Error(`ECR in us-east-1 answered GetAuthorizationToken ${what}`),
    );
  });

  test('an SDK error is explained as awsError explains it (aws-errors.test.ts), kept as the cause', async () => {
    const sdkError = awsServiceError('ThrottlingException', 'service said no', 4);
    ecrMock.on(GetAuthorizationTokenCommand).rejects(sdkError);
    const group = privateGroup('eu-west-1', [
      { kind: 'account', account: ACCOUNT, region: 'eu-west-1' },
    ]);
    const error = await rejectionOf(fetchCredentials(group, OPTIONS));
    expect(error.message).toBe(
      'ECR GetAuthorizationToken in eu-west-1 was still throttled after 4 attempts ' +
        '(ThrottlingException: service said no).',
    );
    expect(error.cause).toBe(sdkError);
  });

  test('destroys the client after a failed call as after a successful one', async () => {
    const destroy = jest.spyOn(ECRClient.prototype, 'destroy');
    ecrMock
      .on(GetAuthorizationTokenCommand)
      .rejectsOnce(awsServiceError('AccessDeniedException', 'no'))
      .resolves({ authorizationData: [item(`${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`, 'pw')] });
    const group = ownGroup();

    await rejectionOf(fetchCredentials(group, OPTIONS));
    expect(destroy).toHaveBeenCalledTimes(1);
    await fetchCredentials(group, OPTIONS);
    expect(destroy).toHaveBeenCalledTimes(2);
  });
});

describe('trust in what the API answers', () => {
  test('a token that has already expired is used, with a warning naming the host and the times', async () => {
    const host = '111111111111.dkr.ecr.eu-west-1.amazonaws.com';
    const expired = new Date('2001-02-03T04:05:06Z');
    ecrMock.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [{ ...item(host, 'pw'), expiresAt: expired }],
    });
    const [credential] = await fetchCredentials(
      privateGroup('eu-west-1', [
        { kind: 'account', account: '111111111111', region: 'eu-west-1' },
      ]),
      OPTIONS,
    );
    expect(credential?.expiresAt).toEqual(expired);
    expect(core.warning).toHaveBeenCalledWith(
      expect.stringMatching(
        new RegExp(
          `^ECR in eu-west-1 answered a token for ${host.replace(/\./g, '\\.')} that expired at ` +
            '2001-02-03T04:05:06\\.000Z, before now \\(\\d{4}-.*\\): the runner',
        ),
      ),
    );
  });

  test('through an endpoint override any host is taken as answered (stand-ins, proxies)', async () => {
    ecrMock.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [item('127.0.0.1:5000', 'pw')],
    });
    const [credential] = await fetchCredentials(
      privateGroup('eu-west-1', [
        { kind: 'account', account: '111111111111', region: 'eu-west-1' },
      ]),
      OPTIONS,
    );
    expect(credential?.host).toBe('127.0.0.1:5000');
    expect(core.warning).not.toHaveBeenCalled();
  });
});

describe('the API phase deadline', () => {
  test('a call that is never answered ends when the deadline passes, naming the region', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
    ecrMock.on(GetAuthorizationTokenCommand).callsFake(() => new Promise(() => undefined));
    const deadline = new Deadline(30);
    const ended = expect(
      fetchCredentials(
        privateGroup('eu-west-1', [
          { kind: 'account' as const, account: '111111111111', region: 'eu-west-1' },
        ]),
        { ...OPTIONS, deadline },
      ),
    ).rejects.toThrow(
      /^ECR GetAuthorizationToken in eu-west-1 timed out: no answer within 0\.03 s\./,
    );
    await jest.advanceTimersByTimeAsync(30);
    await ended;
  });

  test('hands its signal to the SDK, so the request in flight is cancelled too', async () => {
    ecrMock.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [item('111111111111.dkr.ecr.eu-west-1.amazonaws.com', 'pw')],
    });
    const deadline = new Deadline(60_000);
    await fetchCredentials(
      privateGroup('eu-west-1', [
        { kind: 'account' as const, account: '111111111111', region: 'eu-west-1' },
      ]),
      { ...OPTIONS, deadline },
    );
    const [call] = ecrMock.commandCalls(GetAuthorizationTokenCommand);
    // client.send(command, options): the mock's type knows only the command
    const [, sendOptions] = (call?.args ?? []) as unknown[];
    expect(sendOptions).toEqual({ abortSignal: deadline.signal });
  });

  test('race: the answer when it comes first, the deadline reason when it does not', async () => {
    await expect(new Deadline(1000).race(Promise.resolve(7))).resolves.toBe(7);
    await expect(new Deadline(1000).race(Promise.reject(new Error('no')))).rejects.toThrow('no');
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
    const passed = new Deadline(1);
    await jest.advanceTimersByTimeAsync(1);
    await expect(passed.race(new Promise(() => undefined))).rejects.toThrow(
      'no answer within 0.001 s',
    );
  });
});

describe('fetchCredentials (ECR Public)', () => {
  test('calls ECR Public in us-east-1 and logs in to public.ecr.aws', async () => {
    const token = tokenOf('public-pw');
    publicMock
      .on(GetPublicAuthorizationTokenCommand)
      .resolves({ authorizationData: { authorizationToken: token, expiresAt: EXPIRES } });

    const credentials = await fetchCredentials(publicGroup(), OPTIONS);
    core.events.push('returned');

    expect(credentials).toEqual([
      {
        host: 'public.ecr.aws',
        region: 'us-east-1',
        username: 'AWS',
        password: 'public-pw',
        expiresAt: EXPIRES,
      },
    ]);
    expect(ecrMock.calls()).toHaveLength(0);
    const calls = publicMock.commandCalls(GetPublicAuthorizationTokenCommand);
    expect(calls.map((call) => call.args[0].input)).toEqual([{}]);
    const client = publicMock.call(0).thisValue as ECRPUBLICClient;
    await expect(client.config.region()).resolves.toBe('us-east-1');
    expect(core.events).toEqual([`setSecret:${token}`, 'setSecret:public-pw', 'returned']);
  });

  test('the client: 10 adaptive attempts, retries logged', async () => {
    publicMock
      .on(GetPublicAuthorizationTokenCommand)
      .resolves({ authorizationData: { authorizationToken: tokenOf('pw'), expiresAt: EXPIRES } });

    await fetchCredentials(publicGroup(), OPTIONS);

    const client = publicMock.call(0).thisValue as ECRPUBLICClient;
    await expect(client.config.maxAttempts()).resolves.toBe(10);
    expect(await client.config.retryStrategy()).toHaveProperty('mode', 'adaptive');
    expect(client.middlewareStack.identify()).toContain('logRetries - after retryMiddleware');
  });

  test('access denied names both permissions ECR Public needs', async () => {
    const sdkError = awsServiceError('AccessDeniedException', 'not authorized');
    publicMock.on(GetPublicAuthorizationTokenCommand).rejects(sdkError);

    const error = await rejectionOf(fetchCredentials(publicGroup(), OPTIONS));

    expect(error.message).toContain('ECR Public GetAuthorizationToken in us-east-1');
    expect(error.message).toContain(
      'ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken',
    );
    expect(error.cause).toBe(sdkError);
  });

  test.each<[string, Record<string, unknown> | undefined]>([
    ['no authorization data', undefined],
    ['no token', { expiresAt: EXPIRES }],
    ['no expiry', { authorizationToken: tokenOf('pw') }],
  ])('an answer with %s is a clear error', async (_name, authorizationData) => {
    publicMock.on(GetPublicAuthorizationTokenCommand).resolves({ authorizationData });

    await expect(fetchCredentials(publicGroup(), OPTIONS)).rejects.toThrow(
      new Error('ECR Public answered GetAuthorizationToken without a token or expiry.'),
    );
  });
});
