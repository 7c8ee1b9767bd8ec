/**
 * The probing of one KIngress generation (one hash): which pods still have to show that they serve it.
 * Pods are identified by IP, as upstream does; a pod is done when every probe of it succeeded or when it
 * left the gateway Service's ready endpoints, and the KIngress is done when no pod is pending.
 */
import type { ProbeFailure } from './explain.js';
import { targetKey, type ProbeTarget } from './targets.js';

/** One (pod × Gateway server) to probe until it succeeds or its probing is cancelled. */
export interface ProbeItem {
  /** Unique across all probing states, so scheduler bookkeeping never mixes generations. */
  readonly id: string;
  readonly target: ProbeTarget;
  readonly probing: IngressProbing;
  /** Aborted when the pod or the whole probing is cancelled: an in-flight probe stops at once. */
  readonly signal: AbortSignal;
}

interface PodProbing {
  pending: Set<ProbeItem>;
  abort: AbortController;
}

let sequence = 0;

export class IngressProbing {
  private readonly pods = new Map<string, PodProbing>();
  private cancelledFlag = false;
  /** The last failure of every item still failing, and since when it fails with that cause. */
  private readonly failing = new Map<ProbeItem, { failure: ProbeFailure; since: number }>();
  /** The failure this KIngress reports as its reason to wait; it stays while its item keeps failing that way. */
  private blocked: { item: ProbeItem; failure: ProbeFailure } | undefined;

  constructor(
    readonly key: string,
    readonly hash: string,
    targets: readonly ProbeTarget[],
    readonly startedAt: number,
  ) {
    const run = ++sequence;
    for (const target of targets) {
      let pod = this.pods.get(target.podIP);
      if (!pod) {
        pod = { pending: new Set(), abort: new AbortController() };
        this.pods.set(target.podIP, pod);
      }
      pod.pending.add({ id: `${key}#${run}#${targetKey(target)}`, target, probing: this, signal: pod.abort.signal });
    }
  }

  /** Every pod answered with this hash, left the endpoints, or there was nothing to probe. */
  get done(): boolean {
    return !this.cancelledFlag && this.pods.size === 0;
  }

  get cancelled(): boolean {
    return this.cancelledFlag;
  }

  pendingPods(): string[] {
    return [...this.pods.keys()];
  }

  items(): ProbeItem[] {
    return [...this.pods.values()].flatMap((pod) => [...pod.pending]);
  }

  /** Still worth sending: not cancelled, and its pod has not finished or left. */
  isLive(item: ProbeItem): boolean {
    return !this.cancelledFlag && this.pods.get(item.target.podIP)?.pending.has(item) === true;
  }

  /**
   * Records a failed probe. Returns the failure when it becomes what this KIngress reports: there is no
   * other failure reported, and it has lasted `graceMs` with this cause (a 404 for a moment after a
   * change is normal and not worth a word).
   */
  failed(item: ProbeItem, failure: ProbeFailure, now: number, graceMs: number): ProbeFailure | undefined {
    if (!this.isLive(item)) return undefined;
    const before = this.failing.get(item);
    const since = before?.failure.cause === failure.cause ? before.since : now;
    this.failing.set(item, { failure, since });
    const current = this.blocked;
    if (current && this.isLive(current.item) && this.failing.get(current.item)?.failure.cause === current.failure.cause)
      return undefined;
    if (now - since < graceMs) return undefined;
    this.blocked = { item, failure };
    return failure;
  }

  /** What this KIngress waits for, in words; undefined when nothing has failed long enough to say. */
  get blocker(): ProbeFailure | undefined {
    const current = this.blocked;
    return current && this.isLive(current.item) ? current.failure : undefined;
  }

  /** Records a successful probe; true when it was the last one this KIngress waited for. */
  succeeded(item: ProbeItem): boolean {
    if (!this.isLive(item)) return false;
    this.failing.delete(item);
    const pod = this.pods.get(item.target.podIP);
    pod?.pending.delete(item);
    if (pod && pod.pending.size === 0) this.pods.delete(item.target.podIP);
    return this.done;
  }

  /**
   * The gateway Service's ready endpoints are now `ready`: a pod that left is not waited for (its in-flight
   * probes are aborted). Returns true when that completes the probing.
   */
  endpointsChanged(service: string, ready: ReadonlySet<string>): boolean {
    if (this.cancelledFlag || this.done) return false;
    for (const [ip, pod] of this.pods) {
      if (ready.has(ip)) continue;
      for (const item of pod.pending) if (item.target.service === service) pod.pending.delete(item);
      if (pod.pending.size === 0) {
        pod.abort.abort();
        this.pods.delete(ip);
      }
    }
    return this.done;
  }

  /** A newer hash or a deleted KIngress: stop everything, count nothing. */
  cancel(): void {
    this.cancelledFlag = true;
    for (const pod of this.pods.values()) pod.abort.abort();
    this.pods.clear();
  }
}
