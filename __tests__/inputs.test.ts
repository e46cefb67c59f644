import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import * as core from '../__fixtures__/core.ts';
import type { Target } from '../src/registries.ts';

jest.unstable_mockModule('@actions/core', () => core);
const {
  getInputs,
  getLoginLimits,
  parseEntry,
  parseRegistries,
  parseRegistryRoles,
  splitList,
  withRoles,
} = await import('../src/inputs.ts');

const ACCOUNT = '123456789012';
const OTHER = '210987654321';
const HOST = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`;
const ROLE_A = 'arn:aws:iam::111111111111:role/a';
const ROLE_B = 'arn:aws:iam::222222222222:role/b';
const ROLE_C = 'arn:aws:iam::333333333333:role/c';
const PUBLIC: Target = { kind: 'public', region: 'us-east-1', host: 'public.ecr.aws' };
const HOST_TARGET: Target = { kind: 'host', account: ACCOUNT, region: 'us-east-1', host: HOST };

const savedEnv = { ...process.env };
beforeEach(() => {
  core.reset();
});
afterEach(() => {
  process.env = { ...savedEnv };
});

/** The message parseEntry throws for a rejected entry of `where`. */
function rejection(entry: string, where = 'registries'): Error {
  return new Error(
    `Invalid registry '${entry}' in '${where}': expected a 12-digit AWS account ID, ` +
      'a private registry host such as 123456789012.dkr.ecr.us-east-1.amazonaws.com ' +
      '(or .amazonaws.com.cn, .amazonaws.eu, dkr.ecr-fips, ' +
      'dual-stack 123456789012.dkr-ecr.us-east-1.on.aws), or public.ecr.aws.',
  );
}

/** The message of a `registry-roles` line that names a registry twice. */
function twice(earlier: string, later: string): Error {
  return new Error(
    `'registry-roles' names one registry twice: '${earlier}' and '${later}'. ` +
      'Keep one line per registry.',
  );
}

/** The message of a `registry-roles` line that names none of the registries. */
function notARegistry(line: string): Error {
  return new Error(
    `'registry-roles' line '${line}' names a registry that is not one of 'registries'.`,
  );
}

describe('getInputs', () => {
  test('defaults when no input is set', () => {
    expect(getInputs()).toEqual({
      targets: [{ kind: 'default' }],
      region: undefined,
      maskPassword: true,
      skipLogout: false,
      httpProxy: undefined,
      login: { attempts: 3, timeoutMs: 60_000 },
      isolateCredentials: false,
      containerCli: ['docker'],
      apiTimeoutMs: 120_000,
      roleSettings: { audience: 'sts.amazonaws.com', sessionName: '', durationSeconds: 3600 },
      credentialHelper: false,
    });
    expect(core.setSecret).not.toHaveBeenCalled();
  });

  test('registries: split on commas and newlines, parsed, without repeats in any spelling', () => {
    core.inputs.registries =
      ` ${ACCOUNT} ,\n${HOST}\n\n${ACCOUNT}, public.ecr.aws ,https://${HOST}/\n` +
      `HTTPS://${HOST.toUpperCase()}, PUBLIC.ECR.AWS`;
    expect(getInputs().targets).toEqual([
      { kind: 'account', account: ACCOUNT },
      HOST_TARGET,
      PUBLIC,
    ]);
  });

  test('the first registries entry that names no registry fails, naming it', () => {
    core.inputs.registries = `${ACCOUNT}, ghcr.io, x`;
    expect(() => getInputs()).toThrow(rejection('ghcr.io'));
  });

  describe('registry-type', () => {
    test.each<[string, string, Target[]]>([
      ['private', ACCOUNT, [{ kind: 'account', account: ACCOUNT }]],
      [' Private ', '', [{ kind: 'default' }]],
      ['public', '', [PUBLIC]],
      // the registries are not read at all for ECR Public
      ['PUBLIC', `${ACCOUNT}, not a registry`, [PUBLIC]],
    ])('%j with registries %j → %j', (value, registries, expected) => {
      core.inputs['registry-type'] = value;
      core.inputs.registries = registries;
      expect(getInputs().targets).toEqual(expected);
    });

    test('anything else is rejected, naming the input and the value', () => {
      core.inputs['registry-type'] = 'both';
      expect(() => getInputs()).toThrow(
        new Error(`Invalid 'registry-type' 'both': expected 'private' or 'public'.`),
      );
    });
  });

  test.each([
    [
      'skip-logout',
      'true',
      "'credential-helper: true' cannot be combined with 'skip-logout: true': the credential agent ends with the job, so no login can outlive it. Drop one of the two.",
    ],
    [
      'mask-password',
      'no',
      "'credential-helper: true' cannot be combined with 'mask-password: false': in that mode no password leaves the step, so there is none to pass to another job. Drop one of the two.",
    ],
  ])('credential-helper with %s %j fails, naming both', (name, value, message) => {
    core.inputs['credential-helper'] = 'true';
    core.inputs[name] = value;
    expect(() => getInputs()).toThrow(new Error(message));
  });

  describe('booleans', () => {
    type Flag = 'maskPassword' | 'skipLogout' | 'isolateCredentials' | 'credentialHelper';
    test.each<[string, Flag, string, boolean]>([
      ['mask-password', 'maskPassword', 'true', true],
      ['mask-password', 'maskPassword', 'TRUE', true],
      ['mask-password', 'maskPassword', 'false', false],
      ['mask-password', 'maskPassword', 'False', false],
      ['mask-password', 'maskPassword', ' false ', false],
      ['skip-logout', 'skipLogout', 'true', true],
      ['skip-logout', 'skipLogout', 'True', true],
      ['skip-logout', 'skipLogout', 'FALSE', false],
      ['isolate-credentials', 'isolateCredentials', 'true', true],
      ['isolate-credentials', 'isolateCredentials', 'FALSE', false],
      // as workflows written for amazon-ecr-login say it
      ['mask-password', 'maskPassword', 'yes', true],
      ['mask-password', 'maskPassword', 'No', false],
      ['skip-logout', 'skipLogout', 'YES', true],
      ['skip-logout', 'skipLogout', 'off', false],
      ['isolate-credentials', 'isolateCredentials', 'On', true],
      ['isolate-credentials', 'isolateCredentials', 'no', false],
      ['credential-helper', 'credentialHelper', 'true', true],
      ['credential-helper', 'credentialHelper', 'off', false],
    ])('%s → %s; %j → %s', (name, field, value, expected) => {
      core.inputs[name] = value;
      expect(getInputs()[field]).toBe(expected);
    });

    test.each<[string, string]>([
      ['skip-logout', '1'],
      ['mask-password', 'truee'],
      ['isolate-credentials', 'y'],
      ['mask-password', 'enabled'],
    ])('%s %j is rejected, naming the input and the value', (name, value) => {
      core.inputs[name] = value;
      expect(() => getInputs()).toThrow(
        new Error(
          `Invalid '${name}' '${value}': expected 'true', 'yes', 'on', 'false', 'no', 'off' (in any letter case).`,
        ),
      );
    });
  });

  describe('api-timeout', () => {
    test.each<[string, number]>([
      ['1', 1_000],
      [' 90 ', 90_000],
      ['3600', 3_600_000],
    ])('%j → %d ms', (value, expected) => {
      core.inputs['api-timeout'] = value;
      expect(getInputs().apiTimeoutMs).toBe(expected);
    });

    test.each(['0', '3601', '2m', '1.5'])(
      '%j is rejected, naming the input, the value and the range',
      (value) => {
        core.inputs['api-timeout'] = value;
        expect(() => getInputs()).toThrow(
          new Error(`Invalid 'api-timeout' '${value}': expected a whole number from 1 to 3600.`),
        );
      },
    );
  });

  describe('region', () => {
    test.each<[string, string]>([
      ['eu-west-1', 'eu-west-1'],
      [' us-gov-west-1 ', 'us-gov-west-1'],
      ['cn-north-1', 'cn-north-1'],
      ['eusc-de-east-1', 'eusc-de-east-1'],
    ])('%j is accepted as %s', (value, expected) => {
      core.inputs.region = value;
      expect(getInputs().region).toBe(expected);
    });

    test('a blank region is left to the environment', () => {
      core.inputs.region = '   ';
      expect(getInputs().region).toBeUndefined();
    });

    test.each(['useast1', 'us-east', 'us-east-1; echo', 'https://us-east-1'])(
      '%j is rejected, naming the input and the value',
      (value) => {
        core.inputs.region = value;
        expect(() => getInputs()).toThrow(
          new Error(`Invalid 'region' '${value}': expected a region such as us-east-1.`),
        );
      },
    );
  });

  describe('container-cli', () => {
    test.each<[string, string[] | 'auto']>([
      ['', ['docker']],
      ['docker', ['docker']],
      ['podman', ['podman']],
      ['docker, podman\nskopeo', ['docker', 'podman', 'skopeo']],
      ['Buildah,buildah', ['buildah']],
      ['auto', 'auto'],
      [' AUTO ', 'auto'],
    ])('%j is read as %j', (value, expected) => {
      core.inputs['container-cli'] = value;
      expect(getInputs().containerCli).toEqual(expected);
    });

    test.each(['nerdctl', 'docker,auto', 'docker;podman'])('%j is rejected', (value) => {
      core.inputs['container-cli'] = value;
      expect(() => getInputs()).toThrow(
        /^Invalid 'container-cli' '.+': expected docker, podman, buildah, skopeo \(one or several, comma-separated\) or 'auto'\.$/,
      );
    });
  });

  test('http-proxy: a URL as parseProxy reads it (see proxy.test.ts), the input named in errors', () => {
    core.inputs['http-proxy'] = ' 127.0.0.1:3128 ';
    expect(getInputs().httpProxy?.href).toBe('http://127.0.0.1:3128/');
    core.inputs['http-proxy'] = 'http://u:s3cret@[::1';
    expect(() => getInputs()).toThrow(
      new Error(
        "Invalid 'http-proxy' 'http://***@[::1': expected a URL such as http://proxy.example.com:3128.",
      ),
    );
    expect(core.secrets).toContain('s3cret');
  });
});

describe('getLoginLimits', () => {
  test('defaults: 3 attempts of 60 s each, as getInputs reads them', () => {
    expect(getLoginLimits()).toEqual({ attempts: 3, timeoutMs: 60_000 });
    core.inputs['login-attempts'] = '5';
    core.inputs['login-timeout'] = '90';
    expect(getInputs().login).toEqual({ attempts: 5, timeoutMs: 90_000 });
  });

  test('reads its own inputs only: the post step gets its limits whatever else is wrong', () => {
    core.inputs.registries = 'ghcr.io';
    core.inputs.region = 'nowhere';
    core.inputs['login-attempts'] = '2';
    expect(getLoginLimits()).toEqual({ attempts: 2, timeoutMs: 60_000 });
    expect(core.getInput.mock.calls.map(([name]) => name).sort()).toEqual([
      'login-attempts',
      'login-timeout',
    ]);
  });

  test.each<[string, string, { attempts: number; timeoutMs: number }]>([
    ['login-attempts', '1', { attempts: 1, timeoutMs: 60_000 }],
    ['login-attempts', ' 5 ', { attempts: 5, timeoutMs: 60_000 }],
    ['login-attempts', '10', { attempts: 10, timeoutMs: 60_000 }],
    ['login-timeout', '1', { attempts: 3, timeoutMs: 1_000 }],
    ['login-timeout', '90', { attempts: 3, timeoutMs: 90_000 }],
    ['login-timeout', '600', { attempts: 3, timeoutMs: 600_000 }],
  ])('%s %j → %j', (name, value, expected) => {
    core.inputs[name] = value;
    expect(getLoginLimits()).toEqual(expected);
  });

  test.each<[string, string, string]>([
    ['login-attempts', '0', '1 to 10'],
    ['login-attempts', '11', '1 to 10'],
    ['login-attempts', '2.5', '1 to 10'],
    ['login-attempts', '-1', '1 to 10'],
    ['login-attempts', 'three', '1 to 10'],
    ['login-attempts', '1e1', '1 to 10'],
    ['login-timeout', '0', '1 to 600'],
    ['login-timeout', '601', '1 to 600'],
    ['login-timeout', '60s', '1 to 600'],
  ])('%s %j is rejected, naming the input, the value and the range', (name, value, range) => {
    core.inputs[name] = value;
    expect(() => getLoginLimits()).toThrow(
      new Error(`Invalid '${name}' '${value}': expected a whole number from ${range}.`),
    );
  });
});

describe('role-to-assume', () => {
  test.each([
    'arn:aws:iam::111111111111:role/ecr-push',
    'arn:aws:iam::111111111111:role/ci/deploy/ecr+push=1,a.b@c-d_e',
    'arn:aws-cn:iam::111111111111:role/x',
    'arn:aws-us-gov:iam::111111111111:role/x',
  ])('%s is the role of every registry, with the default settings', (arn) => {
    process.env.GITHUB_REPOSITORY = 'octo-org/octo-repo';
    process.env.GITHUB_RUN_ID = '4242';
    core.inputs['role-to-assume'] = arn;
    core.inputs.registries = `${ACCOUNT}, public.ecr.aws`;
    const inputs = getInputs();
    expect(inputs.targets).toEqual([
      { kind: 'account', account: ACCOUNT, role: arn },
      { ...PUBLIC, role: arn },
    ]);
    expect(inputs.roleSettings).toEqual({
      audience: 'sts.amazonaws.com',
      sessionName: 'ecr-login-octo-repo-4242',
      durationSeconds: 3600,
    });
  });

  test('the caller’s own registry takes it too', () => {
    core.inputs['role-to-assume'] = ROLE_A;
    expect(getInputs().targets).toEqual([{ kind: 'default', role: ROLE_A }]);
  });

  test.each([
    'arn:aws:iam::12:role/x',
    'arn:aws:iam::111111111111:user/x',
    'arn:aws:sts::111111111111:assumed-role/x/y',
    '111111111111',
    'arn:aws:iam::111111111111:role/',
  ])('%s is refused, naming the input and an example', (arn) => {
    core.inputs['role-to-assume'] = arn;
    expect(() => getInputs()).toThrow(
      new Error(
        `Invalid 'role-to-assume' '${arn}': expected an IAM role ARN such as arn:aws:iam::123456789012:role/ecr-push.`,
      ),
    );
  });

  test('the audience, session name and duration as given; the derived name within STS’s limits', () => {
    core.inputs['role-to-assume'] = ROLE_A;
    core.inputs.audience = 'my-aud';
    core.inputs['role-session-name'] = 'deploy@main';
    core.inputs['role-duration-seconds'] = '900';
    expect(getInputs().roleSettings).toEqual({
      audience: 'my-aud',
      sessionName: 'deploy@main',
      durationSeconds: 900,
    });
    delete core.inputs['role-session-name'];
    process.env.GITHUB_REPOSITORY = `o/${'r'.repeat(80)} x`;
    const name = getInputs().roleSettings.sessionName;
    expect(name).toHaveLength(64);
    expect(name).toMatch(/^ecr-login-r+$/);
  });

  test.each([
    ['role-session-name', 'a', 'expected 2 to 64 letters, digits or any of _+=,.@-.'],
    ['role-session-name', 'has space', 'expected 2 to 64 letters, digits or any of _+=,.@-.'],
    ['role-duration-seconds', '899', 'expected a whole number from 900 to 43200.'],
    ['role-duration-seconds', '43201', 'expected a whole number from 900 to 43200.'],
  ])('%s %j is refused', (name, value, expected) => {
    core.inputs['role-to-assume'] = ROLE_A;
    core.inputs[name] = value;
    expect(() => getInputs()).toThrow(new Error(`Invalid '${name}' '${value}': ${expected}`));
  });
});

describe('registry-roles in getInputs', () => {
  test('each registry its own line’s role, role-to-assume for the others', () => {
    process.env.GITHUB_REPOSITORY = 'octo-org/octo-repo';
    process.env.GITHUB_RUN_ID = '7';
    core.inputs.registries = `${ACCOUNT}\n${OTHER}\npublic.ecr.aws`;
    core.inputs['registry-roles'] = `${ACCOUNT}=${ROLE_A}\n\n  public.ecr.aws = ${ROLE_B},x \n`;
    core.inputs['role-to-assume'] = ROLE_C;
    expect(getInputs().targets).toEqual([
      { kind: 'account', account: ACCOUNT, role: ROLE_A },
      { kind: 'account', account: OTHER, role: ROLE_C },
      { ...PUBLIC, role: `${ROLE_B},x` },
    ]);
    delete core.inputs['role-to-assume'];
    const inputs = getInputs();
    expect(inputs.targets[1]).toEqual({ kind: 'account', account: OTHER });
    // a role is named, so a session name is derived
    expect(inputs.roleSettings.sessionName).toBe('ecr-login-octo-repo-7');
  });

  test('a registry named twice fails first, even when it is not one of the registries', () => {
    core.inputs.registries = OTHER;
    core.inputs['registry-roles'] = `${ACCOUNT}=${ROLE_A}\n${ACCOUNT}=${ROLE_B}`;
    expect(() => getInputs()).toThrow(twice(`${ACCOUNT}=${ROLE_A}`, `${ACCOUNT}=${ROLE_B}`));
  });

  test('with no registries, a line has nothing to name: it fails, naming the line', () => {
    core.inputs['registry-roles'] = `${ACCOUNT}=${ROLE_A}`;
    expect(() => getInputs()).toThrow(notARegistry(`${ACCOUNT}=${ROLE_A}`));
  });
});

describe('splitList', () => {
  test.each<[string, string, string[]]>([
    ['empty input', '', []],
    ['only separators and blanks', ' ,\n , \n', []],
    ['a single entry', ACCOUNT, [ACCOUNT]],
    ['commas', 'a,b,c', ['a', 'b', 'c']],
    ['newlines', 'a\nb\nc', ['a', 'b', 'c']],
    ['CRLF line endings', 'a\r\nb\r\n', ['a', 'b']],
    ['commas and newlines mixed', 'a,b\nc', ['a', 'b', 'c']],
    ['surrounding whitespace', '  a ,\tb\t\n  c  ', ['a', 'b', 'c']],
    ['empty entries', 'a,,b,\n,c,', ['a', 'b', 'c']],
    ['duplicates, keeping the first position', 'b,a,b\na , c,a', ['b', 'a', 'c']],
    ['inner spaces kept (not a separator)', 'a b,c', ['a b', 'c']],
  ])('%s', (_name, raw, expected) => {
    expect(splitList(raw)).toEqual(expected);
  });
});

describe('parseEntry', () => {
  test.each<[string, string, Target]>([
    ['an account ID', ACCOUNT, { kind: 'account', account: ACCOUNT }],
    ['a standard host', HOST, HOST_TARGET],
    [
      'a dual-stack host',
      `${ACCOUNT}.dkr-ecr.eu-west-1.on.aws`,
      {
        kind: 'host',
        account: ACCOUNT,
        region: 'eu-west-1',
        host: `${ACCOUNT}.dkr-ecr.eu-west-1.on.aws`,
      },
    ],
    ['an https:// prefix and a trailing slash', `https://${HOST}/`, HOST_TARGET],
    ['upper case, lower-cased in the host', `HTTPS://${HOST.toUpperCase()}`, HOST_TARGET],
    ['public.ecr.aws', 'public.ecr.aws', PUBLIC],
    ['public.ecr.aws in upper case with https:// and a slash', 'https://PUBLIC.ECR.AWS/', PUBLIC],
  ])('accepts %s', (_name, entry, expected) => {
    expect(parseEntry(entry)).toEqual(expected);
  });

  test.each<[string, string]>([
    ['an 11-digit account ID', '12345678901'],
    ['a 13-digit account ID', '1234567890123'],
    ['an account ID with a letter', '12345678901a'],
    ['an option-like entry', '--password=x'],
    ['a shell command', 'foo; rm -rf /'],
    ['another registry', 'ghcr.io'],
    ['an http:// prefix', `http://${HOST}`],
    ['an empty entry', ''],
    ['a blank entry', '   '],
    ['a bare https://', 'https://'],
    ['a bare slash', '/'],
  ])('rejects %s, naming the entry and the accepted forms', (_name, entry) => {
    expect(() => parseEntry(entry)).toThrow(rejection(entry));
  });
});

describe('parseRegistryRoles', () => {
  test('one <registry>=<role ARN> per line; blank lines, spaces and CRs ignored; commas kept', () => {
    expect(
      parseRegistryRoles(
        `\n ${ACCOUNT}=${ROLE_A}\r\n\n  https://${HOST.toUpperCase()}/ = ${ROLE_B} \n` +
          `public.ecr.aws=${ROLE_C},x\n`,
      ),
    ).toEqual([
      { line: `${ACCOUNT}=${ROLE_A}`, key: `account:${ACCOUNT}`, role: ROLE_A },
      { line: `https://${HOST.toUpperCase()}/ = ${ROLE_B}`, key: `host:${HOST}`, role: ROLE_B },
      { line: `public.ecr.aws=${ROLE_C},x`, key: 'host:public.ecr.aws', role: `${ROLE_C},x` },
    ]);
  });

  test.each(['', ' \n\n  '])('%j names no roles', (raw) => {
    expect(parseRegistryRoles(raw)).toEqual([]);
  });

  const MALFORMED =
    "in 'registry-roles': expected <registry>=<role ARN>, such as " +
    '111111111111=arn:aws:iam::111111111111:role/ecr-push.';
  test.each<[string, string, Error]>([
    ['no =', ACCOUNT, new Error(`Invalid line '${ACCOUNT}' ${MALFORMED}`)],
    ['no registry', `=${ROLE_A}`, new Error(`Invalid line '=${ROLE_A}' ${MALFORMED}`)],
    ['a blank registry', `  = ${ROLE_A}`, new Error(`Invalid line '= ${ROLE_A}' ${MALFORMED}`)],
    ['no role', `${ACCOUNT}=`, new Error(`Invalid line '${ACCOUNT}=' ${MALFORMED}`)],
    ['a blank role', `${ACCOUNT}=  `, new Error(`Invalid line '${ACCOUNT}=' ${MALFORMED}`)],
    [
      'a role that is not a role ARN',
      `${ACCOUNT}=arn:aws:iam::1:role/x`,
      new Error(
        `Invalid role for '${ACCOUNT}' in 'registry-roles' 'arn:aws:iam::1:role/x': expected ` +
          'an IAM role ARN such as arn:aws:iam::123456789012:role/ecr-push.',
      ),
    ],
    ['a registry that is not one', `ghcr.io=${ROLE_A}`, rejection('ghcr.io', 'registry-roles')],
  ])('a line with %s fails, naming it', (_name, raw, error) => {
    expect(() => parseRegistryRoles(`public.ecr.aws=${ROLE_C}\n${raw}`)).toThrow(error);
  });

  test.each<[string, string, string]>([
    ['the same account', `${ACCOUNT}=${ROLE_A}`, `${ACCOUNT}=${ROLE_B}`],
    ['a host, then with https:// and a slash', `${HOST}=${ROLE_A}`, `https://${HOST}/=${ROLE_B}`],
    ['a host, then in upper case', `${HOST}=${ROLE_A}`, `${HOST.toUpperCase()}=${ROLE_B}`],
    ['the same line', `public.ecr.aws=${ROLE_A}`, `public.ecr.aws=${ROLE_A}`],
  ])('%s on two lines fails, naming both', (_name, earlier, later) => {
    expect(() => parseRegistryRoles(`${earlier}\n${OTHER}=${ROLE_C}\n${later}`)).toThrow(
      twice(earlier, later),
    );
  });

  test('an account ID and its standard host are two registries', () => {
    expect(parseRegistryRoles(`${ACCOUNT}=${ROLE_A}\n${HOST}=${ROLE_B}`)).toEqual([
      { line: `${ACCOUNT}=${ROLE_A}`, key: `account:${ACCOUNT}`, role: ROLE_A },
      { line: `${HOST}=${ROLE_B}`, key: `host:${HOST}`, role: ROLE_B },
    ]);
  });
});

describe('withRoles: the identity of each registry', () => {
  /** The targets of `registries` with the roles of `lines` (registry-roles) and the fallback. */
  const rolesOf = (registries: string[], lines: string, fallback = '') =>
    withRoles(parseRegistries(registries, 'private'), parseRegistryRoles(lines), fallback).map(
      (target) => target.role,
    );

  test('a line for a registry, the fallback for the others, else the job’s credentials', () => {
    const registries = [ACCOUNT, OTHER, 'public.ecr.aws'];
    expect(rolesOf(registries, `${OTHER}=${ROLE_B}`, ROLE_A)).toEqual([ROLE_A, ROLE_B, ROLE_A]);
    expect(rolesOf(registries, `public.ecr.aws=${ROLE_B}`)).toEqual([undefined, undefined, ROLE_B]);
    expect(rolesOf(registries, '')).toEqual([undefined, undefined, undefined]);
  });

  test('keeps every other field of the targets', () => {
    const targets = parseRegistries([HOST, ACCOUNT], 'private');
    expect(withRoles(targets, parseRegistryRoles(`${HOST}=${ROLE_A}`), ROLE_B)).toEqual([
      { ...HOST_TARGET, role: ROLE_A },
      { kind: 'account', account: ACCOUNT, role: ROLE_B },
    ]);
  });

  test.each([
    ['the account line first', `${ACCOUNT}=${ROLE_A}\n${HOST}=${ROLE_B}`],
    ['the host line first', `${HOST}=${ROLE_B}\n${ACCOUNT}=${ROLE_A}`],
  ])(
    'a host line wins over the account line for that host; the account entry keeps its own (%s)',
    (_name, lines) => {
      expect(rolesOf([HOST, ACCOUNT], lines, ROLE_C)).toEqual([ROLE_B, ROLE_A]);
    },
  );

  test('an account line is the role of its standard hosts, in any region', () => {
    const eu = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`;
    expect(rolesOf([HOST, eu, OTHER], `${ACCOUNT}=${ROLE_A}`, ROLE_C)).toEqual([
      ROLE_A,
      ROLE_A,
      ROLE_C,
    ]);
  });

  test.each([
    ['a dual-stack host', `${ACCOUNT}.dkr-ecr.us-east-1.on.aws`],
    ['a FIPS host', `${ACCOUNT}.dkr.ecr-fips.us-east-1.amazonaws.com`],
  ])('an account line is not the role of %s: alone, it names no registry', (_name, host) => {
    expect(() => rolesOf([host], `${ACCOUNT}=${ROLE_A}`)).toThrow(
      notARegistry(`${ACCOUNT}=${ROLE_A}`),
    );
  });

  test.each<[string, string[], string]>([
    ['another account', [ACCOUNT], `${OTHER}=${ROLE_A}`],
    ['a host of a listed account ID', [ACCOUNT], `${HOST}=${ROLE_A}`],
    ['ECR Public, not listed', [ACCOUNT], `https://public.ecr.aws/=${ROLE_A}`],
  ])('a line naming %s fails, naming the line', (_name, registries, line) => {
    expect(() => rolesOf(registries, `${ACCOUNT}=${ROLE_B}\n${line}`)).toThrow(notARegistry(line));
  });
});
