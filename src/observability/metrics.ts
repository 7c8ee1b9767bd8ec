import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * How a reconcile ended; one label value each, so dashboards can tell failure kinds apart. `requeue` is a
 * 409 Conflict: our cache was a step behind a write, so the work queue runs the key again at once (through
 * its rate limiter) from a fresher cache, and nothing is reported as failed. A reconcile never asks to run
 * again later by itself: pending readiness is re-enqueued by the prober when it settles.
 */
export type ReconcileResult = 'success' | 'error' | 'invalid' | 'skipped' | 'requeue';
export const RECONCILE_RESULTS: readonly ReconcileResult[] = ['success', 'error', 'invalid', 'skipped', 'requeue'];

export type ReadinessState = 'ready' | 'not_ready' | 'unknown';
const READINESS_STATES: readonly ReadinessState[] = ['ready', 'not_ready', 'unknown'];
export type ReadinessCounts = Readonly<Record<ReadinessState, number>>;

/**
 * One probe of one gateway pod: it echoed our hash (ready), answered 200 without the probe handler and counts
 * as success (abandoned), said the route is not there yet (not_ready, 404/503), answered another status, a
 * plugin's 401/403/429 most often (rejected), echoed an older hash (stale), or failed (error) or timed out (timeout).
 */
export type ProbeOutcome = 'ready' | 'abandoned' | 'not_ready' | 'rejected' | 'stale' | 'error' | 'timeout';
const PROBE_OUTCOMES: readonly ProbeOutcome[] = [
  'ready',
  'abandoned',
  'not_ready',
  'rejected',
  'stale',
  'error',
  'timeout',
];

/** Why a probe failed, one value per kind of fix (prober/explain.ts says each in words). */
export const PROBE_CAUSES = [
  'unauthorized',
  'forbidden',
  'rate_limited',
  'upgrade_required',
  'unexpected_status',
  'not_found',
  'unavailable',
  'stale',
  'refused',
  'tls',
  'timeout',
  'error',
] as const;
export type ProbeCause = (typeof PROBE_CAUSES)[number];

const METRIC_PREFIX = 'net_higress_';

export interface MetricsOptions {
  /** prom-client's process/Node metrics (open fds, memory, event loop lag); default true. */
  defaultMetrics?: boolean;
}

/**
 * The operator's Prometheus metrics in a registry of their own (not prom-client's global one),
 * so that tests and several controllers in one process never share or clash on series.
 */
export class Metrics {
  readonly registry = new Registry();
  private queueDepth: () => number = () => 0;
  private readiness: () => ReadinessCounts = () => ({ ready: 0, not_ready: 0, unknown: 0 });
  private probing: () => number = () => 0;

  private readonly reconciles = new Counter({
    name: `${METRIC_PREFIX}reconcile_total`,
    help: 'KIngress reconciles by result.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  private readonly reconcileSeconds = new Histogram({
    name: `${METRIC_PREFIX}reconcile_duration_seconds`,
    help: 'Time spent in one KIngress reconcile, by result.',
    labelNames: ['result'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  private readonly writes = new Counter({
    name: `${METRIC_PREFIX}writes_total`,
    help: 'API writes by verb and kind; flat in steady state.',
    labelNames: ['verb', 'kind'] as const,
    registers: [this.registry],
  });

  private readonly probes = new Counter({
    name: `${METRIC_PREFIX}probes_total`,
    help: 'Readiness probes of gateway pods by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly probeFailures = new Counter({
    name: `${METRIC_PREFIX}probe_failures_total`,
    help: 'Failed readiness probes of gateway pods by likely cause (unauthorized, not_found, refused, tls, ...).',
    labelNames: ['cause'] as const,
    registers: [this.registry],
  });

  private readonly probeReadySeconds = new Histogram({
    name: `${METRIC_PREFIX}probe_ready_latency_seconds`,
    help: 'Time from writing a KIngress generation until every gateway pod serves it (probed readiness).',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });

  constructor(opts: MetricsOptions = {}) {
    // Gauges read their source at scrape time: the truth lives in the queue and the caches.
    const depth: Gauge = new Gauge({
      name: `${METRIC_PREFIX}workqueue_depth`,
      help: 'Keys waiting in the work queue.',
      registers: [this.registry],
      collect: () => {
        const n = sample(this.queueDepth);
        if (n !== undefined) depth.set(n);
      },
    });
    const readiness: Gauge<'state'> = new Gauge({
      name: `${METRIC_PREFIX}kingress_readiness`,
      help: 'KIngresses of our class by readiness state.',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect: () => {
        const counts = sample(this.readiness);
        if (counts) for (const state of READINESS_STATES) readiness.set({ state }, counts[state]);
      },
    });
    const probing: Gauge = new Gauge({
      name: `${METRIC_PREFIX}kingresses_probing`,
      help: 'KIngresses waiting for every gateway pod to serve their current generation.',
      registers: [this.registry],
      collect: () => {
        const n = sample(this.probing);
        if (n !== undefined) probing.set(n);
      },
    });

    // Zero series exist from the start, so rate() and alerts work before the first event.
    for (const result of RECONCILE_RESULTS) this.reconciles.inc({ result }, 0);
    for (const outcome of PROBE_OUTCOMES) this.probes.inc({ outcome }, 0);
    for (const cause of PROBE_CAUSES) this.probeFailures.inc({ cause }, 0);

    if (opts.defaultMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry });
      registerEventLoopDelay(this.registry);
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  metricsText(): Promise<string> {
    return this.registry.metrics();
  }

  observeReconcile(result: ReconcileResult, seconds: number): void {
    this.reconciles.inc({ result });
    this.reconcileSeconds.observe({ result }, seconds);
  }

  /** Starts a clock; call the returned function with the result when the reconcile ends. */
  startReconcile(now: () => number = performanceNow): (result: ReconcileResult) => void {
    const start = now();
    return (result) => this.observeReconcile(result, (now() - start) / 1000);
  }

  /** `verb` as the writer names it (create, update, delete, patch, status); `kind` e.g. VirtualService. */
  countWrite(verb: string, kind: string): void {
    this.writes.inc({ verb, kind });
  }

  countProbe(outcome: ProbeOutcome): void {
    this.probes.inc({ outcome });
  }

  countProbeFailure(cause: ProbeCause): void {
    this.probeFailures.inc({ cause });
  }

  observeProbeReady(seconds: number): void {
    this.probeReadySeconds.observe(seconds);
  }

  setQueueDepthSource(source: () => number): void {
    this.queueDepth = source;
  }

  setReadinessSource(source: () => ReadinessCounts): void {
    this.readiness = source;
  }

  setProbingSource(source: () => number): void {
    this.probing = source;
  }
}

/**
 * Event-loop delay since the process started (prom-client's own lag gauges restart their window at every
 * scrape, so a stall between scrapes, e.g. during the initial sync, is easy to miss there).
 */
function registerEventLoopDelay(registry: Registry): void {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  new Gauge({
    name: `${METRIC_PREFIX}event_loop_delay_seconds`,
    help: 'Event-loop delay since the process started, by quantile (1 is the maximum).',
    labelNames: ['quantile'] as const,
    registers: [registry],
    collect() {
      for (const q of [0.5, 0.99]) this.set({ quantile: String(q) }, delay.percentile(q * 100) / 1e9);
      this.set({ quantile: '1' }, delay.max / 1e9);
    },
  });
}

/** A failing source keeps its gauge's last value instead of failing the whole scrape. */
function sample<T>(source: () => T): T | undefined {
  try {
    return source();
  } catch {
    return undefined;
  }
}

function performanceNow(): number {
  return performance.now();
}
