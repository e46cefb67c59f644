/** Retry settings for one registry login. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Time limit of one attempt, in milliseconds. */
  timeoutMs: number;
  /** Waits between attempts; replaced in tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Told of each retry before its wait. */
  onRetry?: (attempt: number, delayMs: number, reason: string) => void;
}

/** Longest wait between two attempts. */
export const MAX_BACKOFF_MS = 8000;

const REFUSED =
  /\b(unauthorized|denied|forbidden|authentication required|401|403|400 bad request|bad request|invalid (username|password|credentials))\b/i;
const TRANSIENT =
  /(timeout|timed out|connection refused|connection reset|broken pipe|tls handshake|temporary failure in name resolution|server misbehaving|no route to host|network is unreachable|i\/o timeout|unexpected eof|\beof\b|status:? 5\d\d|service unavailable|bad gateway|gateway time-?out|internal server error|too many requests|\b429\b)/i;

/** True when a failure may go away by itself: network trouble or a registry 5xx, not a refusal. */
export function isTransient(message: string): boolean {
  return !REFUSED.test(message) && TRANSIENT.test(message);
}

/** Exponential backoff with full jitter: up to 1 s, 2 s, 4 s, … capped at MAX_BACKOFF_MS. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(1000 * 2 ** (attempt - 1), MAX_BACKOFF_MS);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it succeeds, fails for good, or the attempts run out. `attempt` throws an
 * Error whose message says why; transient ones are retried after a backoff.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  attempt: (number: number) => Promise<T>,
): Promise<T> {
  const sleep = policy.sleep ?? realSleep;
  for (let number = 1; ; number++) {
    try {
      return await attempt(number);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (number >= policy.attempts || !isTransient(reason)) {
        const tries = number > 1 ? ` (after ${number} attempts)` : '';
        throw new Error(`${reason}${tries}`, { cause: error });
      }
      const delay = backoffMs(number);
      policy.onRetry?.(number, delay, reason);
      await sleep(delay);
    }
  }
}
