import { describe, expect, test } from '@jest/globals';
import { checkMigration, NET_ISTIO, type MigrationReads } from '../../../src/doctor/migration.js';
import type { DoctorSettings } from '../../../src/doctor/types.js';

const settings: DoctorSettings = {
  systemNamespace: 'knative-serving',
  ingressClass: 'istio.ingress.networking.knative.dev',
  higressNamespace: 'higress-system',
  clusterDomain: 'cluster.local',
  subject: { kind: 'self' },
  lease: { namespace: 'knative-serving', name: 'l' },
  crds: [],
};
const CLASS = { 'networking.knative.dev/ingress.class': 'istio.ingress.networking.knative.dev' };
const DEPLOY = '/apis/apps/v1/namespaces/knative-serving/deployments/';
const VWC = `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${NET_ISTIO.validatingWebhook}`;
const MWC = `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${NET_ISTIO.mutatingWebhook}`;
const hook = (namespace: string) => ({
  webhooks: [{ clientConfig: { service: { name: 'net-istio-webhook', namespace } } }],
});

function fake(
  objects: Record<string, Record<string, unknown>>,
  lists: Record<string, Array<Record<string, unknown>>> = {},
): MigrationReads {
  return { get: async (p) => objects[p], list: async (p) => lists[p] ?? [] };
}

const vs = (name: string, uid: string, routeName?: string) => ({
  metadata: { namespace: 'app', name, ownerReferences: [{ uid, controller: true }] },
  spec: { http: [{ ...(routeName ? { name: routeName } : {}), route: [] }] },
});
const routes = (items: Array<Record<string, unknown>>) => ({
  '/apis/networking.internal.knative.dev/v1alpha1/ingresses': [
    { metadata: { uid: 'u1', annotations: CLASS } },
    { metadata: { uid: 'u2', annotations: CLASS } },
    {
      metadata: {
        uid: 'k1',
        annotations: { 'networking.knative.dev/ingress.class': 'kourier.ingress.networking.knative.dev' },
      },
    },
  ],
  '/apis/networking.istio.io/v1beta1/virtualservices': items,
});

describe('doctor: migration from net-istio', () => {
  test("nothing of net-istio (another Knative's webhook aside): no migration lines", async () => {
    const r = await checkMigration(
      fake({ [VWC]: hook('other-knative') }, routes([vs('a-ingress', 'u1', 'app/a')])),
      settings,
    );
    expect(r).toEqual([]);
  });

  test('net-istio running: two controllers for one class, scale it to 0', async () => {
    const r = await checkMigration(fake({ [`${DEPLOY}${NET_ISTIO.controller}`]: { spec: { replicas: 1 } } }), settings);
    const c = r.find((x) => x.id === 'migration/net-istio-controller');
    expect(c?.status).toBe('FAIL');
    expect(c?.detail).toContain('both reconcile istio.ingress.networking.knative.dev');
    expect(c?.fix).toContain('scale deployment net-istio-controller --replicas=0');
  });

  test('net-istio scaled to 0: left to delete, without deleting its whole release file', async () => {
    const r = await checkMigration(fake({ [`${DEPLOY}${NET_ISTIO.controller}`]: { spec: { replicas: 0 } } }), settings);
    const c = r.find((x) => x.id === 'migration/net-istio-controller');
    expect(c?.status).toBe('FAIL');
    expect(c?.fix).toContain('delete deployment net-istio-controller');
    expect(c?.fix).toContain('never kubectl delete -f net-istio.yaml');
  });

  test('webhook configurations left without their webhook: revision pods would be refused', async () => {
    const r = await checkMigration(fake({ [VWC]: hook('knative-serving'), [MWC]: hook('knative-serving') }), settings);
    const w = r.find((x) => x.id === 'migration/net-istio-webhook');
    expect(w?.status).toBe('FAIL');
    expect(w?.detail).toContain('revision pods and config-istio edits are refused');
    expect(w?.fix).toContain(`kubectl delete mutatingwebhookconfiguration ${NET_ISTIO.mutatingWebhook}`);
  });

  test("VirtualServices of the class with unnamed routes are still net-istio's; other classes' are not counted", async () => {
    const r = await checkMigration(
      fake(
        {},
        routes([
          vs('a-ingress', 'u1'),
          vs('b-ingress', 'u2', 'app/b'),
          vs('k-ingress', 'k1'),
          vs('orphan-ingress', 'gone'),
        ]),
      ),
      settings,
    );
    const v = r.find((x) => x.id === 'migration/virtualservices');
    expect(v).toMatchObject({
      status: 'FAIL',
      detail: '1 VirtualService(s) still as net-istio wrote them (app/a-ingress)',
    });
    expect(r.find((x) => x.id === 'migration/net-istio-controller')?.status).toBe('PASS');
  });

  test('done: only net-higress routes and no net-istio object', async () => {
    const r = await checkMigration(
      fake({}, routes([vs('a-ingress', 'u1', 'app/a'), vs('b-ingress', 'u2', 'app/b')])),
      settings,
    );
    expect(r).toEqual([]);
  });

  test('the bridge (shared Gateways without a selector) is flagged until the Gateways go to Higress', async () => {
    const cm = {
      data: {
        'external-gateways':
          '- name: pub\n  namespace: knative-serving\n  service: higress-gateway.higress-system.svc.cluster.local\n',
        'local-gateways':
          '- name: priv\n  namespace: knative-serving\n  service: knative-local-gateway.higress-system.svc.cluster.local\n',
      },
    };
    const gw = (selector?: Record<string, string>) => ({ spec: { ...(selector ? { selector } : {}), servers: [] } });
    const GW = '/apis/networking.istio.io/v1beta1/namespaces/knative-serving/gateways/';
    const CM = '/api/v1/namespaces/knative-serving/configmaps/config-istio';
    const bridged = await checkMigration(fake({ [CM]: cm, [`${GW}pub`]: gw(), [`${GW}priv`]: gw({}) }), settings);
    expect(bridged.find((x) => x.id === 'migration/gateways-bridge')).toMatchObject({
      status: 'FAIL',
      detail: expect.stringContaining('knative-serving/pub, knative-serving/priv have no selector'),
      fix: expect.stringContaining('gateways.servedBy=higress'),
    });
    expect(
      await checkMigration(
        fake({ [CM]: cm, [`${GW}pub`]: gw({ higress: 'x' }), [`${GW}priv`]: gw({ higress: 'x' }) }),
        settings,
      ),
    ).toEqual([]);
  });

  test('an unreadable cluster is a FAIL saying what could not be read', async () => {
    const reads: MigrationReads = {
      get: async () => {
        throw new Error('connection refused');
      },
      list: async () => [],
    };
    const r = await checkMigration(reads, settings);
    expect(r).toEqual([
      expect.objectContaining({
        id: 'migration/net-istio',
        status: 'FAIL',
        detail: expect.stringContaining('connection refused'),
      }),
    ]);
  });
});
