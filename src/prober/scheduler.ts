/**
 * When probes are sent: each item first after an initial delay, then retried with its own exponential
 * backoff (50 ms doubling up to 30 s), every retry also held to a global token bucket so that many
 * failing pods cannot flood the gateways, and at most `concurrency` probes in flight. This is Knative's
 * prober queue (a max-of rate limiter over per-item backoff and a 50 qps / burst 100 bucket, 15 workers),
 * run on the controller's work queue keyed by item id.
 */
import { type Clock, realClock } from '../kube/clock.js';
import { type ProcessResult, WorkQueue } from '../kube/workqueue.js';

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
  /** The items the queue's keys stand for, from add() until they need no further probe. */
  private readonly items = new Map<string, I>();
  private readonly queue: WorkQueue;
  private readonly initialDelayMs: number;

  constructor(
    private readonly attempt: Attempt<I>,
    private readonly isLive: (item: I) => boolean,
    opts: Partial<SchedulerOptions> = {},
    clock: Clock = realClock,
  ) {
    const o = { ...DEFAULT_SCHEDULER_OPTIONS, ...opts };
    this.initialDelayMs = o.initialDelayMs;
    this.queue = new WorkQueue((id) => this.run(id), {
      workers: o.concurrency,
      baseDelayMs: o.baseDelayMs,
      maxDelayMs: o.maxDelayMs,
      qps: o.qps,
      burst: o.burst,
      clock,
    });
    this.queue.start();
  }

  add(item: I): void {
    if (this.queue.isShuttingDown()) return;
    this.items.set(item.id, item);
    this.queue.addAfter(item.id, this.initialDelayMs);
  }

  /** Forgets items whose probing ended elsewhere (cancelled), so no timer outlives them. */
  drop(items: Iterable<I>): void {
    for (const item of items) {
      this.items.delete(item.id);
      this.queue.cancel(item.id);
    }
  }

  /** Stops at once: waiting items are dropped; a probe in flight is not retried. */
  stop(): void {
    void this.queue.shutdown();
    this.items.clear();
  }

  /** For tests and metrics: items waiting for their time, waiting for a slot, and in flight. */
  stats(): { scheduled: number; due: number; active: number } {
    return { scheduled: this.queue.delayed(), due: this.queue.depth(), active: this.queue.active() };
  }

  /** One attempt; asks the queue for a retry (its backoff) while the item stays live and unfinished. */
  private async run(id: string): Promise<ProcessResult | void> {
    const item = this.items.get(id);
    if (item === undefined || !this.isLive(item)) {
      this.items.delete(id);
      return;
    }
    let finished: boolean;
    try {
      finished = await this.attempt(item);
    } catch {
      finished = false;
    }
    if (finished || !this.isLive(item)) {
      this.items.delete(id);
      return;
    }
    return { requeue: true };
  }
}
