// Higress route annotations through the running operator: applied, rejected as a whole, and the ones it cannot
// honour reported once per change on a real kube-apiserver (Events) with the upstream KIngress and Istio CRDs.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestNamespace, eventually } from '../../harness/kube.js';
import { isReady, TestEnv, type Wire } from './env.js';

const env = new TestEnv();
let ns: string;

beforeAll(async () => {
  await env.setup();
  ns = await createTestNamespace('annotations');
  await env.startOperator();
});
afterAll(() => env.teardown());

type Route = {
  match: Array<{ headers?: Record<string, unknown> }>;
  timeout?: string;
  retries?: unknown;
  corsPolicy?: unknown;
};
const servingRoutes = (vs: Wire | undefined) =>
  ((vs?.spec?.http ?? []) as Route[]).filter((r) => !r.match.some((m) => m.headers?.['K-Network-Hash']));
const probeRoutes = (vs: Wire | undefined) =>
  ((vs?.spec?.http ?? []) as Route[]).filter((r) => r.match.some((m) => m.headers?.['K-Network-Hash']));

async function annotate(name: string, annotations: Record<string, string | null>): Promise<void> {
  await env.rest.request({
    method: 'PATCH',
    path: `/apis/networking.internal.knative.dev/v1alpha1/namespaces/${ns}/ingresses/${name}`,
    body: { metadata: { annotations } },
    contentType: 'application/merge-patch+json',
  });
}

/** How many times the operator recorded `reason` on the KIngress (folded repeats carry a count). */
async function eventCount(name: string, reason: string): Promise<{ count: number; messages: string[] }> {
  const list = await env.rest.request<{ items: Array<{ reason: string; message: string; count?: number }> }>({
    method: 'GET',
    path: `/api/v1/namespaces/${ns}/events`,
    query: { fieldSelector: `involvedObject.name=${name}` },
  });
  const items = list.items.filter((e) => e.reason === reason);
  return { count: items.reduce((n, e) => n + (e.count ?? 1), 0), messages: items.map((e) => e.message) };
}

describe('Higress route annotations on a KIngress', () => {
  test('applied to the serving routes; an annotation-only change is followed; probe routes keep no retries or timeout', async () => {
    const ing = env.servingKIngress(ns, 'annotated', [{ revision: 'annotated-00001', percent: 100 }]);
    Object.assign(ing.metadata.annotations ?? {}, {
      'higress.io/timeout': '5',
      'nginx.ingress.kubernetes.io/proxy-next-upstream-tries': '2',
      'higress.io/enable-cors': 'true',
    });
    await env.client.create(ing);
    const vs = await eventually(
      'VirtualService with the policy',
      async () => {
        const v = await env.virtualService(ns, 'annotated-ingress');
        return servingRoutes(v)[0]?.timeout === '5s' ? v : undefined;
      },
      30_000,
    );
    for (const r of servingRoutes(vs))
      expect(r).toMatchObject({
        timeout: '5s',
        retries: { attempts: 2, retryOn: '5xx' },
        corsPolicy: { allowOrigins: [{ regex: '.*' }] },
      });
    for (const r of probeRoutes(vs)) expect([r.timeout, r.retries, r.corsPolicy]).toEqual([undefined, {}, undefined]);
    expect(servingRoutes(vs)).toHaveLength(2);
    await eventually('Ready', async () => (isReady(await env.kingress(ns, 'annotated')) ? true : undefined), 30_000);

    // Annotations do not bump the generation; the reconcile still follows them.
    await annotate('annotated', { 'higress.io/timeout': '10', 'higress.io/enable-cors': null });
    const updated = await eventually(
      'timeout 10s, CORS gone',
      async () => {
        const v = await env.virtualService(ns, 'annotated-ingress');
        const r = servingRoutes(v)[0];
        return r?.timeout === '10s' && r.corsPolicy === undefined ? v : undefined;
      },
      30_000,
    );
    expect(servingRoutes(updated).map((r) => r.timeout)).toEqual(['10s', '10s']);
  });

  test('a bad value → Ready=False/InvalidSpec naming the annotation and the value; nothing written; fixed → applied', async () => {
    const ing = env.servingKIngress(ns, 'bad-annotation', [{ revision: 'bad-00001', percent: 100 }]);
    Object.assign(ing.metadata.annotations ?? {}, {
      'higress.io/timeout': 'soon',
      'nginx.ingress.kubernetes.io/proxy-next-upstream-tries': '3',
    });
    await env.client.create(ing);
    const invalid = await eventually(
      'InvalidSpec',
      async () => {
        const i = await env.kingress(ns, 'bad-annotation');
        return env.conditions(i).Ready?.[1] === 'InvalidSpec' ? i : undefined;
      },
      30_000,
    );
    const message = 'metadata.annotations["higress.io/timeout"]: invalid value "soon": want whole seconds, e.g. "5"';
    expect(env.conditions(invalid)).toMatchObject({
      Ready: ['False', 'InvalidSpec', message],
      NetworkConfigured: ['False', 'InvalidSpec', message],
    });
    expect(await env.virtualService(ns, 'bad-annotation-ingress')).toBeUndefined();
    const recorded = await eventually('InvalidSpec event', async () => {
      const e = await eventCount('bad-annotation', 'InvalidSpec');
      return e.count > 0 ? e : undefined;
    });
    // Two reconciles racing the status write may each record it (the reconciler's business, not this test's): same message.
    expect([...new Set(recorded.messages)]).toEqual([message]);

    await annotate('bad-annotation', { 'higress.io/timeout': '7' });
    await eventually(
      'Ready after the fix',
      async () => (isReady(await env.kingress(ns, 'bad-annotation')) ? true : undefined),
      30_000,
    );
    const vs = await env.virtualService(ns, 'bad-annotation-ingress');
    expect(servingRoutes(vs).map((r) => [r.timeout, r.retries])).toEqual([
      ['7s', { attempts: 3, retryOn: '5xx' }],
      ['7s', { attempts: 3, retryOn: '5xx' }],
    ]);
  });

  test('annotations net-higress cannot honour: one Warning per change, none per reconcile', async () => {
    const ing = env.servingKIngress(ns, 'unsupported', [{ revision: 'u-00001', percent: 100 }]);
    Object.assign(ing.metadata.annotations ?? {}, {
      'higress.io/load-balance': 'round_robin',
      'higress.io/timeout': '3',
    });
    await env.client.create(ing);
    await eventually('Ready', async () => (isReady(await env.kingress(ns, 'unsupported')) ? true : undefined), 30_000);
    const first = await eventually('the Warning', async () => {
      const e = await eventCount('unsupported', 'UnsupportedAnnotation');
      return e.count > 0 ? e : undefined;
    });
    expect(first).toEqual({
      count: 1,
      messages: [
        'annotations not supported on Knative services, ignored: higress.io/load-balance (needs a DestinationRule)',
      ],
    });

    // Three more reconciles (label changes enqueue the KIngress) with the same unsupported annotation: no new Warning.
    const operator = env.operator;
    if (!operator) throw new Error('operator not running');
    for (const value of ['a', 'b', 'c']) {
      const before = operator.stats().reconciles;
      await env.rest.request({
        method: 'PATCH',
        path: `/apis/networking.internal.knative.dev/v1alpha1/namespaces/${ns}/ingresses/unsupported`,
        body: { metadata: { labels: { touch: value } } },
        contentType: 'application/merge-patch+json',
      });
      await eventually(`reconciled after label ${value}`, async () =>
        operator.stats().reconciles > before ? true : undefined,
      );
    }
    await eventually('operator idle', async () => (operator.stats().idle ? true : undefined));
    expect((await eventCount('unsupported', 'UnsupportedAnnotation')).count).toBe(1);

    // A change of the unsupported annotations is reported once more.
    await annotate('unsupported', { 'nginx.ingress.kubernetes.io/whitelist-source-range': '10.0.0.0/8' });
    const second = await eventually('the second Warning', async () => {
      const e = await eventCount('unsupported', 'UnsupportedAnnotation');
      return e.count > 1 ? e : undefined;
    });
    expect(second.messages).toContain(
      'annotations not supported on Knative services, ignored: higress.io/load-balance (needs a DestinationRule), ' +
        'nginx.ingress.kubernetes.io/whitelist-source-range (needs an Envoy filter)',
    );
    await eventually('operator idle', async () => (operator.stats().idle ? true : undefined));
    expect((await eventCount('unsupported', 'UnsupportedAnnotation')).count).toBe(2);
  });
});
