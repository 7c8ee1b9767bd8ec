import { describe, test, expect } from '@jest/globals';
import { Metrics, PROBE_CAUSES, RECONCILE_RESULTS } from '../../../src/observability/metrics.js';

/** The value of one sample line, e.g. `net_higress_reconcile_total{result="error"}`; undefined if absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

// Default process metrics are off where a test does not look at them: fewer series, faster scrapes.
const bare = (): Metrics => new Metrics({ defaultMetrics: false });

describe('Metrics', () => {
  test('every reconcile result has a zero series before anything happens', async () => {
    const text = await bare().metricsText();
    for (const result of RECONCILE_RESULTS)
      expect(sample(text, `net_higress_reconcile_total{result="${result}"}`)).toBe(0);
    expect(sample(text, 'net_higress_probes_total{outcome="ready"}')).toBe(0);
  });

  test('observeReconcile counts by result and records the duration', async () => {
    const m = bare();
    m.observeReconcile('success', 0.02);
    m.observeReconcile('success', 0.3);
    m.observeReconcile('error', 2);
    const text = await m.metricsText();
    expect(sample(text, 'net_higress_reconcile_total{result="success"}')).toBe(2);
    expect(sample(text, 'net_higress_reconcile_total{result="error"}')).toBe(1);
    expect(sample(text, 'net_higress_reconcile_duration_seconds_count{result="success"}')).toBe(2);
    expect(sample(text, 'net_higress_reconcile_duration_seconds_sum{result="success"}')).toBeCloseTo(0.32);
    expect(sample(text, 'net_higress_reconcile_duration_seconds_bucket{le="0.025",result="success"}')).toBe(1);
    expect(sample(text, 'net_higress_reconcile_duration_seconds_bucket{le="2.5",result="error"}')).toBe(1);
  });

  test('startReconcile measures with the given clock', async () => {
    const m = bare();
    let now = 1000;
    const done = m.startReconcile(() => now);
    now += 1500;
    done('requeue');
    const text = await m.metricsText();
    expect(sample(text, 'net_higress_reconcile_duration_seconds_sum{result="requeue"}')).toBe(1.5);
    expect(sample(text, 'net_higress_reconcile_total{result="requeue"}')).toBe(1);
  });

  test('writes are counted by verb and kind', async () => {
    const m = bare();
    m.countWrite('create', 'VirtualService');
    m.countWrite('create', 'VirtualService');
    m.countWrite('status', 'Ingress');
    const text = await m.metricsText();
    expect(sample(text, 'net_higress_writes_total{verb="create",kind="VirtualService"}')).toBe(2);
    expect(sample(text, 'net_higress_writes_total{verb="status",kind="Ingress"}')).toBe(1);
  });

  test('gauges read their sources at scrape time', async () => {
    const m = bare();
    let depth = 3;
    m.setQueueDepthSource(() => depth);
    m.setReadinessSource(() => ({ ready: 5, not_ready: 2, unknown: 1 }));
    m.setProbingSource(() => 4);
    let text = await m.metricsText();
    expect(sample(text, 'net_higress_workqueue_depth')).toBe(3);
    expect(sample(text, 'net_higress_kingress_readiness{state="ready"}')).toBe(5);
    expect(sample(text, 'net_higress_kingress_readiness{state="not_ready"}')).toBe(2);
    expect(sample(text, 'net_higress_kingress_readiness{state="unknown"}')).toBe(1);
    expect(sample(text, 'net_higress_kingresses_probing')).toBe(4);
    depth = 0;
    text = await m.metricsText();
    expect(sample(text, 'net_higress_workqueue_depth')).toBe(0);
  });

  test('gauges without a source report zero', async () => {
    const text = await bare().metricsText();
    expect(sample(text, 'net_higress_workqueue_depth')).toBe(0);
    expect(sample(text, 'net_higress_kingress_readiness{state="unknown"}')).toBe(0);
  });

  test('a throwing source keeps the last value and does not fail the scrape', async () => {
    const m = bare();
    let fail = false;
    m.setQueueDepthSource(() => {
      if (fail) throw new Error('queue gone');
      return 7;
    });
    await m.metricsText();
    fail = true;
    const text = await m.metricsText();
    expect(sample(text, 'net_higress_workqueue_depth')).toBe(7);
  });

  test('probe outcomes and time to ready', async () => {
    const m = bare();
    m.countProbe('ready');
    m.countProbe('timeout');
    m.countProbe('timeout');
    m.observeProbeReady(0.7);
    const text = await m.metricsText();
    expect(sample(text, 'net_higress_probes_total{outcome="ready"}')).toBe(1);
    expect(sample(text, 'net_higress_probes_total{outcome="timeout"}')).toBe(2);
    expect(sample(text, 'net_higress_probe_ready_latency_seconds_count')).toBe(1);
    expect(sample(text, 'net_higress_probe_ready_latency_seconds_bucket{le="1"}')).toBe(1);
    expect(sample(text, 'net_higress_probe_ready_latency_seconds_bucket{le="0.5"}')).toBe(0);
  });

  test('probe failures by cause: every cause has a zero series from the start', async () => {
    const m = bare();
    for (const cause of PROBE_CAUSES)
      expect(sample(await m.metricsText(), `net_higress_probe_failures_total{cause="${cause}"}`)).toBe(0);
    m.countProbeFailure('unauthorized');
    m.countProbeFailure('unauthorized');
    m.countProbeFailure('not_found');
    const text = await m.metricsText();
    expect(sample(text, 'net_higress_probe_failures_total{cause="unauthorized"}')).toBe(2);
    expect(sample(text, 'net_higress_probe_failures_total{cause="not_found"}')).toBe(1);
    expect(sample(text, 'net_higress_probes_total{outcome="rejected"}')).toBe(0);
  });

  test('instances do not share series', async () => {
    const a = bare();
    const b = bare();
    a.observeReconcile('invalid', 0.001);
    expect(sample(await a.metricsText(), 'net_higress_reconcile_total{result="invalid"}')).toBe(1);
    expect(sample(await b.metricsText(), 'net_higress_reconcile_total{result="invalid"}')).toBe(0);
  });

  test('default process metrics include open fds, in several registries at once', async () => {
    const a = new Metrics();
    const b = new Metrics();
    const text = await a.metricsText();
    expect(text).toContain('# TYPE nodejs_heap_size_used_bytes gauge');
    if (process.platform === 'linux') expect(sample(text, 'process_open_fds')).toBeGreaterThan(0);
    expect(await b.metricsText()).toContain('process_cpu_seconds_total');
    expect(a.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});
