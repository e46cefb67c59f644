/** Retry settings of the registry logins (the loop is Runner.login's). */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Time limit of one attempt, in milliseconds. */
  timeoutMs: number;
  /** Waits between attempts; replaced in tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Told of each retry before its wait: of the login to `host`, after failed attempt `attempt`. */
  onRetry?: (host: string, attempt: number, delayMs: number, reason: string) => void;
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
