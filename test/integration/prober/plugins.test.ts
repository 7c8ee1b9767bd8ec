// Higress plugins and Knative probes, end to end with stand-in gateway pods that run a key-auth plugin the
// way Higress does (rules by Envoy route name or by host): a plugin targeted by route leaves the probes alone;
// one targeted by domain answers them 401, and the KIngress says so (condition, one Event, warn log,
// metrics) until the rule is fixed. A pod that has not loaded the route (404) is explained the same way.
import http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { eventually } from '../../harness/kube.js';
import { isReady, type Wire } from '../operator/env.js';
import { ProberEnv } from './env.js';

const EXPLAIN_AFTER_MS = 300;
const env = new ProberEnv();

beforeAll(async () => {
  await env.setup(2);
  // Reported after 300 ms instead of 5 s, so the 404 case does not need a pod that lags for seconds.
  await env.stopOperator();
  await env.startOperator(undefined, EXPLAIN_AFTER_MS);
}, 120_000);
afterAll(() => env.teardown());
beforeEach(async () => {
  env.resetPods();
  await env.setEndpoints(env.network?.addresses ?? []);
});

const external = (name: string) => `${name}.${env.ns}.example.com`;
const report = (what: string, ms: number) => console.log(`[readiness explained] ${what}: ${ms} ms`);

interface CoreEvent {
  reason: string;
  message: string;
  type: string;
  count?: number;
  involvedObject: { name?: string };
}
async function events(name: string): Promise<CoreEvent[]> {
  const list = await env.rest.request<{ items: CoreEvent[] }>({
    method: 'GET',
    path: `/api/v1/namespaces/${env.ns}/events`,
  });
  return list.items.filter((e) => e.involvedObject.name === name && e.reason === 'GatewayProbeFailed');
}

async function metric(series: string): Promise<number> {
  const line = (await env.metrics.metricsText()).split('\n').find((l) => l.startsWith(`${series} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

/** A request to one pod's public listener as a client sends it (no probe headers). */
function get(ip: string, host: string, key?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: ip, port: 8080, path: '/', headers: { Host: host, ...(key ? { 'x-api-key': key } : {}) }, agent: false },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function loadBalancerMessage(name: string, pattern: RegExp): Promise<string> {
  return eventually(
    `LoadBalancerReady of ${name} matching ${pattern}`,
    async () => {
      const message = env.base.conditions(await env.status(name)).LoadBalancerReady?.[2];
      return message !== undefined && pattern.test(message) ? message : undefined;
    },
    20_000,
  );
}

describe('key-auth on a Knative service', () => {
  test('targeted by route (matchRules.ingress = <ns>/<name>): clients need a key, probes do not; Ready', async () => {
    const name = 'by-route';
    for (const p of env.pods) p.keyAuth = { routes: [`${env.ns}/${name}`], domains: [], allowed: ['consumer2-key'] };
    await env.base.client.create(env.kingress(name));
    await env.readyAt(name, 1);
    const pod = env.pods[0]!;
    expect(await get(pod.ip, external(name))).toBe(401);
    expect(await get(pod.ip, external(name), 'consumer1-key')).toBe(403);
    expect(await get(pod.ip, external(name), 'consumer2-key')).toBe(200);
    // Every probe reached Knative's probe handler: none was answered by the plugin.
    expect(env.probesFor(external(name)).every((r) => r.status === 200 || r.status === 404)).toBe(true);
    expect(await events(name)).toEqual([]);
  });

  test('targeted by domain: the probe gets 401; the KIngress says which pod, host and why, once; fixed → Ready', async () => {
    const name = 'by-domain';
    const failuresBefore = await metric('net_higress_probe_failures_total{cause="unauthorized"}');
    for (const p of env.pods) p.keyAuth = { routes: [], domains: [external(name)], allowed: ['consumer2-key'] };
    const created = Date.now();
    await env.base.client.create(env.kingress(name));

    const message = await loadBalancerMessage(name, /answered 401/);
    report('KIngress create → LoadBalancerReady names the 401', Date.now() - created);
    const ips = env.pods.map((p) => p.ip.replace(/\./g, '\\.')).join('|');
    expect(message).toMatch(
      new RegExp(
        `^gateway pod (${ips}):8080 answered 401 for ${external(name).replace(/\./g, '\\.')}: ` +
          'a Higress plugin \\(key-auth\\?\\) rejects Knative probes — target it by route \\(matchRules\\.ingress\\), see README$',
      ),
    );
    const ing = await env.status(name);
    expect(env.base.conditions(ing).LoadBalancerReady?.slice(0, 2)).toEqual(['Unknown', 'Uninitialized']);
    expect(env.base.conditions(ing).Ready).toEqual(['Unknown', 'Uninitialized', message]);

    // Probes go on (with backoff), but the cause is announced once: one Event, one warn line.
    await eventually('the Event', async () => ((await events(name)).length > 0 ? true : undefined));
    await eventually('more rejected probes after the Event', async () =>
      env.probesFor(external(name)).filter((r) => r.status === 401).length > 4 ? true : undefined,
    );
    const recorded = await events(name);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ type: 'Warning', reason: 'GatewayProbeFailed', message, count: 1 });
    const warns = env.base.logs.lines.filter((l) => l.level === 'warn' && l.msg === message);
    expect(warns).toHaveLength(1);
    expect(warns[0]?.fields).toMatchObject({ kingress: `${env.ns}/${name}`, reason: 'GatewayProbeFailed' });
    expect(await metric('net_higress_probe_failures_total{cause="unauthorized"}')).toBeGreaterThan(failuresBefore + 4);
    expect(await metric('net_higress_probes_total{outcome="rejected"}')).toBeGreaterThan(4);
    expect(await metric('net_higress_kingress_readiness{state="unknown"}')).toBeGreaterThanOrEqual(1);

    // The README's fix: the same rule by route. The pods serve the probe; Ready without another word.
    const readyBefore = await metric('net_higress_kingress_readiness{state="ready"}');
    for (const p of env.pods) p.keyAuth = { routes: [`${env.ns}/${name}`], domains: [], allowed: ['consumer2-key'] };
    const fixed = Date.now();
    const readyAt = await env.readyAt(name, 1);
    // Probes back off up to 30 s while they keep failing: the wait after the fix depends on how long they failed.
    report('rule moved from domain to route → Ready', readyAt - fixed);
    expect(env.base.conditions(await env.status(name))).toEqual({
      LoadBalancerReady: ['True', '', ''],
      NetworkConfigured: ['True', '', ''],
      Ready: ['True', '', ''],
    });
    expect(await events(name)).toHaveLength(1);
    expect(await metric('net_higress_kingress_readiness{state="ready"}')).toBe(readyBefore + 1);
    expect(await get(env.pods[0]!.ip, external(name))).toBe(401);
  });
});

describe('a pod that has not loaded the route', () => {
  test('404 for longer than a moment is explained; then the pod serves → Ready', async () => {
    const name = 'not-loaded';
    const [, slow] = env.pods as [(typeof env.pods)[0], (typeof env.pods)[0]];
    slow.delayMs = 3000;
    const created = Date.now();
    await env.base.client.create(env.kingress(name));
    const hash = await env.hashOf(name);

    const message = await loadBalancerMessage(name, /answered 404/);
    report(`create → LoadBalancerReady names the 404 (explained after ${EXPLAIN_AFTER_MS} ms)`, Date.now() - created);
    expect(message).toMatch(
      new RegExp(
        `^gateway pod ${slow.ip.replace(/\./g, '\\.')}:(8080|8081) answered 404 for ${name}\\.${env.ns}(\\.example\\.com)?: ` +
          'Higress has not loaded the route yet \\(or no Gateway of this KIngress selects this pod\\) — if it lasts, check the higress-controller logs and run net-higress doctor$',
      ),
    );
    expect(isReady(await env.status(name))).toBe(false);
    expect(slow.servingSince.has(hash)).toBe(false);
    const recorded = await eventually('the Event', async () => {
      const e = await events(name);
      return e.length > 0 ? e : undefined;
    });
    expect(recorded.map((e) => e.message)).toEqual([message]);
    expect(await metric('net_higress_probe_failures_total{cause="not_found"}')).toBeGreaterThan(2);
    expect(await metric('net_higress_probes_total{outcome="not_ready"}')).toBeGreaterThan(2);

    await env.readyAt(name, 1);
    expect(slow.servingSince.has(hash)).toBe(true);
    const ing: Wire | undefined = await env.status(name);
    expect(env.base.conditions(ing).LoadBalancerReady).toEqual(['True', '', '']);
    expect(await events(name)).toHaveLength(1);
  });
});
