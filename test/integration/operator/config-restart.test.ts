// Config changes and restarts, on the real API server.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ConfigError } from '../../../src/controller/controller.js';
import { createTestNamespace, eventually } from '../../harness/kube.js';
import { isReady, TestEnv, type Wire } from './env.js';

const env = new TestEnv();
let ns: string;

beforeAll(async () => {
  await env.setup();
  ns = await createTestNamespace('operator-config');
});
afterAll(() => env.teardown());

const configIstio = (data: Record<string, string>): Wire => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'config-istio', namespace: env.systemNamespace },
  data,
});
const readyWith = (name: string, domain: string) =>
  eventually(
    `${name} Ready with public LB ${domain}`,
    async () => {
      const ing = await env.kingress(ns, name);
      const lb = (ing?.status?.publicLoadBalancer as { ingress?: Array<{ domainInternal?: string }> } | undefined)
        ?.ingress?.[0]?.domainInternal;
      return isReady(ing) && lb === domain ? ing : undefined;
    },
    30_000,
  );

describe('config-istio', () => {
  test('a change resyncs every KIngress; an invalid update keeps the last good config', async () => {
    await env.startOperator();
    await env.client.create(env.servingKIngress(ns, 'cfg', [{ revision: 'cfg-00001', percent: 100 }]));
    await readyWith('cfg', 'higress-gateway.higress-system.svc.cluster.local');

    const cm = await env.client.create(
      configIstio({
        'external-gateways':
          '- name: custom-gateway\n  namespace: knative-serving\n  service: custom.higress-system.svc.cluster.local\n',
      }),
    );
    await readyWith('cfg', 'custom.higress-system.svc.cluster.local');
    expect((await env.virtualService(ns, 'cfg-ingress'))?.spec?.gateways).toContain('knative-serving/custom-gateway');

    await env.client.update({ ...cm, data: { 'external-gateways': 'notYAML' } });
    const event = await eventually('InvalidConfiguration event on config-istio', async () => {
      const events = await env.reader.list<Wire & { reason?: string; message?: string }>(
        { group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true },
        { namespace: env.systemNamespace },
      );
      return events.find((e) => e.reason === 'InvalidConfiguration');
    });
    expect(event.message).toContain(
      'config-istio: failed to parse configmap: failed to parse "external-gateways" gateways',
    );
    // A KIngress created after the bad update still gets the last good gateways.
    await env.client.create(env.servingKIngress(ns, 'after-bad', [{ revision: 'a-00001', percent: 100 }]));
    await readyWith('after-bad', 'custom.higress-system.svc.cluster.local');
    await env.stopOperator();
  });

  test('an invalid config at start is fatal, with a message naming the ConfigMap', async () => {
    const bad = await createTestNamespace('bad-config');
    await env.client.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config-network', namespace: bad },
      data: { 'cluster-local-domain-tls': 'sometimes' },
    });
    const start = env.startOperator({ systemNamespace: bad });
    await expect(start).rejects.toThrow(ConfigError);
    await expect(start).rejects.toThrow(
      `invalid configuration in namespace ${bad}: config-network: cluster-local-domain-tls with value: "sometimes" in config-network ConfigMap is not supported`,
    );
  });
});

describe('restart', () => {
  test('200 unchanged KIngresses: a restarted operator reconciles them all and writes nothing', async () => {
    const restartNs = await createTestNamespace('operator-restart');
    env.systemNamespace = await createTestNamespace('knative-serving'); // no config from the tests above
    await env.startOperator();
    const names = Array.from({ length: 200 }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
    for (const name of names)
      await env.client.create(env.servingKIngress(restartNs, name, [{ revision: `${name}-00001`, percent: 100 }]));
    await eventually(
      'all 200 Ready',
      async () => {
        const list = await env.reader.list<Wire>(
          {
            group: 'networking.internal.knative.dev',
            version: 'v1alpha1',
            kind: 'Ingress',
            plural: 'ingresses',
            namespaced: true,
          },
          { namespace: restartNs },
        );
        return list.length === 200 && list.every(isReady) ? true : undefined;
      },
      90_000,
    );
    await env.stopOperator();

    const versions = async () => {
      const paths = ['/apis/networking.internal.knative.dev/v1alpha1', '/apis/networking.istio.io/v1beta1'];
      const out: Record<string, string> = {};
      for (const [group, plural] of [
        [paths[0], 'ingresses'],
        [paths[1], 'virtualservices'],
        [paths[1], 'gateways'],
      ] as const) {
        const list = await env.rest.request<{ items: Wire[] }>({
          method: 'GET',
          path: `${group}/namespaces/${restartNs}/${plural}`,
        });
        for (const o of list.items) out[`${plural}/${o.metadata.name}`] = o.metadata.resourceVersion ?? '';
      }
      return out;
    };
    const before = await versions();
    expect(Object.keys(before).length).toBe(400);

    const operator = await env.startOperator();
    const stats = await eventually(
      'restarted operator reconciled every KIngress',
      async () => {
        const s = operator.stats();
        return s.reconciles >= 200 && s.idle ? s : undefined;
      },
      60_000,
    );
    expect(stats.writes).toBe(0);
    expect(await versions()).toEqual(before);
    await env.stopOperator();
  });
});
