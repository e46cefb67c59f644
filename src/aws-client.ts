import type {
  AwsCredentialIdentity,
  FinalizeRequestMiddleware,
  MiddlewareStack,
  Provider,
} from '@smithy/types';
import { requestHandler } from './proxy.ts';
import type { ProxyEnv } from './proxy.ts';
import { infoUntrusted } from './untrusted.ts';

/** What the token calls of one run share. */
export interface ApiOptions {
  /** The proxy settings, read once (proxyEnv). */
  proxy: ProxyEnv;
  maskPassword: boolean;
  /** Ends every API call still going when the API phase has run out of time. */
  deadline: Deadline;
  /** An assumed role's credentials; the job's own when absent. */
  credentials?: AwsCredentialIdentity;
}

const USER_AGENT = 'ecr-login-action';

/** Attempts per API call when AWS_MAX_ATTEMPTS does not say: enough to ride out a minute of throttling. */
export const DEFAULT_API_ATTEMPTS = 10;
/** Time one API attempt has to connect (to the endpoint or its proxy), and to be answered. */
export const CONNECT_TIMEOUT_MS = 5_000;
export const ANSWER_TIMEOUT_MS = 10_000;

/**
 * Settings shared by the ECR and ECR Public clients. Retries are the SDK's: adaptive mode, whose
 * backoff with jitter grows to 20 s, over 10 attempts, unless AWS_RETRY_MODE / AWS_MAX_ATTEMPTS
 * say otherwise. An attempt that cannot connect or is not answered in time is a transient
 * failure, retried like a 5xx. Refusals (bad credentials, access denied) are not retried.
 */
export function clientConfig(region: string, proxy: ProxyEnv) {
  return {
    region,
    customUserAgent: USER_AGENT,
    requestHandler: {
      ...requestHandler(proxy),
      connectionTimeout: CONNECT_TIMEOUT_MS,
      requestTimeout: ANSWER_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
    ...(process.env.AWS_MAX_ATTEMPTS ? {} : { maxAttempts: DEFAULT_API_ATTEMPTS }),
    ...(process.env.AWS_RETRY_MODE ? {} : { retryMode: 'adaptive' }),
  };
}

/** The time limit of the whole API phase: one signal that every call of the run listens to. */
export class Deadline {
  readonly signal: AbortSignal;
  readonly ms: number;

  constructor(ms: number) {
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort(new Error(`no answer within ${String(ms / 1000)} s`));
    }, ms).unref();
    this.signal = controller.signal;
    this.ms = ms;
  }

  /** `work`, or a rejection the moment the deadline passes, whichever comes first. */
  race<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const stop = () => {
        reject(this.signal.reason as Error);
      };
      if (this.signal.aborted) stop();
      this.signal.addEventListener('abort', stop, { once: true });
      work.then(resolve, reject).finally(() => {
        this.signal.removeEventListener('abort', stop);
      });
    });
  }
}

/** What the calls of one client have seen: where they went and how many attempts were made. */
export interface CallWatch {
  endpoint: string | undefined;
  attempts: number;
}

/** Logs one line per retry of the SDK's calls, naming the error that caused it. */
export function logRetries<I extends object, O extends object>(
  client: { config: { maxAttempts: Provider<number> }; middlewareStack: MiddlewareStack<I, O> },
  label: string,
): CallWatch {
  const watch: CallWatch = { endpoint: undefined, attempts: 0 };
  const middleware: FinalizeRequestMiddleware<I, O> = (next) => {
    let attempt = 0;
    let last = '';
    return async (args) => {
      attempt++;
      watch.attempts = Math.max(watch.attempts, attempt);
      const request = args.request as { protocol?: string; hostname?: string; port?: number };
      if (request.hostname) {
        const port = request.port ? `:${String(request.port)}` : '';
        watch.endpoint = `${request.protocol ?? 'https:'}//${request.hostname}${port}`;
      }
      if (attempt > 1) {
        const max = await client.config.maxAttempts();
        // The error's code or name comes from the network or the API: data, not commands.
        infoUntrusted(`Retrying ${label} (attempt ${attempt} of ${max}) after ${last}`);
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
  return watch;
}
