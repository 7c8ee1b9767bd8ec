import { describe, test, expect } from '@jest/globals';
import { recordingLogger } from '../../../src/observability/logger.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { Prober } from '../../../src/prober/prober.js';
import type { ProbeTarget } from '../../../src/prober/targets.js';
import type { ProbeResponse } from '../../../src/prober/verdict.js';
import { FakeClock } from '../kube/fakeclock.js';
import { FakeGatewayCluster, higressCluster, slice, translated } from './fakes.js';

const KEY = 'ns/hello';

/** Gateway pods as the prober's wire sees them: what each pod IP answers right now. */
class FakePods {
  readonly serving = new Map<string, ProbeResponse>();
  readonly sent: Array<{ target: ProbeTarget; signal: AbortSignal }> = [];
  /** When set, probes hang until aborted (an in-flight probe). */
  hang = false;

  send = (target: ProbeTarget, signal: AbortSignal): Promise<ProbeResponse> => {
    this.sent.push({ target, signal });
    if (this.hang)
      return new Promise((resolve) =>
        signal.addEventListener('abort', () => resolve({ kind: 'error', timeout: false, message: 'cancelled' })),
      );
    return Promise.resolve(this.serving.get(target.podIP) ?? { kind: 'response', status: 404, hash: undefined });
  };

  serve(ips: string[], hash: string): void {
    for (const ip of ips) this.serving.set(ip, { kind: 'response', status: 200, hash });
  }
}

function setup(cluster: FakeGatewayCluster = higressCluster(['10.0.0.1', '10.0.0.2', '10.0.0.3'])) {
  const clock = new FakeClock();
  const pods = new FakePods();
  const ready: string[] = [];
  const metrics = new Metrics({ defaultMetrics: false });
  const logs = recordingLogger();
  const prober = new Prober(cluster, {
    clusterDomain: 'cluster.local',
    onReady: (k) => ready.push(k),
    log: logs.logger,
    metrics,
    send: pods.send,
    clock,
  });
  return { clock, pods, ready, metrics, logs, prober, cluster };
}

async function metric(m: Metrics, name: string): Promise<number> {
  const line = (await m.metricsText()).split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

describe('Prober', () => {
  test('no ready gateway pods: Ready at once, nothing sent', async () => {
    const { prober, pods } = setup(higressCluster([]));
    const { ing, desired } = translated();
    expect(await prober.isReady(ing, desired)).toBe(true);
    expect(pods.sent).toEqual([]);
    expect(prober.waiting()).toBe(0);
  });

  test('Ready only when every pod echoes this hash; then re-enqueued once, and the same hash says true without probing again', async () => {
    const { prober, pods, clock, ready, metrics } = setup();
    const { ing, desired } = translated();
    expect(await prober.isReady(ing, desired)).toBe(false);
    expect(prober.waiting()).toBe(1);
    expect(await metric(metrics, 'net_higress_kingresses_probing')).toBe(1);
    pods.serve(['10.0.0.1', '10.0.0.2'], desired.hash);
    await clock.advance(2000);
    expect(ready).toEqual([]);
    expect(prober.pendingPods(KEY)).toEqual(['10.0.0.3']);
    expect(await prober.isReady(ing, desired)).toBe(false);

    pods.serve(['10.0.0.3'], desired.hash);
    await clock.advance(5000);
    expect(ready).toEqual([KEY]);
    const sent = pods.sent.length;
    expect(await prober.isReady(ing, desired)).toBe(true);
    await clock.advance(60_000);
    expect(pods.sent.length).toBe(sent);
    expect(ready).toEqual([KEY]);
    expect(prober.waiting()).toBe(0);
    expect(await metric(metrics, 'net_higress_probes_total{outcome="ready"}')).toBe(6); // 3 pods × (external + local)
    expect(await metric(metrics, 'net_higress_probes_total{outcome="not_ready"}')).toBeGreaterThan(0);
    expect(await metric(metrics, 'net_higress_probe_ready_latency_seconds_count')).toBe(1);
  });

  test('every probe carries the pod, its port and the host of its visibility', async () => {
    const { prober, pods, clock } = setup(higressCluster(['10.0.0.1']));
    const { ing, desired } = translated();
    await prober.isReady(ing, desired);
    await clock.advance(1);
    expect(
      pods.sent
        .map((s) => `${s.target.scheme}://${s.target.host}:${s.target.port} → ${s.target.podIP}:${s.target.podPort}`)
        .sort(),
    ).toEqual(['http://hello.ns.example.com:80 → 10.0.0.1:8080', 'http://hello.ns:8081 → 10.0.0.1:8081']);
  });

  test('a pod still serving the old hash keeps the KIngress waiting (stale)', async () => {
    const { prober, pods, clock, ready, metrics } = setup();
    const { ing, desired } = translated();
    pods.serve(['10.0.0.1', '10.0.0.2'], desired.hash);
    pods.serve(['10.0.0.3'], 'f'.repeat(64));
    await prober.isReady(ing, desired);
    await clock.advance(4_000);
    expect(ready).toEqual([]);
    expect(prober.explain(KEY)).toBeUndefined();
    // After 5 s of the old hash, re-enqueued once so that the status says why it waits.
    await clock.advance(6_000);
    expect(ready).toEqual([KEY]);
    expect(prober.explain(KEY)?.message).toMatch(
      /^gateway pod 10\.0\.0\.3:\d+ answered with the hash of another generation for hello\.ns\./,
    );
    expect(prober.pendingPods(KEY)).toEqual(['10.0.0.3']);
    expect(await metric(metrics, 'net_higress_probes_total{outcome="stale"}')).toBeGreaterThan(2);
    expect(await metric(metrics, 'net_higress_probe_failures_total{cause="stale"}')).toBeGreaterThan(2);
  });

  test('a new hash cancels the old probing: its in-flight probes are aborted and it never completes', async () => {
    const { prober, pods, clock, ready } = setup();
    const v1 = translated();
    const v2 = translated({}, 'hello-00002');
    expect(v2.desired.hash).not.toBe(v1.desired.hash);
    pods.hang = true;
    await prober.isReady(v1.ing, v1.desired);
    await clock.advance(1);
    const old = pods.sent.splice(0);
    expect(old.length).toBe(6);
    expect(old.some((s) => s.signal.aborted)).toBe(false);

    pods.hang = false;
    pods.serve(['10.0.0.1', '10.0.0.2', '10.0.0.3'], v2.desired.hash);
    expect(await prober.isReady(v2.ing, v2.desired)).toBe(false);
    expect(old.every((s) => s.signal.aborted)).toBe(true);
    await clock.advance(1000);
    expect(ready).toEqual([KEY]);
    expect(await prober.isReady(v2.ing, v2.desired)).toBe(true);
    // Back to v1: a fresh probing, not the cancelled one.
    expect(await prober.isReady(v1.ing, v1.desired)).toBe(false);
  });

  test('forget (KIngress deleted) cancels probing: aborted, never re-enqueued, nothing more sent', async () => {
    const { prober, pods, clock, ready } = setup();
    const { ing, desired } = translated();
    pods.hang = true;
    await prober.isReady(ing, desired);
    await clock.advance(1);
    const inFlight = pods.sent.splice(0);
    prober.forget(KEY);
    expect(inFlight.every((s) => s.signal.aborted)).toBe(true);
    pods.hang = false;
    pods.serve(['10.0.0.1', '10.0.0.2', '10.0.0.3'], desired.hash);
    await clock.advance(60_000);
    expect(pods.sent).toEqual([]);
    expect(ready).toEqual([]);
    expect(prober.pendingPods(KEY)).toBeUndefined();
    expect(prober.waiting()).toBe(0);
  });

  test('forget while targets are being listed: no probing starts', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const cluster = higressCluster(['10.0.0.1']);
    const service = cluster.service.bind(cluster);
    cluster.service = async (ref) => {
      await gate;
      return service(ref);
    };
    const { prober, pods, clock } = setup(cluster);
    const { ing, desired } = translated();
    const pending = prober.isReady(ing, desired);
    prober.forget(KEY);
    release();
    expect(await pending).toBe(false);
    await clock.advance(1000);
    expect(pods.sent).toEqual([]);
    expect(prober.pendingPods(KEY)).toBeUndefined();
  });

  test('a pod that leaves the EndpointSlices is not waited for; a pod of another Service leaving changes nothing', async () => {
    const { prober, pods, clock, ready, cluster, logs } = setup();
    const { ing, desired } = translated();
    pods.serve(['10.0.0.1', '10.0.0.2'], desired.hash);
    await prober.isReady(ing, desired);
    await clock.advance(1000);
    expect(prober.pendingPods(KEY)).toEqual(['10.0.0.3']);

    // Gone from the local gateway only: its external probe is still pending.
    cluster.setSlices('higress-system/knative-local-gateway', [
      slice('local-1', [{ name: 'http2', port: 8081 }], ['10.0.0.1', '10.0.0.2']),
    ]);
    expect(prober.pendingPods(KEY)).toEqual(['10.0.0.3']);
    cluster.setSlices('other/unrelated', []);
    expect(ready).toEqual([]);

    cluster.setSlices('higress-system/higress-gateway', [
      slice('ext-1', [{ name: 'http2', port: 8080 }], ['10.0.0.1', '10.0.0.2']),
    ]);
    expect(ready).toEqual([KEY]);
    expect(await prober.isReady(ing, desired)).toBe(true);
    expect(
      logs.lines.some((l) => l.msg.includes('left the endpoints') && JSON.stringify(l.fields).includes('10.0.0.3')),
    ).toBe(true);
  });

  test("a 401 (a plugin in the probe's way) is not ready: explained at once, announced once per cause, re-enqueued once", async () => {
    const { prober, pods, clock, ready, metrics } = setup(higressCluster(['10.0.0.1']));
    const { ing, desired } = translated();
    pods.serving.set('10.0.0.1', { kind: 'response', status: 401, hash: undefined });
    expect(await prober.isReady(ing, desired)).toBe(false);
    await clock.advance(10);
    expect(ready).toEqual([KEY]);
    const why = prober.explain(KEY);
    expect(why?.announce).toBe(true);
    expect(why?.message).toMatch(
      /^gateway pod 10\.0\.0\.1:(8080|8081) answered 401 for hello\.ns\.(example\.com|svc\.cluster\.local): a Higress plugin \(key-auth\?\) rejects Knative probes — target it by route \(matchRules\.ingress\), see README$/,
    );
    expect(prober.explain(KEY)).toEqual({ message: why?.message, announce: false });
    await clock.advance(60_000);
    // Still failing, same cause: no further re-enqueue, and the pod is still waited for.
    expect(ready).toEqual([KEY]);
    expect(prober.pendingPods(KEY)).toEqual(['10.0.0.1']);
    expect(await metric(metrics, 'net_higress_probes_total{outcome="rejected"}')).toBeGreaterThan(2);
    expect(await metric(metrics, 'net_higress_probe_failures_total{cause="unauthorized"}')).toBeGreaterThan(2);
    expect(await metric(metrics, 'net_higress_probes_total{outcome="abandoned"}')).toBe(0);

    // The plugin stops answering the probe: the pod serves, Ready, and the explanation is gone.
    pods.serve(['10.0.0.1'], desired.hash);
    await clock.advance(31_000);
    expect(ready).toEqual([KEY, KEY]);
    expect(await prober.isReady(ing, desired)).toBe(true);
    expect(prober.explain(KEY)).toBeUndefined();
  });

  test('a 404 is only explained once it lasted explainAfterMs; a new cause replaces it', async () => {
    const clock = new FakeClock();
    const pods = new FakePods();
    const ready: string[] = [];
    const prober = new Prober(higressCluster(['10.0.0.1']), {
      clusterDomain: 'cluster.local',
      onReady: (k) => ready.push(k),
      log: recordingLogger().logger,
      send: pods.send,
      clock,
      explainAfterMs: 1000,
    });
    const { ing, desired } = translated();
    await prober.isReady(ing, desired);
    await clock.advance(800);
    expect(prober.explain(KEY)).toBeUndefined();
    expect(ready).toEqual([]);
    await clock.advance(2000);
    expect(ready).toEqual([KEY]);
    expect(prober.explain(KEY)?.message).toContain('answered 404 for hello.ns.');
    expect(prober.explain(KEY)?.message).toContain('Higress has not loaded the route yet');

    pods.serving.set('10.0.0.1', {
      kind: 'error',
      timeout: false,
      message: 'connect ECONNREFUSED 10.0.0.1:8080',
      code: 'ECONNREFUSED',
    });
    await clock.advance(10_000);
    expect(ready).toEqual([KEY, KEY]);
    const why = prober.explain(KEY);
    expect(why?.announce).toBe(true);
    expect(why?.message).toMatch(/^gateway pod 10\.0\.0\.1:\d+ refused the connection for hello\.ns\./);
  });

  test('a target listing error fails isReady (the reconcile reports and retries it)', async () => {
    const cluster = higressCluster(['10.0.0.1']);
    cluster.gateways.clear();
    const { prober } = setup(cluster);
    const { ing, desired } = translated();
    await expect(prober.isReady(ing, desired)).rejects.toThrow('failed to get Gateway');
    expect(prober.pendingPods(KEY)).toBeUndefined();
  });

  test('stop() cancels everything and stops the cluster view', async () => {
    const { prober, pods, clock, cluster } = setup();
    const { ing, desired } = translated();
    await prober.isReady(ing, desired);
    await clock.advance(1);
    await prober.stop();
    const sent = pods.sent.length;
    await clock.advance(60_000);
    expect(pods.sent.length).toBe(sent);
    expect(cluster.stopped).toBe(true);
  });
});
