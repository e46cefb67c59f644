import { describe, expect, test } from '@jest/globals';
import {
  groupByRegion,
  isAwsEndpoint,
  isRegion,
  isRegistryHostIn,
  needsRegion,
  outputSuffix,
  parseHost,
  standardHost,
  targetLabel,
  withRegion,
} from '../src/registries.ts';
import type { ResolvedTarget, Target } from '../src/registries.ts';

const ACCOUNT = '123456789012';
const OTHER = '210987654321';
const ROLE_A = 'arn:aws:iam::111111111111:role/a';
const ROLE_B = 'arn:aws:iam::222222222222:role/b';
const PUBLIC: ResolvedTarget = { kind: 'public', region: 'us-east-1', host: 'public.ecr.aws' };

describe('parseHost: the forms of an ECR private registry host', () => {
  test.each<[string, string, string]>([
    ['a standard host', `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`, 'us-east-1'],
    ['a China host', `${ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn`, 'cn-north-1'],
    [
      'a European Sovereign Cloud host',
      `${ACCOUNT}.dkr.ecr.eusc-de-east-1.amazonaws.eu`,
      'eusc-de-east-1',
    ],
    ['a FIPS host', `${ACCOUNT}.dkr.ecr-fips.us-gov-west-1.amazonaws.com`, 'us-gov-west-1'],
    ['a dual-stack host', `${ACCOUNT}.dkr-ecr.eu-west-1.on.aws`, 'eu-west-1'],
    ['a dual-stack FIPS host', `${ACCOUNT}.dkr-ecr-fips.us-east-2.on.aws`, 'us-east-2'],
    [
      'a China dual-stack host',
      `${ACCOUNT}.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn`,
      'cn-north-1',
    ],
    ['an ISO host', `${ACCOUNT}.dkr.ecr.us-iso-east-1.c2s.ic.gov`, 'us-iso-east-1'],
    ['an ISO-B host', `${ACCOUNT}.dkr.ecr.us-isob-east-1.sc2s.sgov.gov`, 'us-isob-east-1'],
    ['an ISO-E host', `${ACCOUNT}.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk`, 'eu-isoe-west-1'],
    ['an ISO-F host', `${ACCOUNT}.dkr.ecr.us-isof-south-1.csp.hci.ic.gov`, 'us-isof-south-1'],
  ])('%s: %s is in %s', (_name, host, region) => {
    expect(parseHost(host)).toEqual({ account: ACCOUNT, region });
  });

  test.each<[string, string]>([
    ['a region that is not one', `${ACCOUNT}.dkr.ecr.useast1.amazonaws.com`],
    ['a region without its number', `${ACCOUNT}.dkr.ecr.us-east.amazonaws.com`],
    ['an 11-digit account', '12345678901.dkr.ecr.us-east-1.amazonaws.com'],
    ['a 13-digit account', '1234567890123.dkr.ecr.us-east-1.amazonaws.com'],
    ['another domain', `${ACCOUNT}.dkr.ecr.us-east-1.example.com`],
    [
      'an ECR host followed by another domain',
      `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com.evil.io`,
    ],
    ['a path', `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/v2`],
    ['a port', `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com:443`],
    ['a scheme', `https://${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`],
    ['upper case (entries are lower-cased before)', `${ACCOUNT}.DKR.ECR.US-EAST-1.AMAZONAWS.COM`],
    ['ECR Public', 'public.ecr.aws'],
    ['an account ID alone', ACCOUNT],
  ])('%s is not one: %s', (_name, host) => {
    expect(parseHost(host)).toBeUndefined();
  });
});

describe('needsRegion', () => {
  const host: Target = {
    kind: 'host',
    account: ACCOUNT,
    region: 'eu-west-1',
    host: `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`,
  };

  test.each<[string, boolean, Target[]]>([
    ['the default registry', true, [{ kind: 'default' }]],
    ['an account ID among hosts', true, [host, { kind: 'account', account: ACCOUNT }]],
    ['only hosts and ECR Public', false, [host, PUBLIC]],
    [
      'an account whose region is already set',
      false,
      [{ kind: 'account', account: ACCOUNT, region: 'eu-west-1' }],
    ],
    ['no targets', false, []],
  ])('%s → %s', (_name, expected, targets) => {
    expect(needsRegion(targets)).toBe(expected);
  });
});

describe('withRegion', () => {
  test('gives targets without a region the job’s region and keeps the others’ and their roles', () => {
    const host = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`;
    expect(
      withRegion(
        [
          { kind: 'default' },
          { kind: 'account', account: OTHER, role: ROLE_A },
          { kind: 'host', account: ACCOUNT, region: 'eu-west-1', host, role: ROLE_B },
          PUBLIC,
        ],
        'ap-south-1',
      ),
    ).toEqual([
      { kind: 'default', region: 'ap-south-1' },
      { kind: 'account', account: OTHER, region: 'ap-south-1', role: ROLE_A },
      { kind: 'host', account: ACCOUNT, region: 'eu-west-1', host, role: ROLE_B },
      PUBLIC,
    ]);
  });

  // An account ID and a host entry of it, in the job's region us-east-1.
  test.each<[string, string, boolean]>([
    ['its standard host in the same region', `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`, false],
    ['its standard host in another region', `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`, true],
    ['its dual-stack host (a different host)', `${ACCOUNT}.dkr-ecr.us-east-1.on.aws`, true],
    ['its FIPS host (a different host)', `${ACCOUNT}.dkr.ecr-fips.us-east-1.amazonaws.com`, true],
  ])('with %s, the account entry is kept: %s', (_name, host, kept) => {
    const parsed = parseHost(host);
    if (parsed === undefined) throw new Error(`not a host: ${host}`);
    const hostTarget: ResolvedTarget = { kind: 'host', ...parsed, host, role: ROLE_B };
    const account: ResolvedTarget = { kind: 'account', account: ACCOUNT, region: 'us-east-1' };
    expect(
      withRegion([{ kind: 'account', account: ACCOUNT, role: ROLE_A }, hostTarget], 'us-east-1'),
    ).toEqual(kept ? [{ ...account, role: ROLE_A }, hostTarget] : [hostTarget]);
  });
});

describe('targetLabel: a target in messages', () => {
  test.each<[ResolvedTarget, string]>([
    [{ kind: 'default', region: 'eu-west-1' }, "the caller's own registry in eu-west-1"],
    [{ kind: 'account', account: ACCOUNT, region: 'eu-west-1' }, `${ACCOUNT} in eu-west-1`],
    [
      {
        kind: 'host',
        account: ACCOUNT,
        region: 'eu-west-1',
        host: `${ACCOUNT}.dkr-ecr.eu-west-1.on.aws`,
      },
      `${ACCOUNT}.dkr-ecr.eu-west-1.on.aws`,
    ],
    [PUBLIC, 'public.ecr.aws'],
  ])('%j → %s', (target, expected) => {
    expect(targetLabel(target)).toBe(expected);
  });
});

describe('groupByRegion', () => {
  const account = (id: string, region: string, role?: string): ResolvedTarget => ({
    kind: 'account',
    account: id,
    region,
    ...(role ? { role } : {}),
  });

  test('one group per identity and region, in first-seen order; ECR Public per identity', () => {
    const own: ResolvedTarget = { kind: 'default', region: 'us-east-1' };
    const host: ResolvedTarget = {
      kind: 'host',
      account: OTHER,
      region: 'eu-west-1',
      host: `${OTHER}.dkr.ecr.eu-west-1.amazonaws.com`,
    };
    // ECR Public's endpoint is in us-east-1, yet never in a group with private registries there.
    const publicA: ResolvedTarget = { ...PUBLIC, role: ROLE_A };
    const targets = [
      account(ACCOUNT, 'us-east-1'),
      host,
      account('111111111111', 'us-east-1', ROLE_A),
      PUBLIC,
      own,
      account('333333333333', 'us-east-1', ROLE_A),
      publicA,
      account('444444444444', 'eu-west-1', ROLE_A),
    ];
    expect(groupByRegion(targets)).toEqual([
      { region: 'us-east-1', public: false, targets: [account(ACCOUNT, 'us-east-1'), own] },
      { region: 'eu-west-1', public: false, targets: [host] },
      {
        region: 'us-east-1',
        public: false,
        role: ROLE_A,
        targets: [
          account('111111111111', 'us-east-1', ROLE_A),
          account('333333333333', 'us-east-1', ROLE_A),
        ],
      },
      { region: 'us-east-1', public: true, targets: [PUBLIC] },
      { region: 'us-east-1', public: true, role: ROLE_A, targets: [publicA] },
      {
        region: 'eu-west-1',
        public: false,
        role: ROLE_A,
        targets: [account('444444444444', 'eu-west-1', ROLE_A)],
      },
    ]);
  });

  test('makes no groups of no targets', () => {
    expect(groupByRegion([])).toEqual([]);
  });
});

describe('standardHost', () => {
  test.each<[string, string]>([
    ['us-east-1', `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`],
    ['us-gov-west-1', `${ACCOUNT}.dkr.ecr.us-gov-west-1.amazonaws.com`],
    ['cn-northwest-1', `${ACCOUNT}.dkr.ecr.cn-northwest-1.amazonaws.com.cn`],
    ['eusc-de-east-1', `${ACCOUNT}.dkr.ecr.eusc-de-east-1.amazonaws.eu`],
    ['us-iso-east-1', `${ACCOUNT}.dkr.ecr.us-iso-east-1.c2s.ic.gov`],
    ['us-isob-east-1', `${ACCOUNT}.dkr.ecr.us-isob-east-1.sc2s.sgov.gov`],
    ['eu-isoe-west-1', `${ACCOUNT}.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk`],
    ['us-isof-south-1', `${ACCOUNT}.dkr.ecr.us-isof-south-1.csp.hci.ic.gov`],
  ])('in %s is %s', (region, expected) => {
    expect(standardHost(ACCOUNT, region)).toBe(expected);
  });
});

describe('isRegion', () => {
  test.each([
    'us-east-1',
    'ap-southeast-2',
    'us-gov-west-1',
    'cn-north-1',
    'us-isob-east-1',
    'eu-isoe-west-1',
    'eusc-de-east-1',
  ])('accepts %s', (region) => {
    expect(isRegion(region)).toBe(true);
  });

  test.each(['', 'us-east', 'useast1', 'US-EAST-1', 'us-east-1 ', 'us_east_1', 'us-east-100', 'x'])(
    'rejects %j',
    (region) => {
      expect(isRegion(region)).toBe(false);
    },
  );
});

describe('outputSuffix', () => {
  test.each<[string, string]>([
    [`${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`, `${ACCOUNT}_dkr_ecr_us_east_1_amazonaws_com`],
    ['127.0.0.1:5000', '127_0_0_1_5000'],
    ['public.ecr.aws', 'public_ecr_aws'],
    ['a.-b', 'a_b'],
    ['Already_Fine_9', 'Already_Fine_9'],
  ])('%s → %s', (host, expected) => {
    expect(outputSuffix(host)).toBe(expected);
  });
});

describe('isRegistryHostIn: what AWS may answer as an account’s registry', () => {
  test.each<[string, string, string | undefined, boolean]>([
    ['111111111111.dkr.ecr.eu-west-1.amazonaws.com', 'eu-west-1', '111111111111', true],
    ['111111111111.dkr.ecr-fips.us-east-1.amazonaws.com', 'us-east-1', '111111111111', true],
    ['111111111111.dkr-ecr.us-east-1.on.aws', 'us-east-1', '111111111111', true],
    ['111111111111.dkr.ecr.cn-north-1.amazonaws.com.cn', 'cn-north-1', '111111111111', true],
    ['111111111111.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn', 'cn-north-1', undefined, true],
    ['111111111111.dkr.ecr.us-iso-east-1.c2s.ic.gov', 'us-iso-east-1', undefined, true],
    // the caller's own registry: any account, the region's partition
    ['222222222222.dkr.ecr.eu-west-1.amazonaws.com', 'eu-west-1', undefined, true],
    // another account, another region, another partition, not a registry at all
    ['222222222222.dkr.ecr.eu-west-1.amazonaws.com', 'eu-west-1', '111111111111', false],
    ['111111111111.dkr.ecr.eu-west-2.amazonaws.com', 'eu-west-1', '111111111111', false],
    ['111111111111.dkr.ecr.cn-north-1.amazonaws.com', 'cn-north-1', '111111111111', false],
    ['111111111111.dkr.ecr.us-east-1.amazonaws.com.cn', 'us-east-1', '111111111111', false],
    ['111111111111.dkr-ecr.cn-north-1.on.aws', 'cn-north-1', '111111111111', false],
    ['evil.example.com', 'eu-west-1', '111111111111', false],
    ['127.0.0.1:5000', 'eu-west-1', undefined, false],
    ['111111111111.dkr.ecr.eu-west-1.amazonaws.com.evil.example', 'eu-west-1', undefined, false],
  ])('%s in %s for %s → %s', (host, region, account, expected) => {
    expect(isRegistryHostIn(host, region, account)).toBe(expected);
  });
});

describe('isAwsEndpoint: AWS’s own API, or a configured override', () => {
  test.each<[string | undefined, boolean]>([
    ['https://api.ecr.eu-west-1.amazonaws.com', true],
    ['https://ecr-fips.us-east-1.amazonaws.com', true],
    ['https://api.ecr.cn-north-1.amazonaws.com.cn', true],
    ['https://ecr.us-east-1.api.aws', true],
    ['https://vpce-0a1b.api.ecr.us-east-1.vpce.amazonaws.com', true],
    ['https://API.ECR.EU-WEST-1.AMAZONAWS.COM', true],
    ['https://127.0.0.1:4566', false],
    ['http://localstack:4566', false],
    ['https://ecr.example.com', false],
    ['https://amazonaws.com.evil.example', false],
    ['not a url', false],
    [undefined, false],
  ])('%s → %s', (endpoint, expected) => {
    expect(isAwsEndpoint(endpoint)).toBe(expected);
  });
});
