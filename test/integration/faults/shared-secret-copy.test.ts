// Same-named KIngresses in two namespaces using one Secret share one copy in the gateway namespace.
// Its ingressNamespace label must not flap between them, and deleting one must not take the copy away
// from the other.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestNamespace, eventually } from '../../harness/kube.js';
import { GATEWAY_NAMESPACE, isReady, TestEnv, type Wire } from '../operator/env.js';

const env = new TestEnv();
let certs: string;
let first: string;
let second: string;

beforeAll(async () => {
  await env.setup();
  certs = await createTestNamespace('shared-certs');
  [first, second] = [await createTestNamespace('team'), await createTestNamespace('team')] as [string, string];
  // A resync every second re-reconciles both KIngresses over and over: any label flapping shows at once.
  await env.startOperator({ tlsSecretNamespaces: [certs], resyncPeriodSeconds: 1 });
});
afterAll(() => env.teardown());

const INGRESS_NAMESPACE = 'networking.internal.knative.dev/ingressNamespace';

describe('one Secret copy shared by same-named KIngresses', () => {
  test('no flapping writes while both use it; deleting the holder hands the copy over', async () => {
    // Not a wildcard certificate: its copies are named after the KIngress (`web-<uid>`), so the two share one.
    const secret = await env.client.create<Wire>({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: 'shared', namespace: certs },
      data: {
        'tls.crt': readFileSync(new URL('../../fixtures/certs/host-1.crt', import.meta.url)).toString('base64'),
        'tls.key': 'a2V5',
      },
    });
    for (const ns of [first, second]) {
      await env.client.create(
        env.servingKIngress(ns, 'web', [{ revision: 'web-00001', percent: 100 }], {
          tls: [{ hosts: [`web.${ns}.example.com`], secretName: 'shared', secretNamespace: certs }],
        }),
      );
    }
    for (const ns of [first, second])
      await eventually(
        `${ns}/web Ready`,
        async () => (isReady(await env.kingress(ns, 'web')) ? true : undefined),
        30_000,
      );
    const copyName = `web-${secret.metadata.uid}`;
    const copy = await eventually('the shared copy', () => env.secret(GATEWAY_NAMESPACE, copyName));

    // Both keep reconciling (resync every second): wait for 20 more reconciles, then the copy must be unchanged.
    const before = env.operator!.stats().reconciles;
    await eventually(
      '20 more reconciles',
      async () => (env.operator!.stats().reconciles >= before + 20 ? true : undefined),
      30_000,
      200,
    );
    const after = await env.secret(GATEWAY_NAMESPACE, copyName);
    expect(after?.metadata.resourceVersion).toBe(copy.metadata.resourceVersion);
    const holder = copy.metadata.labels?.[INGRESS_NAMESPACE];
    expect([first, second]).toContain(holder);

    // The holder goes: the other still serves the copy, which is relabelled (not deleted and recreated).
    const other = holder === first ? second : first;
    await env.client.delete({
      apiVersion: 'networking.internal.knative.dev/v1alpha1',
      kind: 'Ingress',
      namespace: holder!,
      name: 'web',
    });
    await eventually(
      `${holder}/web gone`,
      async () => ((await env.kingress(holder!, 'web')) ? undefined : true),
      30_000,
    );
    const handed = await eventually('copy relabelled', async () => {
      const got = await env.secret(GATEWAY_NAMESPACE, copyName);
      return got?.metadata.labels?.[INGRESS_NAMESPACE] === other ? got : undefined;
    });
    expect(handed.metadata.uid).toBe(copy.metadata.uid);
    expect(isReady(await env.kingress(other, 'web'))).toBe(true);

    // The last user goes: now the copy is deleted.
    await env.client.delete({
      apiVersion: 'networking.internal.knative.dev/v1alpha1',
      kind: 'Ingress',
      namespace: other,
      name: 'web',
    });
    await eventually(
      'copy deleted',
      async () => ((await env.secret(GATEWAY_NAMESPACE, copyName)) ? undefined : true),
      30_000,
    );
  });
});
