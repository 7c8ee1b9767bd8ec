// The operator against a real kube-apiserver with the upstream KIngress and Istio CRDs.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { kingressSchema } from '../../../src/api/kingress.js';
import { defaultIstioConfig } from '../../../src/config/istio.js';
import { defaultIngress } from '../../../src/translate/defaults.js';
import { translate } from '../../../src/translate/translate.js';
import { createTestNamespace, eventually } from '../../harness/kube.js';
import { GATEWAY_NAMESPACE, isReady, TestEnv, type Wire } from './env.js';

const env = new TestEnv();
let ns: string;

beforeAll(async () => {
  await env.setup();
  ns = await createTestNamespace('operator');
  await env.startOperator();
});
afterAll(() => env.teardown());

const ready = (name: string, generation?: number) =>
  eventually(
    `KIngress ${ns}/${name} Ready`,
    async () => {
      const ing = await env.kingress(ns, name);
      return isReady(ing) && (generation === undefined || ing?.metadata.generation === generation) ? ing : undefined;
    },
    30_000,
  );

/** What translate() says the VirtualService must be, for the KIngress as stored (uid included). */
function expectedVirtualService(ing: Wire) {
  const parsed = kingressSchema.parse(ing);
  const result = translate(
    defaultIngress(parsed),
    {
      istio: defaultIstioConfig({ systemNamespace: env.systemNamespace, clusterDomain: 'cluster.local' }),
      gatewayService: () => ({ selector: { app: 'higress-gateway', higress: 'higress-system-higress-gateway' } }),
      secret: () => undefined,
    },
    {
      clusterDomain: 'cluster.local',
      systemNamespace: env.systemNamespace,
      meshVirtualService: false,
      clusterLocalDomainTLS: false,
    },
  );
  if (!result.ok) throw new Error(result.error);
  return result.value.virtualServices[0];
}

describe('KIngress lifecycle as Knative Serving drives it', () => {
  test('create → VirtualService and Ready status; update splits → VS and observedGeneration follow; delete → nothing left', async () => {
    await env.client.create(env.servingKIngress(ns, 'hello', [{ revision: 'hello-00001', percent: 100 }]));
    const ing = await ready('hello');

    expect(ing.metadata.finalizers).toContain('ingresses.networking.internal.knative.dev');
    expect(ing.status?.observedGeneration).toBe(1);
    expect(env.conditions(ing)).toEqual({
      LoadBalancerReady: ['True', '', ''],
      NetworkConfigured: ['True', '', ''],
      Ready: ['True', '', ''],
    });
    expect(ing.status?.publicLoadBalancer).toEqual({
      ingress: [{ domainInternal: 'higress-gateway.higress-system.svc.cluster.local' }],
    });
    expect(ing.status?.privateLoadBalancer).toEqual({
      ingress: [{ domainInternal: 'knative-local-gateway.higress-system.svc.cluster.local' }],
    });

    const vs = await env.virtualService(ns, 'hello-ingress');
    const want = expectedVirtualService(ing);
    // Accepted by the real Istio CRD schema and stored exactly as written: nothing pruned or defaulted.
    expect(vs?.spec).toEqual(want?.spec);
    expect(vs?.metadata.labels).toEqual(want?.metadata.labels);
    expect(vs?.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'networking.internal.knative.dev/v1alpha1',
        kind: 'Ingress',
        name: 'hello',
        uid: ing.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(await env.virtualService(ns, 'hello-mesh')).toBeUndefined();

    // Traffic split: 80/20 between two revisions.
    const updated = {
      ...ing,
      spec: env.servingKIngress(ns, 'hello', [
        { revision: 'hello-00001', percent: 80 },
        { revision: 'hello-00002', percent: 20 },
      ]).spec,
    };
    await env.client.update(updated);
    const ing2 = await ready('hello', 2);
    expect(ing2.status?.observedGeneration).toBe(2);
    const vs2 = await eventually('VS with two destinations', async () => {
      const v = await env.virtualService(ns, 'hello-ingress');
      return JSON.stringify(v?.spec).includes('hello-00002') ? v : undefined;
    });
    expect(vs2.spec).toEqual(expectedVirtualService(ing2)?.spec);
    const weights = (vs2.spec?.http as Array<{ route: Array<{ weight?: number }> }>).map((r) =>
      r.route.map((d) => d.weight),
    );
    expect(weights).toEqual([
      [80, 20],
      [80, 20],
      [80, 20],
      [80, 20],
    ]);

    await env.client.delete({
      apiVersion: 'networking.internal.knative.dev/v1alpha1',
      kind: 'Ingress',
      namespace: ns,
      name: 'hello',
    });
    await eventually(
      'KIngress gone (finalizer removed)',
      async () => ((await env.kingress(ns, 'hello')) ? undefined : true),
      30_000,
    );
    expect(await env.virtualService(ns, 'hello-ingress')).toBeUndefined();
  });

  test('an invalid KIngress gets Ready=False/InvalidSpec naming the field, and others keep working', async () => {
    const bad = env.servingKIngress(ns, 'bad-split', [
      { revision: 'a', percent: 70 },
      { revision: 'b', percent: 20 },
    ]);
    await env.client.create(bad);
    await env.client.create(env.servingKIngress(ns, 'good', [{ revision: 'good-00001', percent: 100 }]));
    const ing = await eventually(
      'InvalidSpec status',
      async () => {
        const i = await env.kingress(ns, 'bad-split');
        return env.conditions(i).Ready?.[1] === 'InvalidSpec' ? i : undefined;
      },
      30_000,
    );
    expect(env.conditions(ing)).toMatchObject({
      Ready: ['False', 'InvalidSpec', 'spec.rules[0].http.paths[0].splits: percents sum to 90, want 100'],
      NetworkConfigured: ['False', 'InvalidSpec', 'spec.rules[0].http.paths[0].splits: percents sum to 90, want 100'],
    });
    expect(ing.status?.observedGeneration).toBe(1);
    expect(await env.virtualService(ns, 'bad-split-ingress')).toBeUndefined();
    await ready('good');
  });

  test('a KIngress of another class is left byte-identical', async () => {
    const other = env.servingKIngress(ns, 'kourier-owned', [{ revision: 'k-00001', percent: 100 }]);
    other.metadata.annotations = { 'networking.knative.dev/ingress.class': 'kourier.ingress.networking.knative.dev' };
    const created = await env.client.create(other);
    // A KIngress of ours created afterwards and Ready shows the operator has seen both.
    await env.client.create(env.servingKIngress(ns, 'after-other', [{ revision: 'a-00001', percent: 100 }]));
    await ready('after-other');
    const again = await env.kingress(ns, 'kourier-owned');
    expect(again?.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(again?.metadata.finalizers).toBeUndefined();
    expect(again?.status).toBeUndefined();
    expect(await env.virtualService(ns, 'kourier-owned-ingress')).toBeUndefined();
  });

  test('a VirtualService of the same name that we do not own → NotOwned, not overwritten', async () => {
    const foreign: Wire = {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: { name: 'taken-ingress', namespace: ns, labels: { team: 'someone-else' } },
      spec: { hosts: ['mine.example.com'], http: [{ route: [{ destination: { host: 'mine.svc' } }] }] },
    };
    const before = await env.client.create(foreign);
    await env.client.create(env.servingKIngress(ns, 'taken', [{ revision: 't-00001', percent: 100 }]));
    const ing = await eventually(
      'NotOwned status',
      async () => {
        const i = await env.kingress(ns, 'taken');
        return env.conditions(i).NetworkConfigured?.[1] === 'NotOwned' ? i : undefined;
      },
      30_000,
    );
    expect(env.conditions(ing)).toEqual({
      NetworkConfigured: [
        'False',
        'NotOwned',
        'There is an existing VirtualService "taken-ingress" that we do not own.',
      ],
      LoadBalancerReady: [
        'False',
        'ReconcileVirtualServiceFailed',
        'notowned: owner: taken with Type *v1alpha1.Ingress does not own VirtualService: "taken-ingress"',
      ],
      Ready: ['False', 'ReconcileIngressFailed', 'Ingress reconciliation failed'],
    });
    const after = await env.virtualService(ns, 'taken-ingress');
    expect(after?.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after?.spec).toEqual(foreign.spec);
  });
});

describe('TLS', () => {
  const cert = (file: string) =>
    import('node:fs').then((fs) =>
      fs.readFileSync(new URL(`../../fixtures/certs/${file}.crt`, import.meta.url)).toString('base64'),
    );
  const tlsSecret = async (name: string, file: string): Promise<Wire> => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name, namespace: ns, labels: { 'networking.internal.knative.dev/certificate-uid': `${name}-cert` } },
    data: { 'tls.crt': await cert(file), 'tls.key': Buffer.from('throwaway').toString('base64') },
  });

  test('secret in the KIngress namespace → copy in higress-system and a Gateway with its credentialName', async () => {
    const secret = await env.client.create(await tlsSecret('hello-tls', 'host-1'));
    await env.client.create(
      env.servingKIngress(ns, 'secure', [{ revision: 's-00001', percent: 100 }], {
        tls: [{ hosts: [`secure.${ns}.example.com`], secretName: 'hello-tls', secretNamespace: ns }],
      }),
    );
    const ing = await ready('secure');
    const copyName = `secure-${secret.metadata.uid}`;
    const copy = await env.secret(GATEWAY_NAMESPACE, copyName);
    expect(copy?.data).toEqual(secret.data);
    expect(copy?.metadata.labels).toEqual({
      'networking.internal.knative.dev/certificate-uid': 'hello-tls-cert',
      'networking.internal.knative.dev/ingress': 'secure',
      'networking.internal.knative.dev/ingressNamespace': ns,
      'networking.internal.knative.dev/originSecretName': 'hello-tls',
      'networking.internal.knative.dev/originSecretNamespace': ns,
    });
    const gwName = (await env.virtualService(ns, 'secure-ingress'))?.spec?.gateways as string[];
    const perIngress = gwName.find((g) => g.startsWith(`${ns}/secure-`));
    expect(perIngress).toBeDefined();
    const gw = await env.gateway(ns, perIngress!.split('/')[1]!);
    expect(gw?.spec).toEqual({
      selector: { app: 'higress-gateway', higress: 'higress-system-higress-gateway' },
      servers: [
        {
          hosts: [`secure.${ns}.example.com`],
          port: { name: `${ns}/secure:0`, number: 443, protocol: 'HTTPS' },
          tls: { mode: 'SIMPLE', credentialName: copyName },
        },
        { hosts: [`secure.${ns}.example.com`], port: { name: 'http-server', number: 80, protocol: 'HTTP' } },
      ],
    });
    expect(gw?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Ingress',
      name: 'secure',
      uid: ing.metadata.uid,
      controller: true,
    });

    // Deleting the KIngress removes the copy (nobody else uses it) and the Gateway.
    await env.client.delete({
      apiVersion: 'networking.internal.knative.dev/v1alpha1',
      kind: 'Ingress',
      namespace: ns,
      name: 'secure',
    });
    await eventually('KIngress gone', async () => ((await env.kingress(ns, 'secure')) ? undefined : true), 30_000);
    expect(await env.secret(GATEWAY_NAMESPACE, copyName)).toBeUndefined();
    expect(await env.gateway(ns, perIngress!.split('/')[1]!)).toBeUndefined();
  });

  test('wildcard certificate → shared wildcard Gateway; httpOption Redirected → redirecting http-server', async () => {
    const secret = await env.client.create(await tlsSecret('wildcard-tls', 'wildcard'));
    for (const name of ['wild-a', 'wild-b']) {
      await env.client.create(
        env.servingKIngress(ns, name, [{ revision: `${name}-00001`, percent: 100 }], {
          httpOption: 'Redirected',
          tls: [{ hosts: [`${name}.${ns}.example.com`], secretName: 'wildcard-tls', secretNamespace: ns }],
        }),
      );
    }
    await ready('wild-a');
    await ready('wild-b');
    const vsA = await env.virtualService(ns, 'wild-a-ingress');
    const wildcard = (vsA?.spec?.gateways as string[]).find((g) => g.includes('/wildcard-'));
    expect(wildcard).toBeDefined();
    expect((await env.virtualService(ns, 'wild-b-ingress'))?.spec?.gateways).toContain(wildcard);
    const gw = await env.gateway(ns, wildcard!.split('/')[1]!);
    expect(gw?.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'v1',
        kind: 'Secret',
        name: 'wildcard-tls',
        uid: secret.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(gw?.spec?.servers).toEqual([
      {
        hosts: ['*.example.com', 'example.com'],
        port: { name: 'https', number: 443, protocol: 'HTTPS' },
        tls: { mode: 'SIMPLE', credentialName: `${ns}--wildcard-tls-wildcard` },
      },
    ]);
    expect(await env.secret(GATEWAY_NAMESPACE, `${ns}--wildcard-tls-wildcard`)).toBeDefined();

    const perIngress = (vsA?.spec?.gateways as string[]).find((g) => g.startsWith(`${ns}/wild-a-`));
    const httpGw = await env.gateway(ns, perIngress!.split('/')[1]!);
    expect(httpGw?.spec?.servers).toEqual([
      {
        hosts: [`wild-a.${ns}.example.com`],
        port: { name: 'http-server', number: 80, protocol: 'HTTP' },
        tls: { httpsRedirect: true },
      },
    ]);

    // The wildcard copy is shared: deleting one user keeps it, deleting the last removes it.
    await env.client.delete({
      apiVersion: 'networking.internal.knative.dev/v1alpha1',
      kind: 'Ingress',
      namespace: ns,
      name: 'wild-a',
    });
    await eventually('wild-a gone', async () => ((await env.kingress(ns, 'wild-a')) ? undefined : true), 30_000);
    expect(await env.secret(GATEWAY_NAMESPACE, `${ns}--wildcard-tls-wildcard`)).toBeDefined();
    await env.client.delete({
      apiVersion: 'networking.internal.knative.dev/v1alpha1',
      kind: 'Ingress',
      namespace: ns,
      name: 'wild-b',
    });
    await eventually('wild-b gone', async () => ((await env.kingress(ns, 'wild-b')) ? undefined : true), 30_000);
    expect(await env.secret(GATEWAY_NAMESPACE, `${ns}--wildcard-tls-wildcard`)).toBeUndefined();
  });

  test('a missing TLS secret is a reconcile error that names it, and heals when the secret appears', async () => {
    await env.client.create(
      env.servingKIngress(ns, 'late-tls', [{ revision: 'l-00001', percent: 100 }], {
        tls: [{ hosts: [`late-tls.${ns}.example.com`], secretName: 'late-secret', secretNamespace: ns }],
      }),
    );
    const failing = await eventually(
      'ReconcileIngressFailed',
      async () => {
        const i = await env.kingress(ns, 'late-tls');
        return env.conditions(i).Ready?.[1] === 'ReconcileIngressFailed' ? i : undefined;
      },
      30_000,
    );
    expect(env.conditions(failing).Ready).toEqual([
      'Unknown',
      'ReconcileIngressFailed',
      'Ingress reconciliation failed',
    ]);
    await env.client.create(await tlsSecret('late-secret', 'host-1'));
    await ready('late-tls');
  });

  test('origin secret changes → copy follows; TLS removed → the stale per-KIngress Gateway and secret copy are deleted', async () => {
    const secret = await env.client.create(await tlsSecret('rotating-tls', 'host-1'));
    const ingress = env.servingKIngress(ns, 'rotating', [{ revision: 'r-00001', percent: 100 }], {
      tls: [{ hosts: [`rotating.${ns}.example.com`], secretName: 'rotating-tls', secretNamespace: ns }],
    });
    await env.client.create(ingress);
    await ready('rotating');
    const copyName = `rotating-${secret.metadata.uid}`;

    // Certificate rotation: the origin's data changes, the copy follows (the Secret informer re-enqueues).
    const rotated = { ...secret, data: { ...secret.data, 'tls.key': Buffer.from('rotated').toString('base64') } };
    await env.client.update(rotated);
    await eventually('copy updated', async () =>
      (await env.secret(GATEWAY_NAMESPACE, copyName))?.data?.['tls.key'] === rotated.data['tls.key'] ? true : undefined,
    );

    const gateways = async () =>
      (
        await env.rest.request<{ items: Wire[] }>({
          method: 'GET',
          path: `/apis/networking.istio.io/v1beta1/namespaces/${ns}/gateways`,
          query: { labelSelector: 'networking.internal.knative.dev/ingress=rotating' },
        })
      ).items;
    expect((await gateways()).length).toBe(1);

    const current = await env.kingress(ns, 'rotating');
    await env.client.update({ ...current!, spec: { ...current!.spec, tls: undefined } });
    await ready('rotating', 2);
    await eventually('stale per-KIngress Gateway deleted', async () =>
      (await gateways()).length === 0 ? true : undefined,
    );
    await eventually('stale secret copy deleted', async () =>
      (await env.secret(GATEWAY_NAMESPACE, copyName)) ? undefined : true,
    );
    const vs = await env.virtualService(ns, 'rotating-ingress');
    expect(vs?.spec?.gateways).toEqual([
      `${env.systemNamespace}/knative-ingress-gateway`,
      `${env.systemNamespace}/knative-local-gateway`,
    ]);
  });
});

describe('events', () => {
  // Adding our finalizer is no news to anyone (it shows in metadata): one Event per new KIngress, not two.
  test('VirtualService creation is recorded on the KIngress, adding the finalizer is not', async () => {
    await env.client.create(env.servingKIngress(ns, 'evented', [{ revision: 'e-00001', percent: 100 }]));
    await ready('evented');
    const events = await eventually('events recorded', async () => {
      const list = await env.rest.request<{
        items: Array<{ reason: string; message: string; type: string; involvedObject: { name: string; kind: string } }>;
      }>({
        method: 'GET',
        path: `/api/v1/namespaces/${ns}/events`,
        query: { fieldSelector: 'involvedObject.name=evented' },
      });
      return list.items.length >= 1 ? list.items : undefined;
    });
    expect(events.map((e) => [e.type, e.reason, e.message, e.involvedObject.kind]).sort()).toEqual([
      ['Normal', 'Created', 'Created VirtualService "evented-ingress"', 'Ingress'],
    ]);
  });
});
