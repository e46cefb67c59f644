import * as http from 'node:http';
import * as https from 'node:https';
import * as core from '@actions/core';

/** The proxy settings handed to Node's agents (`proxyEnv`, Node 24). */
export type ProxyEnv = http.ProxyEnv;

/**
 * The proxy settings for the AWS API calls: the `http-proxy` input for both schemes, else
 * HTTPS_PROXY / HTTP_PROXY (either case); NO_PROXY applies to both.
 */
export function proxyEnv(input: URL | undefined, env: NodeJS.ProcessEnv = process.env): ProxyEnv {
  const pick = (upper: string): string | undefined =>
    input?.href ?? (env[upper] || env[upper.toLowerCase()] || undefined);
  const settings: ProxyEnv = {};
  const httpsProxy = pick('HTTPS_PROXY');
  const httpProxy = pick('HTTP_PROXY');
  const noProxy = noProxyList(env.NO_PROXY || env.no_proxy || '');
  if (httpsProxy) settings.HTTPS_PROXY = maskCredentials(httpsProxy);
  if (httpProxy) settings.HTTP_PROXY = maskCredentials(httpProxy);
  if (noProxy) settings.NO_PROXY = noProxy;
  return settings;
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

/** Registers the password (and user info) of a proxy URL as secrets; returns the URL. */
function maskCredentials(value: string): string {
  if (URL.canParse(value)) {
    const url = new URL(value);
    if (url.password) {
      core.setSecret(url.password);
      core.setSecret(decodeURIComponentSafe(url.password));
    }
  }
  return value;
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
export function requestHandler(input: URL | undefined): {
  httpAgent: http.Agent;
  httpsAgent: https.Agent;
} {
  const settings = proxyEnv(input);
  return {
    httpAgent: new http.Agent({ keepAlive: true, proxyEnv: settings }),
    httpsAgent: new https.Agent({ keepAlive: true, proxyEnv: settings }),
  };
}
