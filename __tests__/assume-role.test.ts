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
const stsError = (name: string, message: string) => Object.assign(new Error(message), { name });
const savedEnv = { ...process.env };

beforeEach(() => {
  core.reset();
  providers.fromWebToken.mockReset().mockReturnValue(() => Promise.resolve(KEYS));
  providers.fromTemporaryCredentials.mockReset().mockReturnValue(() => Promise.resolve(KEYS));
});
afterEach(() => {
  process.env = { ...savedEnv };
});
const withOidc = () => {
  process.env.ACTIONS_ID_TOKEN_REQUEST_URL = 'https://token.example/?api-version=2.0';
  process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = 'request-token';
};
const assume = () => assumeRole(ROLE, 'eu-west-1', {}, new Deadline(60_000));

describe('with GitHub’s OIDC token', () => {
  test('AssumeRoleWithWebIdentity for the audience, the keys masked before anything is said', async () => {
    withOidc();
    await expect(assume()).resolves.toEqual({ credentials: KEYS, via: 'oidc' });
    expect(core.events[0]).toBe('getIDToken:sts.amazonaws.com');
    const [options] = providers.fromWebToken.mock.calls[0] ?? [];
    expect(options).toMatchObject({
      roleArn: ROLE.arn,
      roleSessionName: ROLE.sessionName,
      durationSeconds: 3600,
      webIdentityToken: expect.stringMatching(/^ey/),
      clientConfig: { region: 'eu-west-1', maxAttempts: 10, retryMode: 'adaptive' },
    });
    expect(core.secrets).toEqual([expect.stringMatching(/^ey/), 'role-secret', 'role-token']);
    expect(core.logs).toEqual([
      `info: Assumed ${ROLE.arn} with GitHub's OIDC token (session ${ROLE.sessionName})`,
    ]);
    expect(providers.fromTemporaryCredentials).not.toHaveBeenCalled();
    expect(core.exportVariable).not.toHaveBeenCalled();
    expect(core.setOutput).not.toHaveBeenCalled();
    expect(core.saveState).not.toHaveBeenCalled();
  });

  test('a refused trust policy names the role and the token’s aud and sub', async () => {
    withOidc();
    providers.fromWebToken.mockReturnValue(() =>
      Promise.reject(
        stsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity'),
      ),
    );
    await expect(assume()).rejects.toThrow(
      `The role ${ROLE.arn} refused GitHub's OIDC token (AccessDenied: Not authorized to perform ` +
        'sts:AssumeRoleWithWebIdentity): its trust policy must allow token.actions.githubusercontent.com ' +
        "for the token's aud 'sts.amazonaws.com' and sub 'repo:octo-org/octo-repo:ref:refs/heads/main'.",
    );
  });

  test('any other failure names the role and how it was assumed', async () => {
    withOidc();
    providers.fromWebToken.mockReturnValue(() =>
      Promise.reject(stsError('Throttling', 'slow down')),
    );
    await expect(assume()).rejects.toThrow(
      `Assuming ${ROLE.arn} with GitHub's OIDC token failed: Throttling: slow down`,
    );
  });
});

describe('with the job’s credentials (role chaining)', () => {
  test('AssumeRole with the session name and duration', async () => {
    await expect(assume()).resolves.toEqual({ credentials: KEYS, via: 'credentials' });
    const [options] = providers.fromTemporaryCredentials.mock.calls[0] ?? [];
    expect(options).toMatchObject({
      params: { RoleArn: ROLE.arn, RoleSessionName: ROLE.sessionName, DurationSeconds: 3600 },
      clientConfig: { region: 'eu-west-1' },
    });
    expect(core.getIDToken).not.toHaveBeenCalled();
    expect(core.logs).toEqual([
      `info: Assumed ${ROLE.arn} with the job's credentials (session ${ROLE.sessionName})`,
    ]);
  });

  test('no credentials and no OIDC token: says what to grant', async () => {
    providers.fromTemporaryCredentials.mockReturnValue(() =>
      Promise.reject(
        stsError('CredentialsProviderError', 'Could not load credentials from any providers'),
      ),
    );
    await expect(assume()).rejects.toThrow(
      "'role-to-assume' needs something to assume the role with: GitHub's OIDC token (grant the job " +
        "'permissions: id-token: write') or AWS credentials from an earlier step; neither is available.",
    );
  });

  test('AccessDenied names the role and passes on who was refused', async () => {
    const message = `User: arn:aws:iam::123456789012:user/e2e is not authorized to perform: sts:AssumeRole on resource: ${ROLE.arn}`;
    providers.fromTemporaryCredentials.mockReturnValue(() =>
      Promise.reject(stsError('AccessDenied', message)),
    );
    await expect(assume()).rejects.toThrow(
      `The job's credentials may not assume ${ROLE.arn} (AccessDenied: ${message}).`,
    );
  });

  test('STS that never answers ends at the deadline', async () => {
    providers.fromTemporaryCredentials.mockReturnValue(() => new Promise(() => undefined));
    await expect(assumeRole(ROLE, 'eu-west-1', {}, new Deadline(20))).rejects.toThrow(
      `Assuming ${ROLE.arn} timed out: no answer within 0.02 s. Check that the runner can reach ` +
        "STS (or its proxy), or raise 'api-timeout'.",
    );
  });
});
