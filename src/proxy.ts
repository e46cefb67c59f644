import * as http from 'node:http';
import * as https from 'node:https';
import * as core from '@actions/core';

/** The proxy settings handed to Node's agents (`proxyEnv`, Node 24). */
export type ProxyEnv = http.ProxyEnv;

/**
 * The proxy settings for the AWS API calls: the `http-proxy` input for both schemes, else
 * HTTPS_PROXY / HTTP_PROXY (either case), each read as curl reads it; NO_PROXY applies to both.
 * A setting that cannot be used fails here, before any call, rather than being ignored.
 */
export function proxyEnv(input: URL | undefined, env: NodeJS.ProcessEnv = process.env): ProxyEnv {
  const pick = (upper: string): string | undefined => {
    if (input) return input.href;
    const name = env[upper] ? upper : upper.toLowerCase();
    const value = env[name]?.trim();
    return value ? parseProxy(value, name).href : undefined;
  };
  const settings: ProxyEnv = {};
  const httpsProxy = pick('HTTPS_PROXY');
  const httpProxy = pick('HTTP_PROXY');
  const noProxy = noProxyList(env.NO_PROXY || env.no_proxy || '');
  if (httpsProxy) settings.HTTPS_PROXY = httpsProxy;
  if (httpProxy) settings.HTTP_PROXY = httpProxy;
  if (noProxy) settings.NO_PROXY = noProxy;
  if ((httpsProxy || httpProxy) && !canUseProxies()) {
    throw new Error(
      `A proxy is set (${input ? `'http-proxy'` : 'HTTPS_PROXY / HTTP_PROXY'}), but Node.js ` +
        `${process.version} cannot send the AWS API calls through it: that needs Node.js 24.5 or ` +
        'later, which runs.using: node24 gives on current runners. Update the runner, or run ' +
        'the action with a newer Node.js.',
    );
  }
  return settings;
}

/** True when Node's agents take proxy settings (`proxyEnv`, Node 24.5). */
export function canUseProxies(version: string = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 24 || (major === 24 && minor >= 5);
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Reads one proxy setting (`label` names it in errors): a value without a scheme is http://, as
 * curl and the AWS CLI read it; only http:// and https:// proxies can carry the API calls. Its
 * credentials are masked first, parseable or not, and never shown in an error.
 */
export function parseProxy(value: string, label: string): URL {
  maskProxyCredentials(value);
  const full = SCHEME.test(value) ? value : `http://${value}`;
  const url = URL.canParse(full) ? new URL(full) : undefined;
  const shown = withoutCredentials(value);
  if (url !== undefined && url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(
      `Invalid ${label} '${shown}': the AWS API calls can go through an http:// or https:// ` +
        `proxy only, not ${url.protocol.slice(0, -1)}://. Name an HTTP proxy or unset it.`,
    );
  }
  if (url === undefined || url.hostname === '') {
    throw new Error(
      `Invalid ${label} '${shown}': expected a URL such as http://proxy.example.com:3128.`,
    );
  }
  return url;
}

/** Where credentials stand in a proxy value: between the scheme and the last `@`. */
function userinfoOf(value: string): { start: number; at: number } {
  const start = SCHEME.exec(value)?.[0].length ?? 0;
  return { start, at: value.lastIndexOf('@') };
}

/** Registers whatever stands where a proxy value's credentials go as secrets. */
export function maskProxyCredentials(value: string): void {
  const { start, at } = userinfoOf(value);
  if (at <= start) return;
  const userinfo = value.slice(start, at);
  const password = userinfo.includes(':') ? userinfo.slice(userinfo.indexOf(':') + 1) : '';
  for (const secret of new Set([userinfo, password, decodeURIComponentSafe(password)])) {
    if (secret !== '') core.setSecret(secret);
  }
}

/** A proxy value with its credentials replaced by `***`, for messages. */
function withoutCredentials(value: string): string {
  const { start, at } = userinfoOf(value);
  return at > start ? `${value.slice(0, start)}***${value.slice(at)}` : value;
}

/**
 * NO_PROXY as curl and the AWS CLI read it: `example.com` also covers its subdomains, letter
 * case does not matter. Node matches a bare name exactly, so each name is given in both forms.
 */
export function noProxyList(raw: string): string {
  const entries = raw
    .split(/[,\s]+/)
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== '');
  const names = entries.flatMap((entry) => {
    const bare = entry.replace(/^\*?\./, '');
    const isName = /[a-z]/.test(bare.split(':')[0] ?? '') && !bare.includes('*');
    return isName ? [bare, `.${bare}`] : [entry];
  });
  return [...new Set(names)].join(',');
}

/** decodeURIComponent that leaves text with a stray `%` as it is. */
export function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** HTTP agents for the SDK's request handler, with the proxy settings and keep-alive. */
export function requestHandler(settings: ProxyEnv): {
  httpAgent: http.Agent;
  httpsAgent: https.Agent;
} {
  return {
    httpAgent: new http.Agent({ keepAlive: true, proxyEnv: settings }),
    httpsAgent: new https.Agent({ keepAlive: true, proxyEnv: settings }),
  };
}
