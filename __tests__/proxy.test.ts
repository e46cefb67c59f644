import * as http from 'node:http';
import * as https from 'node:https';
import { beforeEach, describe, expect, jest, test } from '@jest/globals';
import * as core from '../__fixtures__/core.ts';

jest.unstable_mockModule('@actions/core', () => core);
const { canUseProxies, decodeURIComponentSafe, noProxyList, parseProxy, proxyEnv, requestHandler } =
  await import('../src/proxy.ts');

beforeEach(() => {
  core.reset();
});

describe('proxyEnv', () => {
  const input = new URL('http://proxy.example.com:3128');

  test.each<[string, URL | undefined, NodeJS.ProcessEnv, object]>([
    ['nothing set', undefined, {}, {}],
    [
      'upper-case variables',
      undefined,
      { HTTPS_PROXY: 'http://s:1', HTTP_PROXY: 'http://p:2', NO_PROXY: 'a.example' },
      { HTTPS_PROXY: 'http://s:1/', HTTP_PROXY: 'http://p:2/', NO_PROXY: 'a.example,.a.example' },
    ],
    [
      'lower-case variables',
      undefined,
      { https_proxy: 'http://s:1', http_proxy: 'http://p:2', no_proxy: '10.0.0.1' },
      { HTTPS_PROXY: 'http://s:1/', HTTP_PROXY: 'http://p:2/', NO_PROXY: '10.0.0.1' },
    ],
    [
      'the input wins over the variables, NO_PROXY still applies',
      input,
      { HTTPS_PROXY: 'http://ignored:1', NO_PROXY: '127.0.0.1' },
      {
        HTTPS_PROXY: 'http://proxy.example.com:3128/',
        HTTP_PROXY: 'http://proxy.example.com:3128/',
        NO_PROXY: '127.0.0.1',
      },
    ],
    ['empty variables count as unset', undefined, { HTTPS_PROXY: '', NO_PROXY: ' ' }, {}],
    [
      'values without a scheme are http://, as curl reads them',
      undefined,
      { HTTPS_PROXY: '127.0.0.1:3128', http_proxy: 'user:pw@proxy.example.com:8080' },
      {
        HTTPS_PROXY: 'http://127.0.0.1:3128/',
        HTTP_PROXY: 'http://user:pw@proxy.example.com:8080/',
      },
    ],
  ])('%s', (_name, proxy, env, expected) => {
    expect(proxyEnv(proxy, env)).toEqual(expected);
  });

  test('masks the password of a proxy from the environment', () => {
    proxyEnv(undefined, { HTTPS_PROXY: 'http://me:p%40ss@proxy:3128' });
    expect(core.secrets).toEqual(['me:p%40ss', 'p%40ss', 'p@ss']);
  });

  test('an unparseable variable fails naming it, its password masked and never shown', () => {
    expect(() => proxyEnv(undefined, { https_proxy: 'http://user:pw-7@[::1' })).toThrow(
      new Error(
        "Invalid https_proxy 'http://***@[::1': expected a URL such as http://proxy.example.com:3128.",
      ),
    );
    expect(core.secrets).toEqual(['user:pw-7', 'pw-7']);
  });

  test('a SOCKS proxy in the environment fails clearly instead of being ignored', () => {
    expect(() => proxyEnv(undefined, { HTTPS_PROXY: 'socks5://u:p@127.0.0.1:1080' })).toThrow(
      "Invalid HTTPS_PROXY 'socks5://***@127.0.0.1:1080': the AWS API calls can go through an http:// or https:// proxy only, not socks5://.",
    );
  });

  test('a variable is not read at all when the input names a proxy', () => {
    const input = new URL('http://proxy.example.com:3128');
    expect(proxyEnv(input, { HTTPS_PROXY: 'socks5://x' }).HTTPS_PROXY).toBe(input.href);
  });
});

describe('parseProxy masks whatever stands where credentials go', () => {
  test.each<[string, string[]]>([
    ['http://user:pw@proxy:3128', ['user:pw', 'pw']],
    ['http://user:p%40ss@proxy:3128', ['user:p%40ss', 'p%40ss', 'p@ss']],
    ['user:pw@proxy:3128', ['user:pw', 'pw']],
    ['http://token@proxy:3128', ['token']],
    ['http://proxy:3128', []],
  ])('%s → %j', (value, secrets) => {
    parseProxy(value, 'X');
    expect(core.secrets).toEqual(secrets);
  });
});

describe('canUseProxies: Node 24.5 brought proxyEnv to its agents', () => {
  test.each<[string, boolean]>([
    ['20.20.2', false],
    ['22.18.0', false],
    ['24.4.1', false],
    ['24.5.0', true],
    ['24.21.0', true],
    ['25.0.0', true],
  ])('%s → %s', (version, expected) => {
    expect(canUseProxies(version)).toBe(expected);
  });

  test('this Node can, so a configured proxy is never dropped here', () => {
    expect(canUseProxies()).toBe(true);
  });
});

describe('noProxyList', () => {
  test.each([
    ['example.com', 'example.com,.example.com'],
    ['.example.com', 'example.com,.example.com'],
    ['*.example.com', 'example.com,.example.com'],
    ['EXAMPLE.com', 'example.com,.example.com'],
    ['a.example, b.example', 'a.example,.a.example,b.example,.b.example'],
    ['api.example.com:8443', 'api.example.com:8443,.api.example.com:8443'],
    ['*', '*'],
    ['127.0.0.1', '127.0.0.1'],
    ['127.0.0.1:9000', '127.0.0.1:9000'],
    ['[::1]', '[::1]'],
    ['localhost,localhost', 'localhost,.localhost'],
    ['', ''],
  ])('%s → %s', (raw, expected) => {
    expect(noProxyList(raw)).toBe(expected);
  });
});

describe('requestHandler', () => {
  test('hands the same settings to both agents, with keep-alive', () => {
    const { httpAgent, httpsAgent } = requestHandler({
      HTTPS_PROXY: 'http://proxy.example.com:3128/',
    });
    expect(httpAgent).toBeInstanceOf(http.Agent);
    expect(httpsAgent).toBeInstanceOf(https.Agent);
    for (const agent of [httpAgent, httpsAgent]) {
      const { options } = agent as unknown as { options: http.AgentOptions };
      expect(options.keepAlive).toBe(true);
      expect(options.proxyEnv).toMatchObject({ HTTPS_PROXY: 'http://proxy.example.com:3128/' });
    }
  });
});

describe('requests through Node', () => {
  test('a NO_PROXY suffix bypasses the proxy for a subdomain; other hosts go through it', async () => {
    const seen: string[] = [];
    const proxy = http.createServer();
    proxy.on('connect', (request: http.IncomingMessage, socket: import('node:net').Socket) => {
      seen.push(request.url ?? '');
      socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as import('node:net').AddressInfo;
    // written without a scheme, as many people write it
    const settings = proxyEnv(undefined, {
      HTTPS_PROXY: `127.0.0.1:${port}`,
      NO_PROXY: 'bypassed.invalid',
    });
    const agent = new https.Agent({ proxyEnv: settings });
    const get = (url: string): Promise<void> =>
      new Promise((resolve) => {
        https
          .get(url, { agent, timeout: 2000 }, () => {
            resolve();
          })
          .on('error', () => {
            resolve();
          });
      });
    try {
      await get('https://api.bypassed.invalid/');
      await get('https://through.invalid/');
      expect(seen).toEqual(['through.invalid:443']);
    } finally {
      agent.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});

test('decodeURIComponentSafe leaves a stray % alone', () => {
  expect(decodeURIComponentSafe('50%off')).toBe('50%off');
  expect(decodeURIComponentSafe('a%40b')).toBe('a@b');
});
