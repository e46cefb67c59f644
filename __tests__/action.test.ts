import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import {
  ECRPUBLICClient,
  GetAuthorizationTokenCommand as GetPublicTokenCommand,
} from '@aws-sdk/client-ecr-public';
import * as core from '../__fixtures__/core.ts';
import * as exec from '../__fixtures__/command.ts';
import { endJob, loginOf, readJson, startJob } from '../__fixtures__/job.ts';

jest.unstable_mockModule('@actions/core', () => core);
jest.unstable_mockModule('../src/command.ts', () => exec);
/** The role's credentials, as src/assume-role.ts would hand them over (it has tests of its own). */
const ROLE_KEYS = {
  accessKeyId: 'ASIAROLEKEY',
  secretAccessKey: 'role-secret',
  sessionToken: 'role-token',
};
const assumeRole = jest.fn((role: { arn: string }) =>
  Promise.resolve({
    credentials: role.arn.endsWith('/other')
      ? { ...ROLE_KEYS, accessKeyId: 'ASIAOTHERKEY' }
      : ROLE_KEYS,
    via: 'oidc' as const,
  }),
);
jest.unstable_mockModule('../src/assume-role.ts', () => ({ assumeRole }));
const { run } = await import('../src/action.ts');
const { Records } = await import('../src/records.ts');
const { stopProcesses } = await import('../src/runner.ts');
const { ask } = await import('../src/helper.ts');

const ecr = mockClient(ECRClient);
const ecrPublic = mockClient(ECRPUBLICClient);
const expiresAt = new Date('2030-01-01T12:00:00Z');
const token = (password: string): string => Buffer.from(`AWS:${password}`).toString('base64');
const host = (account: string, region = 'eu-west-1'): string =>
  `${account}.dkr.ecr.${region}.amazonaws.com`;
const answer = (account: string, password: string, region = 'eu-west-1') => ({
  authorizationToken: token(password),
  proxyEndpoint: `https://${host(account, region)}`,
  expiresAt,
});

let dir: string;

beforeEach(() => {
  core.reset();
  exec.reset();
  ecr.reset();
  ecrPublic.reset();
  const job = startJob();
  dir = job.root;
  process.env.AWS_REGION = 'eu-west-1';
  delete process.env.AWS_DEFAULT_REGION;
  // the CLIs are found on PATH; what they do is the command fixture's
  for (const cli of ['docker', 'podman', 'skopeo']) {
    fs.writeFileSync(path.join(job.bin, cli), '#!/bin/sh\n', { mode: 0o755 });
  }
});
afterEach(endJob);

const auths = (): string[] => {
  const file = path.join(dir, 'docker', 'config.json');
  const config = (fs.existsSync(file) ? readJson(file) : {}) as { auths?: object };
  return Object.keys(config.auths ?? {}).sort();
};
/** The logins main recorded for the post step. */
const savedLogins = (): unknown[] => new Records(core.state['run-dir'] ?? '').logins();
/** The record of a login to `registry` with password 'pw', kept in `file` itself. */
const record = (registry: string, file: string, cli: 'docker' | 'podman' = 'docker') =>
  loginOf(registry, file, 'pw', { cli });
/** The record of a docker login to a file-store host in the config directory `store`. */
const dockerLogin = (registry: string, store: string) =>
  record(registry, path.join(store, 'config.json'));
/** ECR answers the caller's default registry, and that registry accepts the password 'pw'. */
const oneRegistry = (): void => {
  ecr
    .on(GetAuthorizationTokenCommand)
    .resolves({ authorizationData: [answer('123456789012', 'pw')] });
  exec.passwords[host('123456789012')] = 'pw';
};

/**
 * The agent of credential-helper is a real process: the command fixture reads its start time
 * from /proc and stops it, so the run records it and the test can end it.
 */
const realProcesses = (): void => {
  exec.startTimeOf.mockImplementation((pid) => {
    const file = `/proc/${String(pid)}/stat`;
    const stat = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return stat === '' || fields[0] === 'Z' ? undefined : fields[19];
  });
  exec.stopIfSame.mockImplementation((pid) => {
    process.kill(pid, 'SIGKILL');
    return true;
  });
};

/** Three registries in two regions: 111… and 222… in eu-west-1 (password a), 333… in us-west-2 (b). */
const threeRegistries = (): void => {
  core.inputs.registries = `111111111111\n333333333333.dkr.ecr.us-west-2.amazonaws.com, 222222222222`;
  ecr
    .on(GetAuthorizationTokenCommand, { registryIds: ['111111111111', '222222222222'] })
    .resolves({ authorizationData: [answer('111111111111', 'a'), answer('222222222222', 'a')] })
    .on(GetAuthorizationTokenCommand, { registryIds: ['333333333333'] })
    .resolves({ authorizationData: [answer('333333333333', 'b', 'us-west-2')] });
};

describe('run', () => {
  test('logs in to the default registry: masks first, then logs in, then outputs', async () => {
    oneRegistry();
    await run();

    expect(core.setFailed).not.toHaveBeenCalled();
    expect(ecr.commandCalls(GetAuthorizationTokenCommand)[0]?.args[0].input).toEqual({});
    expect(exec.calls.map((c) => [c.args, c.stdin])).toEqual([
      [['login', '--username', 'AWS', '--password-stdin', host('123456789012')], 'pw'],
    ]);
    const firstSecret = core.events.indexOf('setSecret:pw');
    expect(firstSecret).toBeGreaterThanOrEqual(0);
    // nothing but debug lines (which hold no secret) and the name of the run's working
    // directory (saved first, so that a cancelled run can be cleaned up) come before the masks
    expect(core.events[0]).toBe('saveState:run-dir');
    const firstOther = core.events.findIndex(
      (e, i) => i > 0 && !e.startsWith('setSecret:') && !e.startsWith('debug:'),
    );
    expect(firstOther).toBeGreaterThan(firstSecret);
    expect(
      core.events.indexOf(
        `exec:docker login --username AWS --password-stdin ${host('123456789012')}`,
      ),
    ).toBe(firstOther);
    expect(core.outputs).toEqual({
      registry: host('123456789012'),
      registries: host('123456789012'),
      docker_username_123456789012_dkr_ecr_eu_west_1_amazonaws_com: 'AWS',
      docker_password_123456789012_dkr_ecr_eu_west_1_amazonaws_com: 'pw',
      'expires-at': '2030-01-01T12:00:00.000Z',
    });
    expect(savedLogins()).toEqual([dockerLogin(host('123456789012'), path.join(dir, 'docker'))]);
    expect(auths()).toEqual([host('123456789012')]);
    expect(core.logs).toContain(
      `group: Logged in to ${host('123456789012')} (eu-west-1) with docker`,
    );
    expect(core.warning).not.toHaveBeenCalled();
    expect(assumeRole).not.toHaveBeenCalled();
  });

  test('several regions and hosts: one call per region, every registry logged in', async () => {
    threeRegistries();
    exec.passwords[host('111111111111')] = 'a';
    exec.passwords[host('222222222222')] = 'a';
    exec.passwords[host('333333333333', 'us-west-2')] = 'b';
    await run();

    expect(core.setFailed).not.toHaveBeenCalled();
    const regions = await Promise.all(
      ecr.calls().map((call) => (call.thisValue as ECRClient).config.region()),
    );
    expect(regions.sort()).toEqual(['eu-west-1', 'us-west-2']);
    expect(auths()).toEqual(
      [host('111111111111'), host('222222222222'), host('333333333333', 'us-west-2')].sort(),
    );
    expect(core.outputs.registry).toBeUndefined();
    // in the order of the inputs, whichever login finished first
    expect(core.outputs.registries).toBe(
      [host('111111111111'), host('333333333333', 'us-west-2'), host('222222222222')].join(','),
    );
    expect(savedLogins().length).toBe(3);
  });

  test('ECR Public with registry-type public', async () => {
    core.inputs['registry-type'] = 'public';
    core.inputs.registries = '111111111111';
    ecrPublic.on(GetPublicTokenCommand).resolves({
      authorizationData: { authorizationToken: token('pub'), expiresAt },
    });
    exec.passwords['public.ecr.aws'] = 'pub';
    await run();
    expect(core.setFailed).not.toHaveBeenCalled();
    expect(ecr.calls()).toHaveLength(0);
    expect(core.outputs.registry).toBe('public.ecr.aws');
    expect(core.outputs.docker_password_public_ecr_aws).toBe('pub');
  });

  test('bad input fails before any API call or command', async () => {
    core.inputs.registries = '111111111111,--password=x';
    await run();
    expect(core.setFailed).toHaveBeenCalledWith(
      expect.stringContaining("Invalid registry '--password=x'"),
    );
    expect([ecr.calls(), exec.calls, core.state]).toEqual([[], [], {}]);
  });

  test('no region anywhere fails with how to set one, before any API call', async () => {
    delete process.env.AWS_REGION;
    process.env.AWS_CONFIG_FILE = path.join(dir, 'none');
    process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(dir, 'none');
    delete process.env.AWS_PROFILE;
    await run();
    expect(core.setFailed).toHaveBeenCalledWith(expect.stringContaining("Set the 'region' input"));
    expect(exec.calls).toHaveLength(0);
  });

  test('a cancel (SIGINT) mid-login: the CLIs are stopped, staging deleted, what landed kept', async () => {
    core.inputs.registries = '111111111111,222222222222';
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [answer('111111111111', 'pw'), answer('222222222222', 'pw')],
    });
    exec.passwords[host('111111111111')] = 'pw';
    exec.passwords[host('222222222222')] = 'pw';
    // the second registry's login never ends on its own
    const inner = exec.runCommand.getMockImplementation();
    let hung: AbortSignal | undefined;
    exec.runCommand.mockImplementation((command, args, options) => {
      if (args.at(-1) !== host('222222222222')) {
        return inner?.(command, args, options) ?? Promise.reject(new Error('no implementation'));
      }
      hung = options?.signal;
      return new Promise(() => undefined);
    });
    const exit = jest.spyOn(process, 'exit').mockImplementation(() => undefined as never);
    try {
      const running = run();
      const landed = () => savedLogins().length === 1;
      // until the first login has landed and the second is in flight (5 s at most, under load)
      for (let waited = 0; waited < 5000 && (hung === undefined || !landed()); waited += 10) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(hung).toBeDefined();
      const runDir = core.state['run-dir'] ?? '';
      expect(fs.readdirSync(runDir).some((e) => e.startsWith('docker-'))).toBe(true);
      expect(hung?.aborted).toBe(false);
      process.emit('SIGINT', 'SIGINT');
      // the runner ends the command in flight (runCommand ends its process group on abort)
      expect(hung?.aborted).toBe(true);
      expect(exit).toHaveBeenCalledWith(1);
      // the staging directory of the login in flight is gone; the record of the one that landed stays
      expect(fs.readdirSync(runDir).sort()).toEqual(['.ecr-login-action', 'logins.jsonl']);
      expect(savedLogins()).toEqual([dockerLogin(host('111111111111'), path.join(dir, 'docker'))]);
      expect(core.logs).toContain(
        'info: Stopped by SIGINT: the post step logs out of the registries logged in so far.',
      );
      void running;
    } finally {
      exit.mockRestore();
      process.removeAllListeners('SIGINT');
      process.removeAllListeners('SIGTERM');
    }
  });

  test('a target whose answer cannot be used fails alone; the others are logged in', async () => {
    core.inputs.registries = '111111111111,222222222222';
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [
        answer('111111111111', 'pw'),
        { ...answer('222222222222', 'pw'), authorizationToken: token('') },
      ],
    });
    exec.passwords[host('111111111111')] = 'pw';
    await run();
    expect(core.outputs.registries).toBe(host('111111111111'));
    expect(core.setFailed).toHaveBeenCalledWith(
      'ECR returned an authorization token that is not of the form AWS:<password>.',
    );
  });

  test('role-to-assume: every API call with the role’s credentials, the log says which', async () => {
    const arn = 'arn:aws:iam::123456789012:role/ecr-push';
    core.inputs['role-to-assume'] = arn;
    oneRegistry();
    await run();
    expect(core.setFailed).not.toHaveBeenCalled();
    expect(assumeRole).toHaveBeenCalledWith(
      expect.objectContaining({ arn, audience: 'sts.amazonaws.com', durationSeconds: 3600 }),
      'eu-west-1',
      expect.anything(),
      expect.anything(),
      expect.any(Function),
    );
    const [call] = ecr.commandCalls(GetAuthorizationTokenCommand);
    const client = call?.thisValue as ECRClient | undefined;
    await expect(client?.config.credentials()).resolves.toMatchObject(ROLE_KEYS);
    expect(core.logs).toContain(
      `group: Logged in to ${host('123456789012')} (eu-west-1) with docker as ${arn}`,
    );
    // the role's keys went nowhere else
    const written = JSON.stringify([core.outputs, core.state, core.events]);
    for (const key of ['ASIAROLEKEY', 'role-secret', 'role-token'])
      expect(written).not.toContain(key);
    expect(core.exportVariable).not.toHaveBeenCalled();
  });

  test('a role per registry: each group with its own role, each role assumed once', async () => {
    const own = 'arn:aws:iam::111111111111:role/ecr-push';
    const other = 'arn:aws:iam::222222222222:role/other';
    core.inputs.registries = `111111111111, 333333333333, ${host('222222222222', 'us-west-2')}`;
    core.inputs['role-to-assume'] = own;
    core.inputs['registry-roles'] = `${host('222222222222', 'us-west-2')}=${other}`;
    ecr.on(GetAuthorizationTokenCommand).callsFake((input: { registryIds?: string[] }) =>
      Promise.resolve({
        authorizationData: (input.registryIds ?? []).map((id) =>
          answer(id, 'pw', id === '222222222222' ? 'us-west-2' : 'eu-west-1'),
        ),
      }),
    );
    for (const [id, region] of [
      ['111111111111', 'eu-west-1'],
      ['333333333333', 'eu-west-1'],
      ['222222222222', 'us-west-2'],
    ] as const) {
      exec.passwords[host(id, region)] = 'pw';
    }
    await run();
    expect(core.setFailed).not.toHaveBeenCalled();
    expect(assumeRole.mock.calls.map(([role]) => role.arn).sort()).toEqual([own, other].sort());
    const keys = await Promise.all(
      ecr.commandCalls(GetAuthorizationTokenCommand).map(async (call) => [
        // eslint-disable-next-line @typescript-eslint/no-deprecated -- the IDs the call carried
        call.args[0].input.registryIds?.join(','),
        (await (call.thisValue as ECRClient).config.credentials()).accessKeyId,
      ]),
    );
    expect(keys.sort()).toEqual([
      ['111111111111,333333333333', 'ASIAROLEKEY'],
      ['222222222222', 'ASIAOTHERKEY'],
    ]);
    expect(core.logs).toEqual(
      expect.arrayContaining([
        `group: Logged in to ${host('111111111111')} (eu-west-1) with docker as ${own}`,
        `group: Logged in to ${host('222222222222', 'us-west-2')} (us-west-2) with docker as ${other}`,
      ]),
    );
  });

  test('a registry-roles line that names no registry fails before any call', async () => {
    core.inputs.registries = '111111111111';
    core.inputs['registry-roles'] = '444444444444=arn:aws:iam::444444444444:role/x';
    await run();
    expect(core.setFailed).toHaveBeenCalledWith(
      "'registry-roles' line '444444444444=arn:aws:iam::444444444444:role/x' names a registry " +
        "that is not one of 'registries'.",
    );
    expect(ecr.calls()).toHaveLength(0);
    expect(assumeRole).not.toHaveBeenCalled();
  });

  test('a partial failure keeps the state of the logins that worked, and fails the step', async () => {
    core.inputs.registries = '111111111111,222222222222';
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [answer('111111111111', 'pw'), answer('222222222222', 'pw')],
    });
    exec.passwords[host('111111111111')] = 'pw';
    exec.passwords[host('222222222222')] = 'other';
    await run();
    expect(savedLogins()).toEqual([dockerLogin(host('111111111111'), path.join(dir, 'docker'))]);
    expect(core.setFailed).toHaveBeenCalledWith(
      expect.stringMatching(`^docker login to ${host('222222222222')} failed: .*unauthorized`),
    );
    expect(core.outputs.registries).toBe(host('111111111111'));
    expect(core.outputs.registry).toBeUndefined();
    expect(core.logs.join('\n')).not.toMatch(/pw/);
  });

  test('several failures are each reported, and summed up', async () => {
    core.inputs.registries = '111111111111,222222222222.dkr.ecr.us-east-1.amazonaws.com';
    ecr
      .on(GetAuthorizationTokenCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    await run();
    const denied = (region: string) =>
      `Access denied to ECR GetAuthorizationToken in ${region} (not authorized). ` +
      'The IAM principal needs ecr:GetAuthorizationToken on resource "*".';
    expect(core.error.mock.calls).toEqual([[denied('eu-west-1')], [denied('us-east-1')]]);
    expect(core.setFailed).toHaveBeenCalledWith('2 registry logins failed; see the errors above.');
    expect(savedLogins()).toEqual([]);
  });

  test('a role that cannot be assumed fails its registries in every region with one error', async () => {
    const arn = 'arn:aws:iam::111111111111:role/refused';
    core.inputs.registries = `111111111111, ${host('333333333333', 'us-west-2')}`;
    core.inputs['role-to-assume'] = arn;
    assumeRole.mockRejectedValueOnce(new Error(`The role ${arn} refused GitHub's OIDC token`));
    await run();
    expect(core.setFailed.mock.calls).toEqual([[`The role ${arn} refused GitHub's OIDC token`]]);
    expect([core.error.mock.calls, ecr.calls(), assumeRole.mock.calls.length]).toEqual([[], [], 1]);
  });

  test('the job summary: a row per registry logged in, with its CLIs; the failed logins counted', async () => {
    process.env.GITHUB_STEP_SUMMARY = path.join(dir, 'summary.md');
    process.env.REGISTRY_AUTH_FILE = path.join(dir, 'containers-auth.json');
    core.inputs['container-cli'] = 'docker,podman';
    core.inputs.registries = '111111111111,222222222222';
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [answer('111111111111', 'pw'), answer('222222222222', 'pw')],
    });
    exec.passwords[host('111111111111')] = 'pw';
    await run();
    const [heading, table, failed, ...rest] = core.summaryParts;
    expect([heading, (JSON.parse(table ?? '[]') as unknown[]).slice(1), failed, rest]).toEqual([
      '# Amazon ECR login',
      [[`<code>${host('111111111111')}</code>`, 'eu-west-1', 'docker, podman', '2030-01-01 12:00']],
      '2 login(s) failed: see the log.',
      [],
    ]);
  });

  test('an API failure in one region does not stop the logins of another', async () => {
    core.inputs.registries = '111111111111,222222222222.dkr.ecr.us-east-1.amazonaws.com';
    ecr
      .on(GetAuthorizationTokenCommand, { registryIds: ['111111111111'] })
      .resolves({ authorizationData: [answer('111111111111', 'pw')] })
      .on(GetAuthorizationTokenCommand, { registryIds: ['222222222222'] })
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    exec.passwords[host('111111111111')] = 'pw';
    await run();
    expect(auths()).toEqual([host('111111111111')]);
    expect(core.setFailed).toHaveBeenCalledWith(
      expect.stringContaining('Access denied to ECR GetAuthorizationToken in us-east-1'),
    );
  });

  test('skip-logout saves no state', async () => {
    core.inputs['skip-logout'] = 'true';
    oneRegistry();
    await run();
    expect(core.setFailed).not.toHaveBeenCalled();
    // only the run's working directory, and that is gone: there is nothing to log out of
    expect(Object.keys(core.state)).toEqual(['run-dir']);
    expect(fs.existsSync(core.state['run-dir'] ?? '')).toBe(false);
  });

  test('mask-password false: password not masked, still an output, and a warning', async () => {
    core.inputs['mask-password'] = 'false';
    oneRegistry();
    await run();
    expect(core.secrets).toEqual([token('pw')]);
    expect(core.outputs['docker_password_123456789012_dkr_ecr_eu_west_1_amazonaws_com']).toBe('pw');
    expect(core.warning).toHaveBeenCalledWith(expect.stringContaining("'mask-password' is false"));
    expect(core.logs.join('\n')).not.toContain('pw\n');
  });

  // How the private directory is made, seeded and named in the state: logins.test.ts.
  test('isolate-credentials: the login lands in the job-private config, the shared one untouched', async () => {
    core.inputs['isolate-credentials'] = 'true';
    const shared = { auths: { 'hub.example': { auth: 'eA==' } } };
    fs.writeFileSync(path.join(dir, 'docker', 'config.json'), JSON.stringify(shared));
    oneRegistry();
    await run();
    const isolated = core.state['private-config'] ?? '';
    expect(core.exportVariable).toHaveBeenCalledWith('DOCKER_CONFIG', isolated);
    expect(readJson(path.join(dir, 'docker', 'config.json'))).toEqual(shared);
    expect(readJson(path.join(isolated, 'config.json'))).toEqual({
      auths: { 'hub.example': { auth: 'eA==' }, [host('123456789012')]: { auth: token('pw') } },
    });
    expect(savedLogins()).toEqual([dockerLogin(host('123456789012'), isolated)]);
  });

  test('login-attempts and login-timeout reach the login, and retries are logged', async () => {
    core.inputs['login-attempts'] = '2';
    core.inputs['login-timeout'] = '7';
    oneRegistry();
    exec.runCommand.mockResolvedValueOnce({
      exitCode: 1,
      stdout: '',
      stderr: 'i/o timeout\n',
      timedOut: false,
    });
    await run();
    expect(core.setFailed).not.toHaveBeenCalled();
    expect(exec.runCommand.mock.calls.map((call) => call[2]?.timeoutMs)).toEqual([7000, 7000]);
    expect(core.logs).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^info: Login to ${host('123456789012')} failed \\(attempt 1 of 2\\): i/o timeout; retrying in [01]\\.\\d s$`,
        ),
      ),
    );
  });

  test('container-cli docker,podman: each registry logged in with both, each login recorded', async () => {
    core.inputs['container-cli'] = 'docker,podman';
    process.env.REGISTRY_AUTH_FILE = path.join(dir, 'containers-auth.json');
    oneRegistry();
    await run();

    expect(core.setFailed).not.toHaveBeenCalled();
    expect(exec.calls.map((c) => [c.command, c.args, c.stdin])).toEqual(
      expect.arrayContaining([
        ['docker', ['login', '--username', 'AWS', '--password-stdin', host('123456789012')], 'pw'],
        ['podman', ['login', '--username', 'AWS', '--password-stdin', host('123456789012')], 'pw'],
      ]),
    );
    expect(savedLogins()).toEqual(
      expect.arrayContaining([
        dockerLogin(host('123456789012'), path.join(dir, 'docker')),
        record(host('123456789012'), path.join(dir, 'containers-auth.json'), 'podman'),
      ]),
    );
    expect(core.logs).toEqual(
      expect.arrayContaining([
        `group: Logged in to ${host('123456789012')} (eu-west-1) with docker, podman`,
        'info: docker: Login Succeeded\npodman: Login Succeeded!',
      ]),
    );
  });

  test('one CLI failing fails the step but keeps the login of the other', async () => {
    core.inputs['container-cli'] = 'docker,skopeo';
    process.env.REGISTRY_AUTH_FILE = path.join(dir, 'containers-auth.json');
    oneRegistry();
    exec.runCommand.mockImplementationOnce(() =>
      Promise.resolve({
        exitCode: 1,
        stdout: '',
        stderr: 'Error: x509: bad certificate\n',
        timedOut: false,
      }),
    );
    await run();
    expect(core.setFailed).toHaveBeenCalledWith(
      expect.stringMatching(/^(docker|skopeo) login to \S+ failed: Error: x509: bad certificate$/),
    );
    expect(savedLogins()).toHaveLength(1);
  });

  test.each([
    ['buildah', 'bin', 'buildah'],
    ['docker, buildah', 'bin', 'buildah'],
    ['docker', '', 'docker'],
  ])(
    'container-cli %j, PATH <dir>/%s: %s is not installed, before any API call',
    async (clis, bin, cli) => {
      core.inputs['container-cli'] = clis;
      process.env.PATH = path.join(dir, bin);
      await run();
      expect(core.setFailed).toHaveBeenCalledWith(
        expect.stringContaining(`The ${cli} CLI was not found on PATH`),
      );
      expect(ecr.calls()).toHaveLength(0);
    },
  );

  test('a config.json that is not JSON fails before any API call, and is left as it was', async () => {
    fs.writeFileSync(path.join(dir, 'docker', 'config.json'), '{not json');
    oneRegistry();
    await run();
    expect(core.setFailed).toHaveBeenCalledWith(
      expect.stringMatching(/^The credential file .*config\.json is not a valid JSON object/),
    );
    expect([ecr.calls(), exec.calls]).toEqual([[], []]);
    expect(fs.readFileSync(path.join(dir, 'docker', 'config.json'), 'utf8')).toBe('{not json');
  });

  test('CLI output that holds workflow commands is printed between stop-commands markers', async () => {
    oneRegistry();
    const inner = exec.runCommand.getMockImplementation();
    exec.runCommand.mockImplementationOnce(async (command, args, options) => {
      const result = await (inner?.(command, args, options) ?? Promise.reject(new Error('none')));
      return {
        ...result,
        stdout: 'Login Succeeded\n::stop-commands::x\n::add-mask::y\n##[set-env]z',
      };
    });
    await run();
    expect(core.setFailed).not.toHaveBeenCalled();
    const printed = core.logs.find((line) => line.includes('Login Succeeded')) ?? '';
    const [start, ...rest] = printed.split('\n');
    const token = /^info: ::stop-commands::([0-9a-f]{32})$/.exec(start ?? '')?.[1];
    expect(token).toBeDefined();
    expect(rest).toEqual([
      'docker: Login Succeeded',
      '::stop-commands::x',
      '::add-mask::y',
      '##[set-env]z',
      `::${token ?? ''}::`,
    ]);
    // text without a command in it is printed as it is
    expect(core.logs).toContain('info: Credentials expire at 2030-01-01T12:00:00.000Z');
  });

  test('credential-helper: the agent holds the token, the config names its helper, no password is an output', async () => {
    realProcesses();
    oneRegistry();
    core.inputs['credential-helper'] = 'true';
    await run();
    const records = new Records(core.state['run-dir'] ?? '');
    try {
      expect(core.setFailed).not.toHaveBeenCalled();
      expect(exec.calls).toEqual([]);
      const registry = host('123456789012');
      const helper = `ecr-login-${path.basename(core.state['run-dir'] ?? '').slice(10)}`;
      expect(readJson(path.join(dir, 'docker', 'config.json'))).toEqual({
        credHelpers: { [registry]: helper },
      });
      expect(core.outputs).toEqual({
        registry,
        registries: registry,
        docker_username_123456789012_dkr_ecr_eu_west_1_amazonaws_com: 'AWS',
        'expires-at': '2030-01-01T12:00:00.000Z',
      });
      const socket = path.join(core.state['run-dir'] ?? '', 'agent.sock');
      expect(await ask(socket, registry)).toEqual({ username: 'AWS', secret: 'pw' });
      expect(core.logs).toContain(
        `info: docker: asks the credential helper docker-credential-${helper}`,
      );
      expect(records.running(true)).toHaveLength(1);
      expect(records.logins()).toEqual([
        {
          ...loginOf(registry, path.join(dir, 'docker', 'config.json'), 'pw'),
          helper,
          fingerprint: '',
          agent: true,
        },
      ]);
    } finally {
      await stopProcesses(records.running(true));
    }
  }, 20_000);

  test('credential-helper, several regions: one agent for all, the outputs in the order of the inputs', async () => {
    realProcesses();
    core.inputs['credential-helper'] = 'true';
    threeRegistries();
    await run();
    const records = new Records(core.state['run-dir'] ?? '');
    try {
      expect(core.setFailed).not.toHaveBeenCalled();
      const hosts = [host('111111111111'), host('333333333333', 'us-west-2'), host('222222222222')];
      expect(core.outputs.registries).toBe(hosts.join(','));
      expect(records.running(true)).toHaveLength(1);
      const socket = path.join(core.state['run-dir'] ?? '', 'agent.sock');
      const answers = await Promise.all(hosts.map((h) => ask(socket, h)));
      expect(answers.map((a) => ('secret' in a ? a.secret : a.error))).toEqual(['a', 'b', 'a']);
    } finally {
      await stopProcesses(records.running(true));
    }
  }, 20_000);

  test('credential-helper: an agent that cannot start fails every registry with its reason', async () => {
    oneRegistry();
    core.inputs['credential-helper'] = 'true';
    process.env.RUNNER_TEMP = path.join(dir, 'd'.repeat(100));
    await run();
    expect(core.setFailed).toHaveBeenCalledWith(
      expect.stringMatching(
        /^The credential agent's socket path .* set RUNNER_TEMP to a shorter directory\.$/,
      ),
    );
    expect(core.outputs).toEqual({});
  });

  test('a job summary that cannot be written is a warning: the logins stand', async () => {
    oneRegistry();
    process.env.GITHUB_STEP_SUMMARY = path.join(dir, 'no-such-dir', 'summary.md');
    await run();
    expect(core.setFailed).not.toHaveBeenCalled();
    expect(core.warning).toHaveBeenCalledWith(
      expect.stringMatching(/^The job summary could not be written: .*ENOENT/),
    );
    expect(core.outputs.registry).toBe(host('123456789012'));
    expect(savedLogins()).toHaveLength(1);
  });
});
