import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type Clock, type TimerHandle, realClock } from './clock.js';
import { isAlreadyExists, isConflict, isNotFound } from './errors.js';
import { collectionPath, LEASE, objectPath } from './resources.js';
import type { RestClient } from './rest.js';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** MicroTime: RFC 3339 with exactly 6 fractional digits, or the API server answers 400. */
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

/** Lease storage; the REST implementation talks to coordination.k8s.io/v1. */
export interface LeaseStore {
  get(namespace: string, name: string): Promise<Lease | undefined>;
  create(lease: Lease): Promise<Lease>;
  update(lease: Lease): Promise<Lease>;
}

export function restLeaseStore(rest: RestClient): LeaseStore {
  return {
    async get(namespace, name) {
      try {
        return await rest.request<Lease>({
          method: 'GET',
          path: objectPath(LEASE, namespace, name),
          timeoutMs: 10_000,
        });
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    create: (lease) =>
      rest.request<Lease>({
        method: 'POST',
        path: collectionPath(LEASE, lease.metadata.namespace),
        body: lease,
        timeoutMs: 10_000,
      }),
    update: (lease) =>
      rest.request<Lease>({
        method: 'PUT',
        path: objectPath(LEASE, lease.metadata.namespace, lease.metadata.name),
        body: lease,
        timeoutMs: 10_000,
      }),
  };
}

/**
 * Who we are in the Lease: the pod name when the Downward API gives it, else the host name plus a random
 * suffix, as client-go does: two processes on one host (or two pods sharing a host name) must never
 * both believe they hold the lease.
 */
export function leaderIdentity(env: Readonly<Record<string, string | undefined>>, host: string = hostname()): string {
  return env.POD_NAME || `${host}_${randomUUID()}`;
}

/** metav1.MicroTime: `2024-05-01T10:00:00.123000Z` (what client-node's V1MicroTime produces). */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  /** Unique per replica, usually the pod name. */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onStartedLeading: () => void;
  /** Called when leadership is lost or released; the caller stops its work (or exits). */
  onStoppedLeading: () => void;
  onNewLeader?: (identity: string) => void;
  onError?: (err: unknown) => void;
  /** Clear the holder on stop() so a standby takes over at once (default true). */
  releaseOnStop?: boolean;
  clock?: Clock;
}

/**
 * Lease-based leader election after client-go's leaderelection (client-node has none): acquire when
 * the lease is free or expired, renew every retryPeriod, step down when no renewal succeeded for
 * renewDeadline. Expiry is judged by when *we* last saw the lease change, not by the holder's
 * clock. After losing, the elector keeps trying, so a replica goes back to standby.
 */
export class LeaderElector {
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly clock: Clock;
  private observed: { key: string; at: number; holder: string } | undefined;
  private leading = false;
  private stopped = true;
  private loop: Promise<void> | undefined;
  private wake: { timer: TimerHandle; resolve: () => void } | undefined;

  constructor(
    private readonly store: LeaseStore,
    private readonly opts: LeaderElectionOptions,
  ) {
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    this.clock = opts.clock ?? realClock;
    if (this.leaseDurationMs <= this.renewDeadlineMs) throw new Error('leaseDuration must exceed renewDeadline');
    if (this.renewDeadlineMs <= this.retryPeriodMs) throw new Error('renewDeadline must exceed retryPeriod');
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder we last saw, '' when none. */
  observedLeader(): string {
    return this.observed?.holder ?? '';
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /** Stops campaigning; if leading, releases the lease and calls onStoppedLeading. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wakeUp();
    await this.loop;
    if (!this.leading) return;
    if (this.opts.releaseOnStop ?? true) await this.release();
    this.setLeading(false);
  }

  private async run(): Promise<void> {
    let lastRenew = 0;
    while (!this.stopped) {
      if (!this.leading) {
        if (await this.tryAcquireOrRenew()) {
          lastRenew = this.clock.now();
          this.setLeading(true);
        } else {
          await this.sleep(this.retryPeriodMs * (1 + Math.random() * 0.2));
        }
        continue;
      }
      await this.sleep(this.retryPeriodMs);
      if (this.stopped) break;
      const left = lastRenew + this.renewDeadlineMs - this.clock.now();
      const renewed = left > 0 && (await this.within(left, this.tryAcquireOrRenew()));
      if (renewed) lastRenew = this.clock.now();
      else if (this.clock.now() - lastRenew >= this.renewDeadlineMs) this.setLeading(false);
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.opts;
    const now = this.clock.now();
    const ours: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    try {
      const lease = await this.store.get(namespace, name);
      if (!lease) {
        const created = await this.store.create({
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { namespace, name },
          spec: ours,
        });
        this.observe(created, now);
        return true;
      }
      const spec = lease.spec ?? {};
      this.observe(lease, now);
      const holder = spec.holderIdentity ?? '';
      const durationMs = (spec.leaseDurationSeconds ?? 0) * 1000 || this.leaseDurationMs;
      const seenAt = this.observed?.at ?? now;
      if (holder !== '' && holder !== identity && seenAt + durationMs > now) return false;
      const renewing = holder === identity;
      const next: Lease = {
        ...lease,
        spec: {
          ...spec,
          ...ours,
          acquireTime: renewing ? (spec.acquireTime ?? ours.acquireTime) : ours.acquireTime,
          leaseTransitions: (spec.leaseTransitions ?? 0) + (renewing ? 0 : 1),
        },
      };
      this.observe(await this.store.update(next), now);
      return true;
    } catch (err) {
      // Losing a race to another replica is the normal way of not being leader.
      if (!isConflict(err) && !isAlreadyExists(err)) this.report(err);
      return false;
    }
  }

  /** Records when the lease record last changed, by our clock. */
  private observe(lease: Lease, now: number): void {
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const key = `${holder}\u0000${spec.renewTime ?? ''}\u0000${spec.leaseDurationSeconds ?? ''}`;
    if (this.observed?.key === key) return;
    const previous = this.observed?.holder;
    this.observed = { key, at: now, holder };
    if (holder !== previous && holder !== '') this.safely(() => this.opts.onNewLeader?.(holder));
  }

  private async release(): Promise<void> {
    try {
      const lease = await this.store.get(this.opts.namespace, this.opts.name);
      if (!lease || lease.spec?.holderIdentity !== this.opts.identity) return;
      const now = microTime(this.clock.now());
      await this.store.update({
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now },
      });
    } catch (err) {
      this.report(err);
    }
  }

  private setLeading(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    this.safely(leading ? this.opts.onStartedLeading : this.opts.onStoppedLeading);
  }

  /** Resolves the attempt's result, or false if it takes longer than ms. */
  private within(ms: number, attempt: Promise<boolean>): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => resolve(false), ms);
      void attempt.then((ok) => {
        this.clock.clearTimeout(timer);
        resolve(ok);
      });
    });
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = { timer, resolve };
    });
  }

  private wakeUp(): void {
    if (!this.wake) return;
    this.clock.clearTimeout(this.wake.timer);
    this.wake.resolve();
    this.wake = undefined;
  }

  private report(err: unknown): void {
    try {
      this.opts.onError?.(err);
    } catch {
      // A failing logger must not stop the election loop.
    }
  }

  /** Runs a caller's callback; its exceptions are reported, never allowed into the loop. */
  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.report(err);
    }
  }
}
