/**
 * A token bucket for the local ECR endpoint's `throttle` option: `capacity` tokens at the start,
 * refilled continuously at `refillPerSecond`; a request that finds no whole token is throttled.
 */
export class TokenBucket {
  /** Requests served with a token. */
  admitted = 0;
  /** Requests refused for want of a token. */
  throttled = 0;
  private tokens: number;
  private last: number;
  private readonly capacity: number;
  private readonly refillPerSecond: number;
  private readonly now: () => number;

  constructor(
    capacity: number,
    refillPerSecond: number,
    now: () => number = () => performance.now(),
  ) {
    if (!(capacity >= 1) || !(refillPerSecond > 0)) {
      throw new Error('TokenBucket needs capacity >= 1 and refillPerSecond > 0');
    }
    this.capacity = capacity;
    this.refillPerSecond = refillPerSecond;
    this.now = now;
    this.tokens = capacity;
    this.last = now();
  }

  /** Takes one token if there is one; false means "throttle this request". */
  take(): boolean {
    const now = this.now();
    const refill = ((now - this.last) / 1000) * this.refillPerSecond;
    this.tokens = Math.min(this.capacity, this.tokens + refill);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.admitted++;
      return true;
    }
    this.throttled++;
    return false;
  }
}
