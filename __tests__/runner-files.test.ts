// Runs the main and post steps with the real @actions/core, reading INPUT_* variables and
// writing the runner's GITHUB_OUTPUT and GITHUB_STATE files, as a GitHub runner would.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, expect, jest, test } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import * as exec from '../__fixtures__/command.ts';

jest.unstable_mockModule('../src/command.ts', () => exec);
const { run } = await import('../src/action.ts');
const { post } = await import('../src/cleanup.ts');

const ecr = mockClient(ECRClient);
const savedEnv = { ...process.env };
let dir: string;

/** Parses a runner file command file: `name=value` lines and `name<<DELIM` heredocs. */
function parseFileCommands(file: string): Record<string, string> {
  const lines = fs.readFileSync(file, 'utf8').split(os.EOL);
  const values: Record<string, string> = {};
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc?.[1] && heredoc[2]) {
      const end = lines.indexOf(heredoc[2], i + 1);
      values[heredoc[1]] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) {
      values[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return values;
}

beforeEach(() => {
  exec.reset();
  ecr.reset();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-files-'));
  for (const name of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_ENV']) {
    const file = path.join(dir, name.toLowerCase());
    fs.writeFileSync(file, '');
    process.env[name] = file;
  }
  process.env.RUNNER_TEMP = dir;
  process.env.DOCKER_CONFIG = path.join(dir, 'docker');
  process.env['INPUT_REGISTRIES'] = '111111111111.dkr.ecr.eu-central-1.amazonaws.com';
  process.env['INPUT_MASK-PASSWORD'] = 'true';
  process.env['INPUT_SKIP-LOGOUT'] = 'false';
  process.env['INPUT_REGISTRY-TYPE'] = 'private';
});
afterEach(() => {
  process.env = { ...savedEnv };
  process.exitCode = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

test('main writes outputs and state through the runner files; post reads the state back', async () => {
  const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const host = '111111111111.dkr.ecr.eu-central-1.amazonaws.com';
  ecr.on(GetAuthorizationTokenCommand).resolves({
    authorizationData: [
      {
        authorizationToken: Buffer.from('AWS:multi\nline').toString('base64'),
        proxyEndpoint: `https://${host}`,
        expiresAt: new Date('2031-05-06T07:08:09Z'),
      },
    ],
  });
  exec.passwords[host] = 'multi\nline';
  try {
    await run();
    const printed = write.mock.calls.map((call) => String(call[0])).join('');
    // the masks come first: only debug lines, which hold no secret, may stand before them
    const beforeMasks = printed.slice(0, printed.indexOf('::add-mask::')).split('\n');
    expect(printed).toContain('::add-mask::');
    expect(beforeMasks.filter((line) => line !== '' && !line.startsWith('::debug::'))).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    const outputs = parseFileCommands(path.join(dir, 'github_output'));
    expect(outputs).toEqual({
      registry: host,
      registries: host,
      docker_username_111111111111_dkr_ecr_eu_central_1_amazonaws_com: 'AWS',
      docker_password_111111111111_dkr_ecr_eu_central_1_amazonaws_com: 'multi\nline',
      'expires-at': '2031-05-06T07:08:09.000Z',
    });
    const state = parseFileCommands(path.join(dir, 'github_state'));
    expect(Object.keys(state)).toEqual(['run-dir']);
    process.env['STATE_run-dir'] = state['run-dir'];
    await post();
    const after = JSON.parse(fs.readFileSync(path.join(dir, 'docker', 'config.json'), 'utf8')) as {
      auths: object;
    };
    expect(after.auths).toEqual({});
    expect(process.exitCode).toBeUndefined();
    expect(fs.existsSync(state['run-dir'] ?? '')).toBe(false);
  } finally {
    write.mockRestore();
  }
});
