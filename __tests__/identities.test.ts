import { beforeEach, describe, expect, jest, test } from '@jest/globals';
import type { AwsCredentialIdentity } from '@smithy/types';
import type * as AssumeRoleModule from '../src/assume-role.ts';

const assumeRole = jest.fn<typeof AssumeRoleModule.assumeRole>();
const idToken = jest.fn<(audience: string) => Promise<string>>();
jest.unstable_mockModule('../src/assume-role.ts', () => ({ assumeRole }));
jest.unstable_mockModule('../src/oidc-token.ts', () => ({ idToken }));
const { Identities } = await import('../src/identities.ts');
const { Deadline } = await import('../src/aws-client.ts');

const ROLE_A = 'arn:aws:iam::111111111111:role/a';
const ROLE_B = 'arn:aws:iam::222222222222:role/b';
const SETTINGS = { audience: 'my-audience', sessionName: 'ecr-login-repo-7', durationSeconds: 900 };
const PROXY = { HTTPS_PROXY: 'http://proxy.example:3128/' };
const keysOf = (role: string): AwsCredentialIdentity => ({
  accessKeyId: `key-of-${role}`,
  secretAccessKey: `secret-of-${role}`,
});

/** The OIDC tokens each assumption was given, in order. */
let tokensSeen: string[];
let deadline: InstanceType<typeof Deadline>;

beforeEach(() => {
  tokensSeen = [];
  deadline = new Deadline(60_000);
  idToken.mockReset().mockImplementation((audience) => Promise.resolve(`token-for-${audience}`));
  // As assumeRole does with OIDC available: asks for the token of the role's audience, then STS.
  assumeRole.mockReset().mockImplementation(async (role, _region, _proxy, _deadline, token) => {
    tokensSeen.push(await token(role.audience));
    return { credentials: keysOf(role.arn), via: 'oidc' };
  });
});

describe('Identities', () => {
  test('each role is assumed once, in the region first asked for, however many callers and regions', async () => {
    const identities = new Identities(SETTINGS, PROXY, deadline);
    const asked = [
      identities.credentialsOf(ROLE_A, 'eu-west-1'),
      identities.credentialsOf(ROLE_B, 'us-east-1'),
      identities.credentialsOf(ROLE_A, 'us-east-1'),
      identities.credentialsOf(ROLE_A, 'eu-west-1'),
      identities.credentialsOf(ROLE_B, 'eu-west-1'),
    ];
    await expect(Promise.all(asked)).resolves.toEqual([
      keysOf(ROLE_A),
      keysOf(ROLE_B),
      keysOf(ROLE_A),
      keysOf(ROLE_A),
      keysOf(ROLE_B),
    ]);
    // once assumed, a later caller gets the same credentials
    await expect(identities.credentialsOf(ROLE_A, 'ap-south-1')).resolves.toEqual(keysOf(ROLE_A));
    expect(assumeRole.mock.calls).toEqual([
      [{ arn: ROLE_A, ...SETTINGS }, 'eu-west-1', PROXY, deadline, expect.any(Function)],
      [{ arn: ROLE_B, ...SETTINGS }, 'us-east-1', PROXY, deadline, expect.any(Function)],
    ]);
  });

  test('GitHub’s OIDC token is asked for once per audience, and every role is given it', async () => {
    const identities = new Identities(SETTINGS, PROXY, deadline);
    await Promise.all([
      identities.credentialsOf(ROLE_A, 'eu-west-1'),
      identities.credentialsOf(ROLE_B, 'eu-west-1'),
    ]);
    expect(idToken.mock.calls).toEqual([['my-audience']]);
    expect(tokensSeen).toEqual(['token-for-my-audience', 'token-for-my-audience']);

    const token = assumeRole.mock.calls[0]?.[4];
    if (token === undefined) throw new Error('assumeRole was not given a token source');
    await expect(token('other-audience')).resolves.toBe('token-for-other-audience');
    await expect(token('other-audience')).resolves.toBe('token-for-other-audience');
    await expect(token('my-audience')).resolves.toBe('token-for-my-audience');
    expect(idToken.mock.calls).toEqual([['my-audience'], ['other-audience']]);
  });

  test('a role that cannot be assumed rejects every caller with the same error, once tried', async () => {
    const refusal = new Error(`The role ${ROLE_A} refused GitHub's OIDC token`);
    assumeRole.mockImplementation((role) =>
      role.arn === ROLE_A
        ? Promise.reject(refusal)
        : Promise.resolve({ credentials: keysOf(role.arn), via: 'oidc' }),
    );
    const identities = new Identities(SETTINGS, PROXY, deadline);
    const settled = await Promise.allSettled([
      identities.credentialsOf(ROLE_A, 'eu-west-1'),
      identities.credentialsOf(ROLE_B, 'eu-west-1'),
      identities.credentialsOf(ROLE_A, 'us-east-1'),
    ]);
    expect(settled).toEqual([
      { status: 'rejected', reason: refusal },
      { status: 'fulfilled', value: keysOf(ROLE_B) },
      { status: 'rejected', reason: refusal },
    ]);
    // the very same error, not a copy
    const reasonOf = (result: PromiseSettledResult<unknown> | undefined): unknown =>
      result?.status === 'rejected' ? result.reason : undefined;
    expect(reasonOf(settled[0])).toBe(refusal);
    expect(reasonOf(settled[2])).toBe(refusal);
    await expect(identities.credentialsOf(ROLE_A, 'eu-west-1')).rejects.toBe(refusal);
    expect(assumeRole.mock.calls.map(([role]) => role.arn)).toEqual([ROLE_A, ROLE_B]);
  });
});
