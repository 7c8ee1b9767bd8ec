/**
 * When probes are sent: each item first after an initial delay, then retried with its own exponential
 * backoff (50 ms doubling up to 30 s), every retry also held to a global token bucket so that many
 * failing pods cannot flood the gateways, and at most `concurrency` probes in flight. This is Knative's
 * prober queue (a max-of rate limiter over per-item backoff and a 50 qps / burst 100 bucket, 15 workers).
 */
import { type Clock, type TimerHandle, realClock } from '../kube/clock.js';
import { ControllerRateLimiter } from '../kube/ratelimit.js';

export interface SchedulerOptions {
  concurrency: number;
  /** Before an item's first probe; upstream waits 200 ms for the config to propagate. */
  initialDelayMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Global retry rate (all items together). */
  qps: number;
  burst: number;
}

const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = {
  concurrency: 15,
  initialDelayMs: 0,
  baseDelayMs: 50,
  maxDelayMs: 30_000,
  qps: 50,
  burst: 100,
};

/** Resolves true when the item needs no further probe; false (or a rejection) retries it after backoff. */
export type Attempt<I> = (item: I) => Promise<boolean>;

export class ProbeScheduler<I extends { readonly id: string }> {
  private readonly timers = new Map<string, TimerHandle>();
  private due: I[] = [];
  private head = 0;
  private active = 0;
  private stopped = false;
  private readonly limiter: ControllerRateLimiter;
  private readonly opts: SchedulerOptions;

  constructor(
    private readonly attempt: Attempt<I>,
    private readonly isLive: (item: I) => boolean,
    opts: Partial<SchedulerOptions> = {},
    private readonly clock: Clock = realClock,
  ) {
    this.opts = { ...DEFAULT_SCHEDULER_OPTIONS, ...opts };
    this.limiter = new ControllerRateLimiter({ ...this.opts, clock });
  }

  add(item: I): void {
    this.after(item, this.opts.initialDelayMs);
  }

  /** Forgets items whose probing ended elsewhere (cancelled), so no timer outlives them. */
  drop(items: Iterable<I>): void {
    for (const item of items) {
      const timer = this.timers.get(item.id);
      if (timer !== undefined) this.clock.clearTimeout(timer);
      this.timers.delete(item.id);
      this.limiter.forget(item.id);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) this.clock.clearTimeout(timer);
    this.timers.clear();
    this.due = [];
    this.head = 0;
  }

  /** For tests and metrics: items waiting for their time, waiting for a slot, and in flight. */
  stats(): { scheduled: number; due: number; active: number } {
    return { scheduled: this.timers.size, due: this.due.length - this.head, active: this.active };
  }

  /** How many times an item has been retried so far. */
  retries(item: I): number {
    return this.limiter.numRequeues(item.id);
  }

  private after(item: I, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) {
      this.due.push(item);
      this.pump();
      return;
    }
    this.timers.set(
      item.id,
      this.clock.setTimeout(() => {
        this.timers.delete(item.id);
        this.due.push(item);
        this.pump();
      }, ms),
    );
  }

  private pump(): void {
    while (!this.stopped && this.active < this.opts.concurrency && this.head < this.due.length) {
      const item = this.due[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.due.length) {
        this.due = this.due.slice(this.head);
        this.head = 0;
      }
      if (!this.isLive(item)) {
        this.limiter.forget(item.id);
        continue;
      }
      this.active += 1;
      void this.run(item);
    }
  }

  private async run(item: I): Promise<void> {
    let finished: boolean;
    try {
      finished = await this.attempt(item);
    } catch {
      finished = false;
    }
    this.active -= 1;
    if (finished || !this.isLive(item)) this.limiter.forget(item.id);
    else this.after(item, this.limiter.when(item.id));
    this.pump();
  }
}
