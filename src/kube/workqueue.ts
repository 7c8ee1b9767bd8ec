import { type Clock, type TimerHandle, realClock } from './clock.js';
import { ControllerRateLimiter, type RateLimiter } from './ratelimit.js';

/** What a handler asks for after a successful run (controller-runtime's reconcile.Result). */
export interface ProcessResult {
  /** Run again after the per-key backoff. */
  requeue?: boolean;
  /** Run again after this many milliseconds; resets the key's backoff. */
  requeueAfterMs?: number;
}

export type ProcessFn = (key: string) => Promise<ProcessResult | void>;

export interface WorkQueueOptions {
  /** Keys processed at the same time (default 2). */
  workers?: number;
  /** Per-key failure backoff: base doubling up to max (defaults 5 ms, 1000 s, as client-go). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Overall retry rate (defaults 10 qps, burst 100, as client-go). */
  qps?: number;
  burst?: number;
  clock?: Clock;
  rateLimiter?: RateLimiter;
  /** Called when the handler throws; the key is then retried with backoff. */
  onError?: (key: string, err: unknown, requeues: number) => void;
}

/**
 * A client-go style work queue keyed by `namespace/name`. A key waiting to run is queued once; a key
 * added while it runs is run again once after it finishes, so one key never runs on two workers.
 * Keys added before start() wait, which lets a standby replica keep its queue warm.
 */
export class WorkQueue {
  private readonly ready: string[] = [];
  private head = 0;
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiting = new Map<string, { at: number; timer: TimerHandle }>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly limiter: RateLimiter;
  private readonly clock: Clock;
  private readonly workers: number;
  private started = false;
  private shuttingDown = false;

  constructor(
    private readonly handler: ProcessFn,
    private readonly opts: WorkQueueOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.workers = Math.max(1, opts.workers ?? 2);
    this.limiter =
      opts.rateLimiter ??
      new ControllerRateLimiter({
        baseDelayMs: opts.baseDelayMs ?? 5,
        maxDelayMs: opts.maxDelayMs ?? 1_000_000,
        qps: opts.qps ?? 10,
        burst: opts.burst ?? 100,
        clock: this.clock,
      });
  }

  start(): void {
    if (this.shuttingDown) throw new Error('work queue was shut down');
    this.started = true;
    this.pump();
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.ready.push(key);
    this.pump();
  }

  /** Adds the key after a delay; an earlier pending delay for the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (!(ms > 0)) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const existing = this.waiting.get(key);
    if (existing) {
      if (existing.at <= at) return;
      this.clock.clearTimeout(existing.timer);
    }
    const timer = this.clock.setTimeout(() => {
      this.waiting.delete(key);
      this.add(key);
    }, ms);
    this.waiting.set(key, { at, timer });
  }

  /**
   * Drops the key's pending delayed add and resets its backoff, for a key whose work ended elsewhere. A key
   * already ready or running is left to its handler, which must then find nothing to do.
   */
  cancel(key: string): void {
    const waiting = this.waiting.get(key);
    if (waiting) this.clock.clearTimeout(waiting.timer);
    this.waiting.delete(key);
    this.limiter.forget(key);
  }

  addRateLimited(key: string): void {
    if (this.shuttingDown) return;
    this.addAfter(key, this.limiter.when(key));
  }

  /** Resets the key's failure backoff (call after a success). */
  forget(key: string): void {
    this.limiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.limiter.numRequeues(key);
  }

  /** Keys ready to run (not running, not waiting for a delay): the queue-depth metric. */
  depth(): number {
    return this.ready.length - this.head;
  }

  /** Keys waiting for a delay (addAfter / addRateLimited). */
  delayed(): number {
    return this.waiting.size;
  }

  /** Keys being processed now. */
  active(): number {
    return this.processing.size;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /**
   * Stops taking work: queued and delayed keys are dropped, later adds ignored. With `drain` the
   * promise resolves once the handlers already running have finished.
   */
  async shutdown(opts: { drain?: boolean } = {}): Promise<void> {
    this.shuttingDown = true;
    for (const { timer } of this.waiting.values()) this.clock.clearTimeout(timer);
    this.waiting.clear();
    this.ready.length = 0;
    this.head = 0;
    this.dirty.clear();
    if (opts.drain) await Promise.all([...this.inFlight]);
  }

  private pump(): void {
    if (!this.started || this.shuttingDown) return;
    while (this.processing.size < this.workers && this.head < this.ready.length) {
      const key = this.ready[this.head] as string;
      this.head += 1;
      this.dirty.delete(key);
      this.processing.add(key);
      const run = this.run(key);
      this.inFlight.add(run);
      void run.finally(() => this.inFlight.delete(run));
    }
    this.compact();
  }

  private async run(key: string): Promise<void> {
    let failed = false;
    let result: ProcessResult | void = undefined;
    try {
      // Start on a fresh macrotask, not just a fresh stack: reconciles served entirely from caches (a
      // restart with nothing to write) would otherwise chain on microtasks and starve the event loop
      // (/readyz, /metrics, watch events) until the whole queue is drained.
      result = await new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.handler(key));
    } catch (err) {
      failed = true;
      this.reportError(key, err);
    }
    if (failed || result?.requeue) {
      this.addRateLimited(key);
    } else if (result?.requeueAfterMs !== undefined && result.requeueAfterMs > 0) {
      this.forget(key);
      this.addAfter(key, result.requeueAfterMs);
    } else {
      this.forget(key);
    }
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) this.ready.push(key);
    this.pump();
  }

  private reportError(key: string, err: unknown): void {
    try {
      this.opts.onError?.(key, err, this.limiter.numRequeues(key));
    } catch {
      // A failing logger must not wedge the queue.
    }
  }

  /** Drops consumed slots once they dominate, keeping push/shift O(1) amortised. */
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.ready.length) {
      this.ready.splice(0, this.head);
      this.head = 0;
    }
  }
}
