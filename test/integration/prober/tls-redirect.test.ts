// Which Gateway servers are probed: HTTPS servers of a per-KIngress TLS Gateway over TLS (SNI = the
// KIngress host), and not the HTTP server that only redirects to HTTPS. Two stand-in pods of their own
// subnet, so this file runs in parallel with probe.test.ts.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { GATEWAY } from '../../../src/kube/resources.js';
import type { KubeObject } from '../../../src/kube/types.js';
import { eventually } from '../../harness/kube.js';
import { isReady } from '../operator/env.js';
import { ProberEnv } from './env.js';

const env = new ProberEnv();

beforeAll(() => env.setup(2), 120_000);
afterAll(() => env.teardown());
beforeEach(() => env.resetPods());

const report = (what: string, ms: number) => console.log(`[prober latency] ${what}: ${ms} ms`);

async function metric(name: string): Promise<number> {
  const line = (await env.metrics.metricsText()).split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

describe('probed Gateway servers', () => {
  test('a per-KIngress TLS Gateway: its HTTPS server is probed over TLS, and gates readiness', async () => {
    const host = `secure.${env.ns}.example.com`;
    // A non-wildcard certificate, so the KIngress gets a per-KIngress Gateway (the key is never used).
    const crt = Buffer.from(readFileSync(new URL('../../fixtures/certs/host-1.crt', import.meta.url))).toString(
      'base64',
    );
    await env.base.client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: 'secure-tls', namespace: env.ns },
      data: { 'tls.crt': crt, 'tls.key': Buffer.from('throwaway').toString('base64') },
    });
    const [up, noCert] = env.pods as [(typeof env.pods)[0], (typeof env.pods)[0]];
    noCert.httpsUnavailable = true;
    await env.base.client.create(
      env.kingress('secure', { tls: [{ hosts: [host], secretName: 'secure-tls', secretNamespace: env.ns }] }),
    );
    const hash = await env.hashOf('secure');

    const gateways = await env.base.reader.list<
      KubeObject & { spec?: { servers?: Array<{ port: { number: number; protocol: string } }> } }
    >(GATEWAY, { namespace: env.ns, labelSelector: 'networking.internal.knative.dev/ingress=secure' });
    expect(
      gateways
        .flatMap((g) => g.spec?.servers ?? [])
        .map((s) => `${s.port.protocol}/${s.port.number}`)
        .sort(),
    ).toEqual(['HTTP/80', 'HTTPS/443']);

    // Plain HTTP already works on both pods, but one pod cannot terminate TLS yet: not Ready.
    await eventually('the pod without its certificate refused HTTPS probes', async () =>
      noCert.probes('https').filter((r) => r.status === 503).length >= 3 ? true : undefined,
    );
    await eventually('HTTP probes succeed on both pods', async () =>
      env.pods.every((p) => p.probes('http').some((r) => r.hash === hash)) ? true : undefined,
    );
    expect(isReady(await env.status('secure'))).toBe(false);
    expect(env.prober?.pendingPods(`${env.ns}/secure`)).toEqual([noCert.ip]);

    noCert.httpsUnavailable = false;
    const fixed = Date.now();
    const readyAt = await env.readyAt('secure', 1);
    report('HTTPS becoming available on the last pod → Ready', readyAt - fixed);

    for (const p of [up, noCert]) {
      const tls = p.probes('https');
      expect(tls.some((r) => r.status === 200 && r.hash === hash)).toBe(true);
      // Over TLS with the KIngress host as SNI, and the gateway port in Host.
      expect(new Set(tls.map((r) => `${r.sni} ${r.host}`))).toEqual(new Set([`${host} ${host}:443`]));
    }
  });

  test('httpOption Redirected: the redirecting HTTP server is not probed; cluster-local still is', async () => {
    const host = `redirect.${env.ns}.example.com`;
    await env.base.client.create(env.kingress('redirect', { httpOption: 'Redirected' }));
    const hash = await env.hashOf('redirect');
    await env.readyAt('redirect', 1);
    // Ready needs every probe to have succeeded, so a probe of the redirecting server would be recorded by now.
    expect(env.probesFor(host)).toEqual([]);
    for (const p of env.pods)
      expect(p.probes('local').some((r) => r.host === `redirect.${env.ns}:8081` && r.hash === hash)).toBe(true);

    // The pods do redirect that host: a probe there would have counted as "abandoned", not as serving.
    const pod = env.pods[0]!;
    const status = await new Promise<number>((resolve, reject) => {
      http
        .get({ host: pod.ip, port: 8080, path: '/', headers: { Host: host }, agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject);
    });
    expect(status).toBe(301);
  });
});

describe('metrics', () => {
  test('probes by outcome, write → Ready latency, KIngresses waiting', async () => {
    const [, stuck] = env.pods as [(typeof env.pods)[0], (typeof env.pods)[0]];
    stuck.freeze();
    const readyBefore = await metric('net_higress_probe_ready_latency_seconds_count');
    const probesBefore = await metric('net_higress_probes_total{outcome="ready"}');
    await env.base.client.create(env.kingress('metered'));
    await eventually('one KIngress waiting', async () =>
      (await metric('net_higress_kingresses_probing')) === 1 ? true : undefined,
    );
    expect(await metric('net_higress_probes_total{outcome="not_ready"}')).toBeGreaterThan(0);
    stuck.unfreeze();
    await env.readyAt('metered', 1);
    expect(await metric('net_higress_kingresses_probing')).toBe(0);
    expect(await metric('net_higress_probe_ready_latency_seconds_count')).toBe(readyBefore + 1);
    // Two pods × (external + cluster-local).
    expect(await metric('net_higress_probes_total{outcome="ready"}')).toBe(probesBefore + 4);
  });
});
