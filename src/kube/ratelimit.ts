import { type Clock, realClock } from './clock.js';

/** Decides how long a key waits before it is retried (client-go's workqueue.RateLimiter). */
export interface RateLimiter {
  when(key: string): number;
  forget(key: string): void;
  numRequeues(key: string): number;
}

/** base · 2^failures, capped: client-go's ItemExponentialFailureRateLimiter. */
export class ExponentialBackoff implements RateLimiter {
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
  ) {}

  when(key: string): number {
    const exp = this.failures.get(key) ?? 0;
    this.failures.set(key, exp + 1);
    return Math.min(this.maxMs, this.baseMs * 2 ** exp);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

/**
 * A token bucket that hands out reservations like golang.org/x/time/rate: tokens may go negative,
 * and the returned delay is when the reserved token becomes available.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly qps: number,
    private readonly burst: number,
    private readonly clock: Clock = realClock,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  /** Takes one token; returns the milliseconds to wait before using it. */
  reserve(): number {
    if (!(this.qps > 0) || this.qps === Infinity) return 0;
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.qps) / 1000);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.qps);
  }
}

/**
 * client-go's DefaultControllerRateLimiter: the larger of the per-key backoff and the overall bucket,
 * so one hot key backs off and a storm of failing keys cannot exceed the global retry rate.
 */
export class ControllerRateLimiter implements RateLimiter {
  private readonly backoff: ExponentialBackoff;
  private readonly bucket: TokenBucket;

  constructor(opts: { baseDelayMs: number; maxDelayMs: number; qps: number; burst: number; clock: Clock }) {
    this.backoff = new ExponentialBackoff(opts.baseDelayMs, opts.maxDelayMs);
    this.bucket = new TokenBucket(opts.qps, opts.burst, opts.clock);
  }

  when(key: string): number {
    return Math.max(this.backoff.when(key), this.bucket.reserve());
  }

  forget(key: string): void {
    this.backoff.forget(key);
  }

  numRequeues(key: string): number {
    return this.backoff.numRequeues(key);
  }
}
