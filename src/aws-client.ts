import * as core from '@actions/core';
import type { FinalizeRequestMiddleware, MiddlewareStack, Provider } from '@smithy/types';
import { requestHandler } from './proxy.ts';
import type { ProxyEnv } from './proxy.ts';

/** What the token calls of one run share. */
export interface ApiOptions {
  /** The proxy settings, read once (proxyEnv). */
  proxy: ProxyEnv;
  maskPassword: boolean;
}

const USER_AGENT = 'ecr-login-action';

/** Attempts per API call when AWS_MAX_ATTEMPTS does not say: enough to ride out a minute of throttling. */
export const DEFAULT_API_ATTEMPTS = 10;

/**
 * Settings shared by the ECR and ECR Public clients. Retries are the SDK's: adaptive mode, whose
 * backoff with jitter grows to 20 s, over 10 attempts, unless AWS_RETRY_MODE / AWS_MAX_ATTEMPTS
 * say otherwise. Refusals (bad credentials, access denied) are not retried by the SDK.
 */
export function clientConfig(region: string, proxy: ProxyEnv) {
  return {
    region,
    customUserAgent: USER_AGENT,
    requestHandler: requestHandler(proxy),
    ...(process.env.AWS_MAX_ATTEMPTS ? {} : { maxAttempts: DEFAULT_API_ATTEMPTS }),
    ...(process.env.AWS_RETRY_MODE ? {} : { retryMode: 'adaptive' }),
  };
}

/** Logs one line per retry of the SDK's calls, naming the error that caused it. */
export function logRetries<I extends object, O extends object>(
  client: { config: { maxAttempts: Provider<number> }; middlewareStack: MiddlewareStack<I, O> },
  label: string,
): void {
  const middleware: FinalizeRequestMiddleware<I, O> = (next) => {
    let attempt = 0;
    let last = '';
    return async (args) => {
      attempt++;
      if (attempt > 1) {
        const max = await client.config.maxAttempts();
        core.info(`Retrying ${label} (attempt ${attempt} of ${max}) after ${last}`);
      }
      try {
        return await next(args);
      } catch (error) {
        // A network error names itself in its code (ECONNREFUSED); a service error in its name.
        const code = (error as { code?: unknown }).code;
        last = typeof code === 'string' ? code : error instanceof Error ? error.name : 'an error';
        throw error;
      }
    };
  };
  client.middlewareStack.addRelativeTo(middleware, {
    relation: 'after',
    toMiddleware: 'retryMiddleware',
    name: 'logRetries',
  });
}
