import * as http from 'node:http';
import * as https from 'node:https';
import { afterAll, beforeAll, beforeEach, describe, expect, jest, test } from '@jest/globals';
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

  test('an unparseable variable fails naming it, its password masked and never shown', () => {
    expect(() => proxyEnv(undefined, { https_proxy: 'http://user:pw-7@[::1' })).toThrow(
      new Error(
        "Invalid https_proxy 'http://***@[::1': expected a URL such as http://proxy.example.com:3128.",
      ),
    );
    expect(core.secrets).toEqual(['user:pw-7', 'pw-7']);
  });

  test('a variable is not read at all when the input names a proxy', () => {
    const input = new URL('http://proxy.example.com:3128');
    expect(proxyEnv(input, { HTTPS_PROXY: 'socks5://x' }).HTTPS_PROXY).toBe(input.href);
  });
});

describe('parseProxy: an http:// or https:// URL; without a scheme, http://', () => {
  test.each<[string, string, string[]]>([
    ['http://proxy.example.com:3128', 'http://proxy.example.com:3128/', []],
    ['https://proxy.example.com', 'https://proxy.example.com/', []],
    ['127.0.0.1:3128', 'http://127.0.0.1:3128/', []],
    ['http://user:pw@proxy:3128', 'http://user:pw@proxy:3128/', ['user:pw', 'pw']],
    ['user:pw@proxy:3128', 'http://user:pw@proxy:3128/', ['user:pw', 'pw']],
    ['http://token@proxy:3128', 'http://token@proxy:3128/', ['token']],
    // the password both as written and decoded; one holding a bare % as it is
    ['http://u:p%40ss@proxy:3128', 'http://u:p%40ss@proxy:3128/', ['u:p%40ss', 'p%40ss', 'p@ss']],
    ['http://u:50%off@proxy:3128', 'http://u:50%off@proxy:3128/', ['u:50%off', '50%off']],
  ])('%s → %s, its credentials masked first: %j', (value, href, secrets) => {
    expect(parseProxy(value, 'X').href).toBe(href);
    expect(core.secrets).toEqual(secrets);
  });

  const NOT_A_URL = 'expected a URL such as http://proxy.example.com:3128.';
  const notHttp = (scheme: string) =>
    'the AWS API calls can go through an http:// or https:// proxy only, not ' +
    `${scheme}://. Name an HTTP proxy or unset it.`;
  test.each<[string, string]>([
    ['not a url', `'not a url': ${NOT_A_URL}`],
    ['http://', `'http://': ${NOT_A_URL}`],
    ['http://[::1', `'http://[::1': ${NOT_A_URL}`],
    ['http://user:s3cret@[::1', `'http://***@[::1': ${NOT_A_URL}`],
    ['socks5://proxy.example.com:1080', `'socks5://proxy.example.com:1080': ${notHttp('socks5')}`],
    ['ftp://x', `'ftp://x': ${notHttp('ftp')}`],
    ['file:///tmp/proxy', `'file:///tmp/proxy': ${notHttp('file')}`],
  ])('%j fails naming it and what is wrong, never ignored', (value, message) => {
    expect(() => parseProxy(value, 'X')).toThrow(new Error(`Invalid X ${message}`));
  });

  test.each([
    'ftp://user:s3cret@proxy:3128',
    'socks5://user:s3cret@proxy:1080',
    'http://user:s3cret@',
    'http://user:s3cret@proxy:99999',
    'http://user:s3cret@proxy name:3128',
    'ftp://user:s3cret@proxy/path@x',
    'http://user:s3cret/x@proxy:3128',
    'user:s3cret@[::1',
  ])('%j fails without showing the password, which is masked', (value) => {
    let message = '';
    try {
      parseProxy(value, 'X');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Invalid X '.*\*\*\*/);
    expect(message).not.toContain('s3cret');
    // masked with whatever stands where credentials go
    expect(core.secrets.filter((secret) => secret.includes('s3cret'))).not.toEqual([]);
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

describe('which requests Node sends through the proxy, with these settings', () => {
  const seen: string[] = [];
  const proxy = http.createServer();
  proxy.on('connect', (request: http.IncomingMessage, socket: import('node:net').Socket) => {
    seen.push(request.url ?? '');
    socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
  });
  let at = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    at = `127.0.0.1:${String((proxy.address() as import('node:net').AddressInfo).port)}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => proxy.close(resolve));
  });
  /** The CONNECTs the proxy saw for one request to `url`, sent by Node with proxyEnv(env). */
  async function connects(url: string, env: NodeJS.ProcessEnv): Promise<string[]> {
    seen.length = 0;
    const agent = new https.Agent({ proxyEnv: proxyEnv(undefined, env) });
    try {
      await new Promise<void>((resolve) => {
        const done = () => {
          resolve();
        };
        https.get(url, { agent, timeout: 2000 }, done).on('error', done);
      });
    } finally {
      agent.destroy();
    }
    return [...seen];
  }

  // Nothing listens on 127.0.0.1:1: a request that goes direct is refused at once.
  test.each<{ name: string; env: (proxy: string) => NodeJS.ProcessEnv; proxied: boolean }>([
    { name: 'HTTPS_PROXY without a scheme', env: (p) => ({ HTTPS_PROXY: p }), proxied: true },
    { name: 'lower-case https_proxy', env: (p) => ({ https_proxy: `http://${p}` }), proxied: true },
    { name: 'HTTP_PROXY alone, for HTTPS', env: (p) => ({ HTTP_PROXY: p }), proxied: false },
    { name: 'NO_PROXY=*', env: (p) => ({ HTTPS_PROXY: p, NO_PROXY: '*' }), proxied: false },
    {
      name: 'no_proxy naming the host, with spaces around its entries',
      env: (p) => ({ HTTPS_PROXY: p, no_proxy: ' example.com , 127.0.0.1 ' }),
      proxied: false,
    },
    {
      name: 'NO_PROXY naming another port of the host',
      env: (p) => ({ HTTPS_PROXY: p, NO_PROXY: '127.0.0.1:2' }),
      proxied: true,
    },
  ])('$name: through the proxy $proxied', async ({ env, proxied }) => {
    expect(await connects('https://127.0.0.1:1/', env(at))).toEqual(proxied ? ['127.0.0.1:1'] : []);
  });

  test('a NO_PROXY name covers its subdomains; other hosts go through the proxy', async () => {
    const env = { HTTPS_PROXY: at, NO_PROXY: 'bypassed.invalid' };
    expect(await connects('https://api.bypassed.invalid/', env)).toEqual([]);
    expect(await connects('https://through.invalid/', env)).toEqual(['through.invalid:443']);
  });
});

test('decodeURIComponentSafe leaves a stray % alone', () => {
  expect(decodeURIComponentSafe('50%off')).toBe('50%off');
  expect(decodeURIComponentSafe('a%40b')).toBe('a@b');
});
