/**
 * Probed readiness, as Knative's status.Prober decides it: a KIngress is Ready only when every ready pod
 * behind its gateway Services answered a probe with this generation's hash.
 * isReady starts the probing of a new hash and says false; when the last pod answers, the KIngress is
 * re-enqueued and the next isReady for the same hash says true. Nothing here writes to the cluster.
 */
import { keyOf, refOf } from '../api/meta.js';
import type { EndpointSlice } from '../api/discovery.js';
import { type Clock, realClock } from '../kube/clock.js';
import { errorMessage } from '../kube/errors.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics, ProbeCause } from '../observability/metrics.js';
import type { NotReadyReason, Readiness } from '../reconciler/deps.js';
import type { DefaultedIngress } from '../translate/defaults.js';
import type { Desired } from '../translate/translate.js';
import { listProbeTargets, type GatewayCluster } from './discovery.js';
import { explainFailure, isTransient } from './explain.js';
import { sendProbe, type SendProbe } from './request.js';
import { ProbeScheduler, type SchedulerOptions } from './scheduler.js';
import { IngressProbing, type ProbeItem } from './state.js';
import { readyAddresses } from './targets.js';
import { verdict } from './verdict.js';

const DEFAULT_EXPLAIN_AFTER_MS = 5000;

export interface ProberOptions {
  clusterDomain: string;
  /** Re-enqueue the KIngress once its probing completed. */
  onReady: (key: string) => void;
  /** Re-enqueue the KIngress when the reason it waits for changed (default: onReady), so its status says it. */
  onBlocked?: (key: string) => void;
  /**
   * How long a pod must keep failing with a cause that is normal right after a change (404, 503, an older
   * hash, refused, TLS, timeout) before the KIngress reports it (default 5 s). Plugin answers are reported at once.
   */
  explainAfterMs?: number;
  log: Logger;
  metrics?: Metrics;
  scheduler?: Partial<SchedulerOptions>;
  /** The wire; tests replace it. */
  send?: SendProbe;
  clock?: Clock;
}

export class Prober implements Readiness {
  private readonly states = new Map<string, IngressProbing>();
  /** Causes already announced (Event, warn log) per KIngress, until it is Ready or gone: once per cause, not per probe. */
  private readonly announced = new Map<string, Set<ProbeCause>>();
  /** isReady calls still listing targets; forget() removes the entry so a deleted KIngress is not probed. */
  private readonly listing = new Map<string, symbol>();
  private readonly scheduler: ProbeScheduler<ProbeItem>;
  private readonly send: SendProbe;
  private readonly clock: Clock;

  constructor(
    private readonly cluster: GatewayCluster,
    private readonly opts: ProberOptions,
  ) {
    this.clock = opts.clock ?? realClock;
    this.send = opts.send ?? ((target, signal) => sendProbe(target, signal));
    this.scheduler = new ProbeScheduler(
      (item) => this.probe(item),
      (item) => item.probing.isLive(item),
      opts.scheduler,
      this.clock,
    );
    cluster.onEndpointsChanged((service, slices) => this.endpointsChanged(service, slices));
    opts.metrics?.setProbingSource(() => this.waiting());
  }

  async isReady(ing: DefaultedIngress, desired: Desired): Promise<boolean> {
    const key = keyOf(refOf(ing));
    const current = this.states.get(key);
    if (current?.hash === desired.hash) return current.done;
    if (current) this.cancel(key);

    const token = Symbol(key);
    this.listing.set(key, token);
    let listed: Awaited<ReturnType<typeof listProbeTargets>>;
    let wanted: boolean;
    try {
      listed = await listProbeTargets(ing, desired, this.cluster, this.opts.clusterDomain);
    } finally {
      wanted = this.listing.get(key) === token;
      if (wanted) this.listing.delete(key);
    }
    // forget() ran while we listed: the KIngress is gone, so nothing to probe.
    if (!wanted) return false;

    const log = this.opts.log.child({ kingress: key });
    if (listed.missingServices.length > 0)
      log.warn('gateway Service not found; its pods cannot be probed', { services: listed.missingServices });
    const state = new IngressProbing(key, desired.hash, listed.targets, this.clock.now());
    this.states.set(key, state);
    if (state.done) {
      log.debug('no gateway pods to probe', { hash: desired.hash });
      return true;
    }
    const items = state.items();
    log.debug('probing gateway pods', { hash: desired.hash, pods: state.pendingPods().length, probes: items.length });
    for (const item of items) this.scheduler.add(item);
    return false;
  }

  /** The KIngress is gone or no longer ours: stop its probing and drop its state. */
  forget(key: string): void {
    this.listing.delete(key);
    this.announced.delete(key);
    this.cancel(key);
  }

  /** Why the KIngress is not Ready yet, in one line; `announce` the first time each cause is given out. */
  explain(key: string): NotReadyReason | undefined {
    const failure = this.states.get(key)?.blocker;
    if (!failure) return undefined;
    let seen = this.announced.get(key);
    if (!seen) this.announced.set(key, (seen = new Set()));
    const announce = !seen.has(failure.cause);
    seen.add(failure.cause);
    return { message: failure.message, announce };
  }

  /** KIngresses whose current generation is still being probed. */
  waiting(): number {
    let n = 0;
    for (const s of this.states.values()) if (!s.done) n += 1;
    return n;
  }

  /** Pods still pending for a KIngress (for tests and debugging); undefined when it has no probing state. */
  pendingPods(key: string): string[] | undefined {
    return this.states.get(key)?.pendingPods();
  }

  async stop(): Promise<void> {
    this.scheduler.stop();
    for (const key of [...this.states.keys()]) this.cancel(key);
    await this.cluster.stop();
  }

  private cancel(key: string): void {
    const state = this.states.get(key);
    if (!state) return;
    const items = state.items();
    state.cancel();
    this.scheduler.drop(items);
    this.states.delete(key);
  }

  /** One attempt; true when this item needs no further probe. */
  private async probe(item: ProbeItem): Promise<boolean> {
    const res = await this.send(item.target, item.signal);
    const state = item.probing;
    // Cancelled while in flight: a newer hash or a gone pod; nothing to count or retry.
    if (!state.isLive(item)) return true;
    const v = verdict(res, state.hash);
    this.opts.metrics?.countProbe(v.outcome);
    const fields = {
      kingress: state.key,
      pod: item.target.podIP,
      port: item.target.podPort,
      scheme: item.target.scheme,
      host: item.target.host,
      outcome: v.outcome,
      reason: v.reason,
    };
    if (v.outcome === 'abandoned')
      this.opts.log.info('probe answered without the probe handler; counting the pod as ready', fields);
    else this.opts.log.debug('probe', fields);
    if (!v.done) {
      this.opts.metrics?.countProbeFailure(v.cause);
      const grace = isTransient(v.cause) ? (this.opts.explainAfterMs ?? DEFAULT_EXPLAIN_AFTER_MS) : 0;
      if (state.failed(item, explainFailure(item.target, res, v.cause), this.clock.now(), grace))
        this.requeue(state.key, this.opts.onBlocked ?? this.opts.onReady);
      return false;
    }
    if (state.succeeded(item)) this.completed(state);
    return true;
  }

  private endpointsChanged(service: string, slices: readonly EndpointSlice[]): void {
    const ready = new Set(slices.flatMap(readyAddresses));
    for (const state of this.states.values()) {
      if (state.done) continue;
      const before = state.pendingPods();
      const done = state.endpointsChanged(service, ready);
      const left = before.filter((ip) => !ready.has(ip) && !state.pendingPods().includes(ip));
      if (left.length > 0)
        this.opts.log.info('gateway pods left the endpoints; not waiting for them', {
          kingress: state.key,
          service,
          pods: left,
        });
      if (done) this.completed(state);
    }
  }

  private completed(state: IngressProbing): void {
    if (this.states.get(state.key) !== state) return;
    const seconds = (this.clock.now() - state.startedAt) / 1000;
    this.opts.metrics?.observeProbeReady(seconds);
    this.opts.log.info('every gateway pod serves the KIngress', { kingress: state.key, hash: state.hash, seconds });
    this.announced.delete(state.key);
    this.requeue(state.key, this.opts.onReady);
  }

  private requeue(key: string, how: (key: string) => void): void {
    try {
      how(key);
    } catch (err) {
      this.opts.log.error('failed to re-enqueue a probed KIngress', { kingress: key, error: errorMessage(err) });
    }
  }
}
