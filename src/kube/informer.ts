import { type Clock, type TimerHandle, realClock } from './clock.js';
import { errorMessage, isForbidden, isGone, isUnauthorized, retryAfterMs } from './errors.js';
import { keyOf, parseKey } from '../api/meta.js';
import { type KubeObject, objectKey } from './types.js';

/** Where an informer gets its objects: a consistent list, then a watch from its resourceVersion. */
export interface ListWatchSource<T extends KubeObject> {
  list(): Promise<{ items: T[]; resourceVersion: string }>;
  /** Must call onDone exactly once, with an error or null when the server closed the stream. */
  watch(
    resourceVersion: string,
    timeoutSeconds: number,
    onEvent: (type: string, obj: unknown) => void,
    onDone: (err: unknown) => void,
  ): Promise<{ abort(): void }>;
}

export interface InformerHandlers<T> {
  add?(obj: T): void;
  /** Also called with old === new for every cached object on each periodic resync. */
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
  /** Called after the periodic resync re-emitted every object. */
  resync?(): void;
}

/** `relist`: the watch's resourceVersion expired (410 Gone), a routine fresh list follows. */
export type InformerPhase = 'list' | 'watch' | 'handler' | 'relist';

export interface InformerOptions {
  /** Used in error messages. */
  name?: string;
  /** Periodic resync; 0 disables (default 10 min). */
  resyncMs?: number;
  /** Reconnect backoff after failures, doubling (defaults 1 s → 30 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Server-side watch timeout; a fresh random value per watch spreads reconnects (default 5–10 min). */
  watchTimeoutSeconds?: () => number;
  /** Extra time past the watch timeout before a silent watch is declared stalled (default 60 s). */
  watchdogGraceMs?: number;
  onError?: (err: unknown, phase: InformerPhase) => void;
  clock?: Clock;
}

const GONE = Symbol('gone');
/** Retry-After honoured this many times in a row (client-go's watch: 10), then the backoff takes over. */
const MAX_ASKED_RETRIES = 10;
/** A Retry-After of 0 still waits this long. */
const MIN_ASKED_MS = 100;

/** Objects of a fresh list put in the cache between two turns of the event loop. */
const REPLACE_SLICE = 1000;

/**
 * A list+watch cache that keeps going: client-node 1.4.0's ListWatch stops for good on any error
 * other than 410 and reconnects without backoff. Here every failure leads to a reconnect with
 * capped exponential backoff (or the wait a 429 or 5xx asks for), 410 Gone leads to a relist (deleted objects are reported), a watch
 * that outlives its timeout is restarted, and a periodic resync re-emits every object.
 * Objects are handed out as cached: callers must not mutate them.
 */
export class Informer<T extends KubeObject> {
  private readonly objects = new Map<string, Map<string, T>>();
  private readonly handlers = new Set<InformerHandlers<T>>();
  private readonly clock: Clock;
  private readonly name: string;
  private resourceVersion = '';
  private attempt = 0;
  private failures = 0;
  /** 410 Gone answers in a row, with no event between them. */
  private goneInARow = 0;
  /** Waits asked for by the server (Retry-After) since the last success. */
  private askedInARow = 0;
  private stopped = true;
  private synced = false;
  private current: { abort(): void } | undefined;
  private retryTimer: TimerHandle;
  private watchdogTimer: TimerHandle;
  private resyncTimer: TimerHandle;
  private syncWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  /** Access denied before the first sync: waiting cannot help, so sync waiters fail at once. */
  private denied: Error | undefined;

  constructor(
    private readonly source: ListWatchSource<T>,
    private readonly opts: InformerOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.name = opts.name ?? 'informer';
  }

  /** Registers handlers; if the cache is already synced, replays an add for every cached object. */
  addHandlers(h: InformerHandlers<T>): () => void {
    this.handlers.add(h);
    if (this.synced && h.add) for (const obj of this.list()) this.call(() => h.add?.(obj));
    return () => this.handlers.delete(h);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
    this.scheduleResync();
  }

  /** Stops watching; callbacks of the aborted watch (AbortError included) are ignored. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.attempt += 1;
    this.clearTimer('retryTimer');
    this.clearTimer('watchdogTimer');
    this.clearTimer('resyncTimer');
    this.current?.abort();
    this.current = undefined;
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of waiters) w.reject(new Error(`${this.name}: stopped before the cache synced`));
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(timeoutMs?: number): Promise<void> {
    if (this.synced) return Promise.resolve();
    if (this.denied) return Promise.reject(this.denied);
    return new Promise<void>((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : this.clock.setTimeout(() => {
              this.syncWaiters = this.syncWaiters.filter((w) => w !== waiter);
              reject(new Error(`${this.name}: cache did not sync within ${timeoutMs} ms`));
            }, timeoutMs);
      const settle = (): void => {
        if (timer !== undefined) this.clock.clearTimeout(timer);
      };
      const waiter = {
        resolve: () => {
          settle();
          resolve();
        },
        reject: (e: Error) => {
          settle();
          reject(e);
        },
      };
      this.syncWaiters.push(waiter);
    });
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.objects.get(namespace ?? '')?.get(name);
  }

  getByKey(key: string): T | undefined {
    const { namespace, name } = parseKey(key);
    return this.get(namespace, name);
  }

  /** All cached objects, or those of one namespace. */
  list(namespace?: string): T[] {
    if (namespace !== undefined) return [...(this.objects.get(namespace)?.values() ?? [])];
    const all: T[] = [];
    for (const byName of this.objects.values()) all.push(...byName.values());
    return all;
  }

  keys(): string[] {
    const keys: string[] = [];
    for (const [ns, byName] of this.objects)
      for (const name of byName.keys()) keys.push(keyOf({ namespace: ns, name }));
    return keys;
  }

  lastSyncResourceVersion(): string {
    return this.resourceVersion;
  }

  private connect(): void {
    const attempt = ++this.attempt;
    this.run(attempt).catch((err: unknown) => {
      if (attempt !== this.attempt || this.stopped) return;
      this.report(err, this.resourceVersion ? 'watch' : 'list');
      if (!this.synced && (isForbidden(err) || isUnauthorized(err))) this.deny(err);
      this.goneInARow = 0;
      this.reconnect(this.retryDelay(err));
    });
  }

  private async run(attempt: number): Promise<void> {
    if (!this.resourceVersion) {
      const listed = await this.source.list();
      if (attempt !== this.attempt) return;
      if (!(await this.replace(listed.items, attempt))) return;
      this.resourceVersion = listed.resourceVersion;
      this.askedInARow = 0;
      this.markSynced();
    }
    const startedAt = this.clock.now();
    const timeout = this.watchTimeout();
    const handle = await this.source.watch(
      this.resourceVersion,
      timeout,
      (type, obj) => {
        if (attempt === this.attempt) this.onEvent(type, obj);
      },
      (err) => {
        if (attempt === this.attempt && !this.stopped) this.onDone(err, startedAt);
      },
    );
    if (attempt !== this.attempt) {
      handle.abort();
      return;
    }
    this.current = handle;
    this.watchdogTimer = this.clock.setTimeout(
      () => {
        if (attempt !== this.attempt || this.stopped) return;
        this.report(new Error(`${this.name}: watch silent past its ${timeout} s timeout; restarting`), 'watch');
        this.failures += 1;
        this.reconnect(this.backoff());
      },
      timeout * 1000 + (this.opts.watchdogGraceMs ?? 60_000),
    );
  }

  private onEvent(type: string, raw: unknown): void {
    if (type === 'ERROR') {
      // A Status in the stream; 410 means our resourceVersion is compacted away.
      this.onDone(isGone(raw) ? GONE : raw, this.clock.now());
      return;
    }
    const obj = raw as T;
    const rv = obj?.metadata?.resourceVersion;
    if (type === 'ADDED' || type === 'MODIFIED') this.upsert(obj);
    else if (type === 'DELETED') this.remove(obj);
    if (typeof rv === 'string' && rv !== '') this.resourceVersion = rv;
    this.failures = 0;
    this.goneInARow = 0;
    this.askedInARow = 0;
  }

  private onDone(err: unknown, startedAt: number): void {
    if (err === GONE || isGone(err)) {
      // Relist at once, unless the fresh list's version is gone again right away. The server answered, so the
      // failures before (an API server restart, say) are over: counting them here delayed the relist after a
      // restart by 8-16 s.
      this.report(new Error(`resourceVersion ${this.resourceVersion} expired (410 Gone); listing again`), 'relist');
      this.resourceVersion = '';
      this.goneInARow += 1;
      this.failures = this.goneInARow;
      this.reconnect(this.failures > 1 ? this.backoff() : 0);
      return;
    }
    this.goneInARow = 0;
    if (err) {
      this.report(err, 'watch');
      this.reconnect(this.retryDelay(err));
      return;
    }
    // A server that closes watches at once must not make us spin (1.4.0 reconnects in a hot loop).
    const short = this.clock.now() - startedAt < (this.opts.minBackoffMs ?? 1000);
    this.failures = short ? this.failures + 1 : 0;
    this.reconnect(short ? this.backoff() : 0);
  }

  private reconnect(delayMs: number): void {
    this.attempt += 1;
    this.clearTimer('watchdogTimer');
    this.clearTimer('retryTimer');
    this.current?.abort();
    this.current = undefined;
    if (this.stopped) return;
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopped) this.connect();
    }, delayMs);
  }

  /**
   * After a failure: the wait the server asked for (Retry-After on a 429 or 5xx), up to MAX_ASKED_RETRIES in a row
   * as client-go does, else the next step of the backoff. The server answered, so the failures before are over: an
   * API server restarting answers 429 "storage is (re)initializing" with Retry-After 1, and the doubling of the
   * outage's refusals had made the KIngress and VirtualService caches wait 8-16 s more.
   */
  private retryDelay(err: unknown): number {
    const asked = retryAfterMs(err);
    if (asked !== undefined && this.askedInARow < MAX_ASKED_RETRIES) {
      this.askedInARow += 1;
      this.failures = 0;
      return Math.min(Math.max(asked, MIN_ASKED_MS), this.opts.maxBackoffMs ?? 30_000);
    }
    this.failures += 1;
    return this.backoff();
  }

  private backoff(): number {
    const min = this.opts.minBackoffMs ?? 1000;
    const max = this.opts.maxBackoffMs ?? 30_000;
    return Math.min(max, min * 2 ** Math.max(0, this.failures - 1));
  }

  private watchTimeout(): number {
    return this.opts.watchTimeoutSeconds?.() ?? 300 + Math.floor(Math.random() * 300);
  }

  /**
   * Swaps in a fresh list, reporting what appeared, changed and vanished since the last one; false when a
   * stop or a reconnect overtook it. A large list goes in slices with the event loop served in between
   * (20,000 objects and their handlers are 100 ms and more), as a burst of watch events would.
   */
  private async replace(items: T[], attempt: number): Promise<boolean> {
    const fresh = new Set<string>();
    for (const obj of items) fresh.add(objectKey(obj));
    for (const obj of this.list()) if (!fresh.has(objectKey(obj))) this.remove(obj);
    for (let i = 0; i < items.length; i += REPLACE_SLICE) {
      if (i > 0) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (attempt !== this.attempt) return false;
      }
      for (let j = i; j < Math.min(items.length, i + REPLACE_SLICE); j++) this.upsert(items[j] as T);
    }
    return true;
  }

  private upsert(obj: T): void {
    const ns = obj.metadata?.namespace ?? '';
    const name = obj.metadata?.name ?? '';
    let byName = this.objects.get(ns);
    if (!byName) {
      byName = new Map();
      this.objects.set(ns, byName);
    }
    const old = byName.get(name);
    byName.set(name, obj);
    if (!old) this.emit((h) => h.add?.(obj));
    else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion || !obj.metadata?.resourceVersion) {
      this.emit((h) => h.update?.(old, obj));
    }
  }

  private remove(obj: T): void {
    const ns = obj.metadata?.namespace ?? '';
    const byName = this.objects.get(ns);
    const name = obj.metadata?.name ?? '';
    const old = byName?.get(name);
    if (!byName || !old) return;
    byName.delete(name);
    if (byName.size === 0) this.objects.delete(ns);
    // The watch's final state of the object is the most useful one to hand to the handler.
    this.emit((h) => h.delete?.(obj));
  }

  private scheduleResync(): void {
    const every = this.opts.resyncMs ?? 600_000;
    if (!(every > 0) || this.stopped) return;
    this.resyncTimer = this.clock.setTimeout(() => {
      if (this.stopped) return;
      if (this.synced) {
        for (const obj of this.list()) this.emit((h) => h.update?.(obj, obj));
        this.emit((h) => h.resync?.());
      }
      this.scheduleResync();
    }, every);
  }

  private deny(err: unknown): void {
    this.denied = new Error(`${this.name}: ${errorMessage(err)}`);
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of waiters) w.reject(this.denied);
  }

  private markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    this.denied = undefined;
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of waiters) w.resolve();
  }

  private emit(fn: (h: InformerHandlers<T>) => void): void {
    for (const h of [...this.handlers]) this.call(() => fn(h));
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.report(err, 'handler');
    }
  }

  private report(err: unknown, phase: InformerPhase): void {
    try {
      this.opts.onError?.(err, phase);
    } catch {
      // Logging must never break the watch loop.
    }
  }

  private clearTimer(which: 'retryTimer' | 'watchdogTimer' | 'resyncTimer'): void {
    const t = this[which];
    if (t !== undefined) this.clock.clearTimeout(t);
    this[which] = undefined;
  }
}
