import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import * as core from '../__fixtures__/core.ts';

type Provider = () => Promise<{
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}>;
const providers = {
  fromWebToken: jest.fn<(options: object) => Provider>(),
  fromTemporaryCredentials: jest.fn<(options: object) => Provider>(),
};
jest.unstable_mockModule('@actions/core', () => core);
jest.unstable_mockModule('@aws-sdk/credential-providers', () => providers);
const { assumeRole } = await import('../src/assume-role.ts');
const { Deadline } = await import('../src/aws-client.ts');

const ROLE = {
  arn: 'arn:aws:iam::111111111111:role/ecr-push',
  audience: 'sts.amazonaws.com',
  sessionName: 'ecr-login-octo-repo-42',
  durationSeconds: 3600,
};
const KEYS = {
  accessKeyId: 'ASIAROLE',
  secretAccessKey: 'role-secret',
  sessionToken: 'role-token',
};
const SUB = 'repo:octo-org/octo-repo:ref:refs/heads/main';
/** GitHub's OIDC token for an audience: JWT-shaped, its payload naming the audience. */
const tokenFor = (audience: string) =>
  `e30.${Buffer.from(JSON.stringify({ aud: audience, sub: SUB })).toString('base64url')}.sig`;
const TOKEN = tokenFor(ROLE.audience);
const stsError = (name: string, message: string) => Object.assign(new Error(message), { name });
const savedEnv = { ...process.env };
let idToken: jest.Mock<(audience: string) => Promise<string>>;

beforeEach(() => {
  core.reset();
  idToken = jest.fn((audience: string) => Promise.resolve(tokenFor(audience)));
  providers.fromWebToken.mockReset().mockReturnValue(() => Promise.resolve(KEYS));
  providers.fromTemporaryCredentials.mockReset().mockReturnValue(() => Promise.resolve(KEYS));
});
afterEach(() => {
  process.env = { ...savedEnv };
  jest.useRealTimers();
});
const withOidc = () => {
  process.env.ACTIONS_ID_TOKEN_REQUEST_URL = 'https://token.example/?api-version=2.0';
  process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = 'request-token';
};
const assume = () => assumeRole(ROLE, 'eu-west-1', {}, new Deadline(60_000), idToken);

describe('with GitHub’s OIDC token', () => {
  test('AssumeRoleWithWebIdentity with the token for the role’s audience, masked before anything is said', async () => {
    withOidc();
    await expect(assume()).resolves.toEqual({ credentials: KEYS, via: 'oidc' });
    expect(idToken.mock.calls).toEqual([[ROLE.audience]]);
    expect(providers.fromWebToken.mock.calls).toEqual([
      [
        {
          roleArn: ROLE.arn,
          roleSessionName: ROLE.sessionName,
          durationSeconds: 3600,
          webIdentityToken: TOKEN,
          clientConfig: expect.objectContaining({
            region: 'eu-west-1',
            maxAttempts: 10,
            retryMode: 'adaptive',
          }),
        },
      ],
    ]);
    expect(core.events).toEqual([
      `setSecret:${TOKEN}`,
      'setSecret:role-secret',
      'setSecret:role-token',
      `info:Assumed ${ROLE.arn} with GitHub's OIDC token (session ${ROLE.sessionName})`,
    ]);
    expect(core.getIDToken).not.toHaveBeenCalled();
    expect(providers.fromTemporaryCredentials).not.toHaveBeenCalled();
    expect(core.exportVariable).not.toHaveBeenCalled();
    expect(core.setOutput).not.toHaveBeenCalled();
    expect(core.saveState).not.toHaveBeenCalled();
  });

  test('a refused trust policy names the role and the token’s aud and sub', async () => {
    withOidc();
    const refusal = stsError(
      'AccessDenied',
      'Not authorized to perform sts:AssumeRoleWithWebIdentity',
    );
    providers.fromWebToken.mockReturnValue(() => Promise.reject(refusal));
    await expect(assume()).rejects.toThrow(
      new Error(
        `The role ${ROLE.arn} refused GitHub's OIDC token (AccessDenied: Not authorized to perform ` +
          'sts:AssumeRoleWithWebIdentity): its trust policy must allow token.actions.githubusercontent.com ' +
          `for the token's aud 'sts.amazonaws.com' and sub '${SUB}'.`,
        { cause: refusal },
      ),
    );
  });

  test('any other failure names the role and how it was assumed', async () => {
    withOidc();
    const throttled = stsError('Throttling', 'slow down');
    providers.fromWebToken.mockReturnValue(() => Promise.reject(throttled));
    await expect(assume()).rejects.toThrow(
      new Error(`Assuming ${ROLE.arn} with GitHub's OIDC token failed: Throttling: slow down`, {
        cause: throttled,
      }),
    );
  });
});

describe('with the job’s credentials (role chaining)', () => {
  test('AssumeRole with the session name and duration; no OIDC token is asked for', async () => {
    await expect(assume()).resolves.toEqual({ credentials: KEYS, via: 'credentials' });
    expect(providers.fromTemporaryCredentials.mock.calls).toEqual([
      [
        {
          params: { RoleArn: ROLE.arn, RoleSessionName: ROLE.sessionName, DurationSeconds: 3600 },
          clientConfig: expect.objectContaining({ region: 'eu-west-1', maxAttempts: 10 }),
        },
      ],
    ]);
    expect(idToken).not.toHaveBeenCalled();
    expect(core.getIDToken).not.toHaveBeenCalled();
    expect(providers.fromWebToken).not.toHaveBeenCalled();
    expect(core.events).toEqual([
      'setSecret:role-secret',
      'setSecret:role-token',
      `info:Assumed ${ROLE.arn} with the job's credentials (session ${ROLE.sessionName})`,
    ]);
  });

  test('no credentials and no OIDC token: says what to grant', async () => {
    const none = stsError(
      'CredentialsProviderError',
      'Could not load credentials from any providers',
    );
    providers.fromTemporaryCredentials.mockReturnValue(() => Promise.reject(none));
    await expect(assume()).rejects.toThrow(
      new Error(
        "'role-to-assume' needs something to assume the role with: GitHub's OIDC token (grant the job " +
          "'permissions: id-token: write') or AWS credentials from an earlier step; neither is available.",
        { cause: none },
      ),
    );
  });

  test('AccessDenied names the role and passes on who was refused', async () => {
    const message = `User: arn:aws:iam::123456789012:user/e2e is not authorized to perform: sts:AssumeRole on resource: ${ROLE.arn}`;
    const refusal = stsError('AccessDenied', message);
    providers.fromTemporaryCredentials.mockReturnValue(() => Promise.reject(refusal));
    await expect(assume()).rejects.toThrow(
      new Error(`The job's credentials may not assume ${ROLE.arn} (AccessDenied: ${message}).`, {
        cause: refusal,
      }),
    );
  });

  test('STS that never answers ends at the deadline', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
    providers.fromTemporaryCredentials.mockReturnValue(() => new Promise(() => undefined));
    const ended = expect(
      assumeRole(ROLE, 'eu-west-1', {}, new Deadline(20), idToken),
    ).rejects.toThrow(
      new Error(
        `Assuming ${ROLE.arn} timed out: no answer within 0.02 s. Check that the runner can reach ` +
          "STS (or its proxy), or raise 'api-timeout'.",
        { cause: new Error('no answer within 0.02 s') },
      ),
    );
    await jest.advanceTimersByTimeAsync(20);
    await ended;
  });
});
