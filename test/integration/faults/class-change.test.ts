// Fault: a KIngress handed over to another networking layer (its ingress.class annotation changed). What we
// made for it (VirtualService, per-KIngress TLS Gateway, Secret copy) goes, and so does our finalizer; a
// finalizer the new layer adds afterwards (Knative layers share its name) is left alone.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { MERGE_PATCH } from '../../../src/kube/writer.js';
import { createTestNamespace, eventually } from '../../harness/kube.js';
import { GATEWAY_NAMESPACE, isReady, TestEnv, type Wire } from '../operator/env.js';
import { createOtherClassIngress } from '../operator/other-class.js';
import { KINGRESS_API } from './support.js';

const env = new TestEnv();
let ns: string;
const FINALIZER = 'ingresses.networking.internal.knative.dev';

beforeAll(async () => {
  await env.setup();
  ns = await createTestNamespace('class-change');
  await env.startOperator();
});
afterAll(() => env.teardown());

const patch = (name: string, metadata: Record<string, unknown>) =>
  env.rest.request({
    method: 'PATCH',
    path: `${KINGRESS_API}/namespaces/${ns}/ingresses/${name}`,
    contentType: MERGE_PATCH,
    body: { metadata },
  });

describe('ingress class changed away', () => {
  test("our VirtualService, TLS Gateway and Secret copy are deleted and our finalizer removed; the new layer's finalizer stays", async () => {
    const crt = readFileSync(new URL('../../fixtures/certs/host-1.crt', import.meta.url)).toString('base64');
    const origin = await env.client.create<Wire>({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: 'moving-tls', namespace: ns },
      data: { 'tls.crt': crt, 'tls.key': Buffer.from('throwaway').toString('base64') },
    });
    await env.client.create(
      env.servingKIngress(ns, 'moving', [{ revision: 'moving-00001', percent: 100 }], {
        tls: [{ hosts: [`moving.${ns}.example.com`], secretName: 'moving-tls', secretNamespace: ns }],
      }),
    );
    await eventually('Ready', async () => (isReady(await env.kingress(ns, 'moving')) ? true : undefined), 30_000);
    const vs = await env.virtualService(ns, 'moving-ingress');
    const gateway = (vs?.spec?.gateways as string[]).find((g) => g.startsWith(`${ns}/moving-`))?.split('/')[1] ?? '';
    const copy = `moving-${origin.metadata.uid}`;
    expect(await env.gateway(ns, gateway)).toBeDefined();
    expect(await env.secret(GATEWAY_NAMESPACE, copy)).toBeDefined();

    await patch('moving', {
      annotations: { 'networking.knative.dev/ingress.class': 'kourier.ingress.networking.knative.dev' },
    });
    const after = await eventually(
      'our finalizer removed',
      async () => {
        const ing = await env.kingress(ns, 'moving');
        return ing && !(ing.metadata.finalizers ?? []).includes(FINALIZER) ? ing : undefined;
      },
      30_000,
    );
    expect(await env.virtualService(ns, 'moving-ingress')).toBeUndefined();
    expect(await env.gateway(ns, gateway)).toBeUndefined();
    expect(await env.secret(GATEWAY_NAMESPACE, copy)).toBeUndefined();

    // The new layer takes the (shared) finalizer name as its own; we reconcile and leave it there.
    const before = env.operator!.stats().reconciles;
    await patch('moving', { finalizers: [FINALIZER], resourceVersion: after.metadata.resourceVersion });
    await eventually(
      'the operator looked at it again',
      async () => {
        const s = env.operator!.stats();
        return s.reconciles > before && s.idle ? true : undefined;
      },
      30_000,
    );
    expect((await env.kingress(ns, 'moving'))?.metadata.finalizers).toEqual([FINALIZER]);
    await patch('moving', { finalizers: null });
  });

  test("a KIngress that was never ours (another class, the shared finalizer, that layer's VirtualService) is left alone", async () => {
    await createOtherClassIngress(env, ns);
    const before = env.operator!.stats().reconciles;
    await patch('other', { labels: { touched: 'yes' } });
    await eventually(
      'the operator looked at it',
      async () => {
        const s = env.operator!.stats();
        return s.reconciles > before && s.idle ? true : undefined;
      },
      30_000,
    );
    expect((await env.kingress(ns, 'other'))?.metadata.finalizers).toEqual([FINALIZER]);
    expect(await env.virtualService(ns, 'other-ingress')).toBeDefined();
    await patch('other', { finalizers: null });
  });
});
