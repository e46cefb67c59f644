import { describe, expect, jest, test } from '@jest/globals';
import * as core from '../__fixtures__/core.ts';

jest.unstable_mockModule('@actions/core', () => core);
const { claimsOf, idToken } = await import('../src/oidc-token.ts');

const jwt = (claims: object) =>
  `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('idToken', () => {
  test('from the sources, asks @actions/core for the audience', async () => {
    const token = await idToken('my-aud');
    expect(core.getIDToken).toHaveBeenCalledWith('my-aud');
    expect(claimsOf(token).aud).toBe('my-aud');
  });
});

describe('claimsOf: aud and sub, for messages only', () => {
  test.each<[string, { aud: string; sub: string }]>([
    [
      jwt({ aud: 'sts.amazonaws.com', sub: 'repo:o/r:ref:refs/heads/main' }),
      { aud: 'sts.amazonaws.com', sub: 'repo:o/r:ref:refs/heads/main' },
    ],
    [jwt({ aud: ['a', 'b'], sub: 'x' }), { aud: 'a,b', sub: 'x' }],
    [jwt({ aud: 5, sub: { not: 'text' } }), { aud: '', sub: '' }],
    ['not-a-token', { aud: '', sub: '' }],
    ['a.!!!.c', { aud: '', sub: '' }],
  ])('%s → %j', (token, expected) => {
    expect(claimsOf(token)).toEqual(expected);
  });
});
