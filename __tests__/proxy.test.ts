import * as http from 'node:http';
import * as https from 'node:https';
import { beforeEach, describe, expect, jest, test } from '@jest/globals';
import * as core from '../__fixtures__/core.ts';

jest.unstable_mockModule('@actions/core', () => core);
const { decodeURIComponentSafe, noProxyList, proxyEnv, requestHandler } =
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
      { HTTPS_PROXY: 'http://s:1', HTTP_PROXY: 'http://p:2', NO_PROXY: 'a.example,.a.example' },
    ],
    [
      'lower-case variables',
      undefined,
      { https_proxy: 'http://s:1', http_proxy: 'http://p:2', no_proxy: '10.0.0.1' },
      { HTTPS_PROXY: 'http://s:1', HTTP_PROXY: 'http://p:2', NO_PROXY: '10.0.0.1' },
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
  ])('%s', (_name, proxy, env, expected) => {
    expect(proxyEnv(proxy, env)).toEqual(expected);
  });

  test('masks the password of a proxy from the environment', () => {
    proxyEnv(undefined, { HTTPS_PROXY: 'http://me:p%40ss@proxy:3128' });
    expect(core.secrets).toEqual(['p%40ss', 'p@ss']);
  });

  test('a proxy variable that is not a URL is passed on unmasked, as there is nothing to mask', () => {
    expect(proxyEnv(undefined, { HTTPS_PROXY: 'proxy:3128' })).toEqual({
      HTTPS_PROXY: 'proxy:3128',
    });
    expect(core.secrets).toEqual([]);
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
    const { httpAgent, httpsAgent } = requestHandler(new URL('http://proxy.example.com:3128'));
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
    const settings = proxyEnv(undefined, {
      HTTPS_PROXY: `http://127.0.0.1:${port}`,
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
