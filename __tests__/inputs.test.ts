import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import * as core from '../__fixtures__/core.ts';

jest.unstable_mockModule('@actions/core', () => core);
const { getInputs } = await import('../src/inputs.ts');

beforeEach(() => {
  core.reset();
});

/** The error getInputs throws with the current inputs. */
function inputError(): Error {
  try {
    getInputs();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`getInputs threw a non-Error: ${String(error)}`, { cause: error });
  }
  throw new Error('getInputs did not throw');
}

describe('getInputs', () => {
  test('defaults when no input is set', () => {
    expect(getInputs()).toEqual({
      registries: [],
      region: undefined,
      registryType: 'private',
      maskPassword: true,
      skipLogout: false,
      httpProxy: undefined,
      loginAttempts: 3,
      loginTimeoutMs: 60_000,
      isolateCredentials: false,
      containerCli: ['docker'],
      apiTimeoutMs: 120_000,
      role: undefined,
      registryRoles: {},
      roleSettings: { audience: 'sts.amazonaws.com', sessionName: '', durationSeconds: 3600 },
    });
    expect(core.setSecret).not.toHaveBeenCalled();
  });

  test('splits registries on commas and newlines, trimmed, without empties or repeats', () => {
    core.inputs.registries = ' 123456789012 ,\n210987654321\n\n123456789012, public.ecr.aws ';
    expect(getInputs().registries).toEqual(['123456789012', '210987654321', 'public.ecr.aws']);
  });

  describe('booleans', () => {
    type Flag = 'maskPassword' | 'skipLogout' | 'isolateCredentials';
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

  describe('whole numbers', () => {
    test.each<[string, string, 'loginAttempts' | 'loginTimeoutMs' | 'apiTimeoutMs', number]>([
      ['login-attempts', '1', 'loginAttempts', 1],
      ['login-attempts', ' 5 ', 'loginAttempts', 5],
      ['login-attempts', '10', 'loginAttempts', 10],
      ['login-timeout', '1', 'loginTimeoutMs', 1_000],
      ['login-timeout', '90', 'loginTimeoutMs', 90_000],
      ['login-timeout', '600', 'loginTimeoutMs', 600_000],
      ['api-timeout', '1', 'apiTimeoutMs', 1_000],
      ['api-timeout', '3600', 'apiTimeoutMs', 3_600_000],
    ])('%s %j → %s %d', (name, value, field, expected) => {
      core.inputs[name] = value;
      expect(getInputs()[field]).toBe(expected);
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
      ['api-timeout', '0', '1 to 3600'],
      ['api-timeout', '2m', '1 to 3600'],
      ['login-timeout', '60s', '1 to 600'],
    ])('%s %j is rejected, naming the input, the value and the range', (name, value, range) => {
      core.inputs[name] = value;
      expect(() => getInputs()).toThrow(
        new Error(`Invalid '${name}' '${value}': expected a whole number from ${range}.`),
      );
    });
  });

  describe('region', () => {
    test.each<[string, string]>([
      ['eu-west-1', 'eu-west-1'],
      [' us-gov-west-1 ', 'us-gov-west-1'],
      ['cn-north-1', 'cn-north-1'],
      // Fails against the current src: isRegion (registries.ts REGION) rejects eusc- regions.
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

  describe('registry-type', () => {
    test.each<[string, 'private' | 'public']>([
      ['private', 'private'],
      ['public', 'public'],
      ['PUBLIC', 'public'],
      [' Private ', 'private'],
    ])('%j → %s', (value, expected) => {
      core.inputs['registry-type'] = value;
      expect(getInputs().registryType).toBe(expected);
    });

    test('anything else is rejected, naming the input and the value', () => {
      core.inputs['registry-type'] = 'both';
      expect(() => getInputs()).toThrow(
        new Error(`Invalid 'registry-type' 'both': expected 'private' or 'public'.`),
      );
    });
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

  describe('http-proxy', () => {
    test.each<[string, string]>([
      ['http://proxy.example.com:3128', 'http://proxy.example.com:3128/'],
      ['https://proxy.example.com', 'https://proxy.example.com/'],
      [' http://10.0.0.1:8080/ ', 'http://10.0.0.1:8080/'],
      // without a scheme, as curl and the AWS CLI read it: http://
      ['127.0.0.1:3128', 'http://127.0.0.1:3128/'],
      ['proxy.example.com:3128', 'http://proxy.example.com:3128/'],
    ])('%j is accepted as a URL', (value, href) => {
      core.inputs['http-proxy'] = value;
      const { httpProxy } = getInputs();
      expect(httpProxy).toBeInstanceOf(URL);
      expect(httpProxy?.href).toBe(href);
      expect(core.setSecret).not.toHaveBeenCalled();
    });

    test.each(['not a url', 'http://', 'http://[::1'])(
      '%j is rejected with a message naming the input and the value',
      (value) => {
        core.inputs['http-proxy'] = value;
        expect(() => getInputs()).toThrow(
          new Error(
            `Invalid 'http-proxy' '${value}': expected a URL such as http://proxy.example.com:3128.`,
          ),
        );
      },
    );

    test.each([
      ['socks5://proxy.example.com:1080', 'socks5'],
      ['ftp://x', 'ftp'],
      ['file:///tmp/proxy', 'file'],
    ])(
      '%j is rejected: a scheme that cannot carry the API calls is never ignored',
      (value, scheme) => {
        core.inputs['http-proxy'] = value;
        expect(() => getInputs()).toThrow(
          new Error(
            `Invalid 'http-proxy' '${value}': the AWS API calls can go through an http:// or ` +
              `https:// proxy only, not ${scheme}://. Name an HTTP proxy or unset it.`,
          ),
        );
      },
    );

    test('registers the proxy password as a secret', () => {
      core.inputs['http-proxy'] = 'http://user:s3cret@proxy:3128';
      expect(getInputs().httpProxy?.href).toBe('http://user:s3cret@proxy:3128/');
      expect(core.setSecret).toHaveBeenCalledWith('s3cret');
      expect(core.secrets).toEqual(['user:s3cret', 's3cret']);
    });

    test('registers both the percent-encoded and the decoded password', () => {
      core.inputs['http-proxy'] = 'http://user:p%40ss%2Fw@proxy:3128';
      getInputs();
      expect(core.setSecret).toHaveBeenCalledWith('p%40ss%2Fw');
      expect(core.setSecret).toHaveBeenCalledWith('p@ss/w');
    });

    // Fails against the current src: inputs.ts getProxy calls decodeURIComponent on the password,
    // which throws URIError('URI malformed') for a '%' that starts no escape.
    test('accepts a password holding a bare %, and registers it as a secret', () => {
      core.inputs['http-proxy'] = 'http://user:50%off@proxy:3128';
      expect(getInputs().httpProxy?.password).toBe('50%off');
      expect(core.setSecret).toHaveBeenCalledWith('50%off');
    });

    test('an invalid proxy with credentials: the message hides them, the password is masked', () => {
      core.inputs['http-proxy'] = 'http://user:s3cret@[::1';
      const error = inputError();
      expect(error.message).toBe(
        `Invalid 'http-proxy' 'http://***@[::1': expected a URL such as http://proxy.example.com:3128.`,
      );
      expect(core.setSecret).toHaveBeenCalledWith('s3cret');
    });

    test.each([
      'ftp://user:s3cret@proxy:3128',
      'socks5://user:s3cret@proxy:1080',
      'http://user:s3cret@',
      'http://user:s3cret@proxy:99999',
      'http://user:s3cret@proxy name:3128',
      'ftp://user:s3cret@proxy/path@x',
      'http://user:s3cret/x@proxy:3128',
      'http://user:s3cret@[::1',
      'user:s3cret@[::1',
    ])('an invalid proxy %j never shows the password in the error message', (value) => {
      core.inputs['http-proxy'] = value;
      const error = inputError();
      expect(error.message).toMatch(/^Invalid 'http-proxy' /);
      expect(error.message).not.toContain('s3cret');
    });
  });
});

describe('role-to-assume', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  test.each([
    'arn:aws:iam::111111111111:role/ecr-push',
    'arn:aws:iam::111111111111:role/ci/deploy/ecr+push=1,a.b@c-d_e',
    'arn:aws-cn:iam::111111111111:role/x',
    'arn:aws-us-gov:iam::111111111111:role/x',
  ])('%s is taken, with the defaults', (arn) => {
    process.env.GITHUB_REPOSITORY = 'octo-org/octo-repo';
    process.env.GITHUB_RUN_ID = '4242';
    core.inputs['role-to-assume'] = arn;
    expect(getInputs().role).toEqual({
      arn,
      audience: 'sts.amazonaws.com',
      sessionName: 'ecr-login-octo-repo-4242',
      durationSeconds: 3600,
    });
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
    core.inputs['role-to-assume'] = 'arn:aws:iam::111111111111:role/x';
    core.inputs.audience = 'my-aud';
    core.inputs['role-session-name'] = 'deploy@main';
    core.inputs['role-duration-seconds'] = '900';
    expect(getInputs().role).toMatchObject({
      audience: 'my-aud',
      sessionName: 'deploy@main',
      durationSeconds: 900,
    });
    delete core.inputs['role-session-name'];
    process.env.GITHUB_REPOSITORY = `o/${'r'.repeat(80)} x`;
    const name = getInputs().role?.sessionName ?? '';
    expect(name).toHaveLength(64);
    expect(name).toMatch(/^ecr-login-r+$/);
  });

  test.each([
    ['role-session-name', 'a', 'expected 2 to 64 letters, digits or any of _+=,.@-.'],
    ['role-session-name', 'has space', 'expected 2 to 64 letters, digits or any of _+=,.@-.'],
    ['role-duration-seconds', '899', 'expected a whole number from 900 to 43200.'],
    ['role-duration-seconds', '43201', 'expected a whole number from 900 to 43200.'],
  ])('%s %j is refused', (name, value, expected) => {
    core.inputs['role-to-assume'] = 'arn:aws:iam::111111111111:role/x';
    core.inputs[name] = value;
    expect(() => getInputs()).toThrow(`Invalid '${name}' '${value}': ${expected}`);
  });

  test('none asked for: the job’s own credentials', () => {
    core.inputs.audience = 'ignored';
    expect(getInputs().role).toBeUndefined();
  });
});

describe('registry-roles', () => {
  test('one <registry>=<role ARN> per line, blank lines ignored, ARNs with commas kept whole', () => {
    core.inputs['registry-roles'] =
      '111111111111=arn:aws:iam::111111111111:role/push\n\n  public.ecr.aws = arn:aws:iam::222222222222:role/a,b \n';
    const inputs = getInputs();
    expect(inputs.registryRoles).toEqual({
      '111111111111': 'arn:aws:iam::111111111111:role/push',
      'public.ecr.aws': 'arn:aws:iam::222222222222:role/a,b',
    });
    expect(inputs.role).toBeUndefined();
    expect(inputs.roleSettings.sessionName).toMatch(/^ecr-login-/);
  });

  test.each([
    [
      '111111111111',
      "Invalid line '111111111111' in 'registry-roles': expected <registry>=<role ARN>",
    ],
    [
      '=arn:aws:iam::111111111111:role/x',
      "Invalid line '=arn:aws:iam::111111111111:role/x' in 'registry-roles'",
    ],
    ['111111111111=', "Invalid line '111111111111=' in 'registry-roles'"],
    [
      '111111111111=arn:aws:iam::1:role/x',
      "Invalid role for '111111111111' in 'registry-roles' 'arn:aws:iam::1:role/x': expected an IAM role ARN",
    ],
  ])('%j fails, naming the line', (value, message) => {
    core.inputs['registry-roles'] = value;
    expect(() => getInputs()).toThrow(message);
  });
});
