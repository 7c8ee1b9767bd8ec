// From net-istio to net-higress on the real API server, with no gap: net-istio's objects are made by hand in
// the exact shape its release and controller write them (config-istio, the shared Gateways, its controller and
// webhook, a KIngress it made Ready and its two VirtualServices). Then the README's path: scale net-istio to
// 0, install the chart leaving its objects alone, adopt them (--take-ownership) with the Gateways served by
// every gateway workload, let net-higress take the VirtualServices over in place, move the Gateways to Higress,
// remove net-istio — while a monitor checks that the route and the Gateways never disappear.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { runDoctorCommand } from '../../../src/cli/doctor.js';
import { Controller } from '../../../src/controller/controller.js';
import { writtenReadiness } from '../../../src/controller/readiness.js';
import type { CheckResult } from '../../../src/doctor/types.js';
import { RestClient } from '../../../src/kube/rest.js';
import { recordingLogger } from '../../../src/observability/logger.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { KINGRESS_FINALIZER } from '../../../src/translate/constants.js';
import { CHART_DIR, helmBinary } from '../../harness/helm.js';
import {
  createTestNamespace,
  eventually,
  kubeConfigForToken,
  testKubeconfigPath,
  uniqueName,
} from '../../harness/kube.js';
import { TestEnv, type Wire } from '../operator/env.js';
import { helmAsync, valuesFile } from './helm-cli.js';
import { admin, create, serviceAccountToken, type Install } from './install.js';
import { testControllerOptions } from '../../harness/controller-options.js';

const env = new TestEnv();
const release = uniqueName('nh');
const fullname = `${release}-net-higress`;
let system: string;
let istio: string;
let higress: string;
let app: string;
let releaseNs: string;
let values: string;
let controller: Controller | undefined;
let sa: RestClient | undefined;

const NET_ISTIO_LABELS = {
  'app.kubernetes.io/component': 'net-istio',
  'app.kubernetes.io/name': 'knative-serving',
  'app.kubernetes.io/version': '1.20.0',
  'networking.knative.dev/ingress-provider': 'istio',
};
const VWC = 'config.webhook.istio.networking.internal.knative.dev';
const MWC = 'webhook.istio.networking.internal.knative.dev';
const ADMISSION = '/apis/admissionregistration.k8s.io/v1';
const get = (path: string) => admin.request<Wire>({ method: 'GET', path }).catch(() => undefined);
const gatewayPath = (name: string) => `/apis/networking.istio.io/v1beta1/namespaces/${system}/gateways/${name}`;
const configIstioPath = () => `/api/v1/namespaces/${system}/configmaps/config-istio`;

beforeAll(async () => {
  helmBinary();
  [system, istio, higress, app, releaseNs] = (await Promise.all(
    ['knative-serving', 'istio-system', 'higress-system', 'app', 'net-higress'].map((p) => createTestNamespace(p)),
  )) as [string, string, string, string, string];
  // Both namespaces exist: the chart must not render (and so never own) them.
  values = valuesFile({
    knative: { systemNamespace: system, ingressClass: env.ingressClass },
    higress: { namespace: higress },
    controller: { leaderElection: { leaseName: uniqueName('lease') } },
  });
  await netIstioInstall();
  await create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'higress-gateway', namespace: higress },
    spec: {
      selector: { app: 'higress-gateway', higress: 'higress-system-higress-gateway' },
      ports: [
        { name: 'http2', port: 80 },
        { name: 'https', port: 443 },
      ],
    },
  });
}, 20 * 60_000);

afterAll(async () => {
  await controller?.stop();
  sa?.close();
  for (const [kind, name] of [
    ['validatingwebhookconfigurations', VWC],
    ['mutatingwebhookconfigurations', MWC],
  ]) {
    await admin.request({ method: 'DELETE', path: `${ADMISSION}/${kind}/${name}` }).catch(() => undefined);
  }
  env.rest.close();
});

/** Polls what serves traffic; any moment the route or a Gateway is missing, or was recreated, is a gap. */
class GapMonitor {
  readonly gaps: string[] = [];
  private running = true;
  private readonly done: Promise<void>;
  constructor(private readonly uids: Record<string, string>) {
    this.done = this.loop();
  }
  private async loop(): Promise<void> {
    while (this.running) {
      for (const [path, uid] of Object.entries(this.uids)) {
        const o = await get(path);
        if (o?.metadata.uid !== uid)
          this.gaps.push(`${new Date().toISOString()} ${path}: ${o ? `recreated (${o.metadata.uid})` : 'missing'}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  async stop(): Promise<string[]> {
    this.running = false;
    await this.done;
    return this.gaps;
  }
}

async function doctor(): Promise<Map<string, CheckResult>> {
  let stdout = '';
  await runDoctorCommand(
    [
      '--kubeconfig',
      testKubeconfigPath(),
      '--system-namespace',
      system,
      '--ingress-class',
      env.ingressClass,
      '--higress-namespace',
      higress,
      '--service-account',
      `${releaseNs}/${fullname}`,
      '-o',
      'json',
    ],
    {
      stdout: (s) => {
        stdout += s;
      },
      stderr: () => undefined,
      readStdin: () => '',
    },
  );
  const checks = (JSON.parse(stdout) as { checks: CheckResult[] }).checks;
  return new Map(checks.filter((c) => c.id.startsWith('migration/')).map((c) => [c.id, c]));
}

describe('net-istio → net-higress', () => {
  let vsUID: string;
  let gatewayUIDs: Record<string, string>;
  let monitor: GapMonitor;

  test('doctor, before: net-istio runs, its webhook is installed, its VirtualServices are not ours yet', async () => {
    vsUID = (await env.virtualService(app, 'hello-ingress'))!.metadata.uid!;
    gatewayUIDs = Object.fromEntries(
      await Promise.all(
        ['knative-ingress-gateway', 'knative-local-gateway'].map(async (n): Promise<[string, string]> => [
          gatewayPath(n),
          (await get(gatewayPath(n)))!.metadata.uid!,
        ]),
      ),
    );
    monitor = new GapMonitor({
      [`/apis/networking.istio.io/v1beta1/namespaces/${app}/virtualservices/hello-ingress`]: vsUID,
      ...gatewayUIDs,
    });
    const m = await doctor();
    expect(m.get('migration/net-istio-controller')).toMatchObject({
      status: 'FAIL',
      detail: expect.stringContaining('is still there (1 replica(s))'),
    });
    expect(m.get('migration/net-istio-webhook')).toMatchObject({
      status: 'FAIL',
      detail: expect.stringContaining(`net-istio's webhook is still installed (${VWC}, ${MWC})`),
    });
    expect(m.get('migration/virtualservices')).toMatchObject({
      status: 'FAIL',
      detail: `2 VirtualService(s) still as net-istio wrote them (${app}/hello-ingress, ${app}/hello-mesh)`,
    });
    expect(m.get('migration/gateways-bridge')?.status).toBe('PASS');
  });

  test("the chart can leave net-istio's config-istio and Gateways alone, and adopts them only when told", async () => {
    await admin.request({
      method: 'PATCH',
      path: `/apis/apps/v1/namespaces/${system}/deployments/net-istio-controller/scale`,
      contentType: 'application/merge-patch+json',
      body: { spec: { replicas: 0 } },
    });
    const before = await Promise.all([configIstioPath(), ...Object.keys(gatewayUIDs)].map(get));
    const leave = await helmAsync([
      'install',
      release,
      CHART_DIR,
      '-n',
      releaseNs,
      '--values',
      values,
      '--set',
      'configIstio.create=false,gateways.create=false',
    ]);
    expect(leave.stderr).toBe('');
    expect(leave.code).toBe(0);
    const after = await Promise.all([configIstioPath(), ...Object.keys(gatewayUIDs)].map(get));
    expect(after.map((o) => o?.metadata.resourceVersion)).toEqual(before.map((o) => o?.metadata.resourceVersion));

    // A release that left them alone leaves them alone when it goes, too.
    expect((await helmAsync(['uninstall', release, '-n', releaseNs, '--no-hooks'])).code).toBe(0);
    const afterUninstall = await Promise.all([configIstioPath(), ...Object.keys(gatewayUIDs)].map(get));
    expect(afterUninstall.map((o) => o?.metadata.resourceVersion)).toEqual(
      before.map((o) => o?.metadata.resourceVersion),
    );

    const refused = await helmAsync([
      'install',
      release,
      CHART_DIR,
      '-n',
      releaseNs,
      '--values',
      values,
      '--set',
      'gateways.servedBy=any',
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/exists and cannot be imported into the current release/);

    // The README's command. --take-ownership alone adopts objects as they are (helm patches them from the chart's
    // own manifest, so nothing changes); --force replaces them (PUT: the same objects) with the chart's content.
    const adopt = await helmAsync([
      'install',
      release,
      CHART_DIR,
      '-n',
      releaseNs,
      '--values',
      values,
      '--set',
      'gateways.servedBy=any',
      '--take-ownership',
      '--force',
    ]);
    expect(adopt.stderr).toBe('');
    expect(adopt.code).toBe(0);
    expect(adopt.stdout).toContain('with NO selector: every gateway workload serves them');
    for (const [path, uid] of Object.entries(gatewayUIDs)) {
      const gw = await get(path);
      expect(gw?.metadata.uid).toBe(uid);
      expect(gw?.metadata.annotations?.['meta.helm.sh/release-name']).toBe(release);
      expect(gw?.spec).not.toHaveProperty('selector');
    }
    const cm = await get(configIstioPath());
    expect(cm?.metadata.uid).toBe(before[0]?.metadata.uid);
    for (const ns of [system, higress])
      expect(
        (await get(`/api/v1/namespaces/${ns}`))?.metadata.annotations?.['meta.helm.sh/release-name'],
      ).toBeUndefined();
    expect(cm?.data?.['external-gateways']).toContain(`service: higress-gateway.${higress}.svc.cluster.local`);
  });

  test('net-higress takes the VirtualService over in place: same object, name and labels; the mesh one goes', async () => {
    const token = await serviceAccountToken({ releaseNamespace: releaseNs, fullname } as Install);
    sa = new RestClient(kubeConfigForToken(token));
    const netIstioVS = await env.virtualService(app, 'hello-ingress');
    controller = new Controller(
      sa,
      testControllerOptions({ ingressClass: env.ingressClass, systemNamespace: system }),
      recordingLogger().logger,
      new Metrics({ defaultMetrics: false }),
      writtenReadiness,
    );
    await controller.start(60_000);
    const vs = await eventually(
      'hello-ingress rewritten by net-higress',
      async () => {
        const v = await env.virtualService(app, 'hello-ingress');
        return (v?.spec?.http as Array<{ name?: string }> | undefined)?.some((r) => r.name === `${app}/hello`)
          ? v
          : undefined;
      },
      30_000,
    );
    expect(vs.metadata.uid).toBe(vsUID);
    expect(vs.metadata.labels).toEqual(netIstioVS?.metadata.labels);
    expect(vs.spec?.gateways).toEqual(netIstioVS?.spec?.gateways);
    await eventually(
      'hello-mesh deleted',
      async () => ((await env.virtualService(app, 'hello-mesh')) ? undefined : true),
      30_000,
    );
    const ing = await eventually(
      'status names the Higress load balancers',
      async () => {
        const i = await env.kingress(app, 'hello');
        return JSON.stringify(i?.status?.publicLoadBalancer).includes(higress) ? i : undefined;
      },
      30_000,
    );
    expect(ing.metadata.finalizers).toEqual([KINGRESS_FINALIZER]);
    const m = await doctor();
    expect(m.get('migration/virtualservices')?.status).toBe('PASS');
    expect(m.get('migration/gateways-bridge')).toMatchObject({
      status: 'FAIL',
      fix: expect.stringContaining('--set gateways.servedBy=higress'),
    });
    expect(m.get('migration/net-istio-controller')).toMatchObject({
      status: 'FAIL',
      fix: expect.stringContaining('delete deployment net-istio-controller'),
    });
  });

  test('after the DNS move: the Gateways go to Higress alone, net-istio is removed, doctor has nothing left to say', async () => {
    const res = await helmAsync([
      'upgrade',
      release,
      CHART_DIR,
      '-n',
      releaseNs,
      '--reuse-values',
      '--set',
      'gateways.servedBy=higress',
    ]);
    expect(res.code).toBe(0);
    for (const path of Object.keys(gatewayUIDs))
      expect((await get(path))?.spec?.selector).toEqual({ higress: 'higress-system-higress-gateway' });
    // The README's removal list (never `kubectl delete -f net-istio.yaml`: config-istio and the Gateways are the chart's now).
    for (const path of [
      `${ADMISSION}/validatingwebhookconfigurations/${VWC}`,
      `${ADMISSION}/mutatingwebhookconfigurations/${MWC}`,
      `/apis/apps/v1/namespaces/${system}/deployments/net-istio-webhook`,
      `/api/v1/namespaces/${system}/services/net-istio-webhook`,
      `/apis/apps/v1/namespaces/${system}/deployments/net-istio-controller`,
      `/api/v1/namespaces/${istio}/services/knative-local-gateway`,
    ]) {
      await admin.request({ method: 'DELETE', path });
    }
    expect([...(await doctor()).values()]).toEqual([]);
    expect(await monitor.stop()).toEqual([]);
  });
});

/** net-istio's release file and controller output, by hand, as they are on a live cluster. */
async function netIstioInstall(): Promise<void> {
  const gatewayService = `istio-ingressgateway.${istio}.svc.cluster.local`;
  const localService = `knative-local-gateway.${istio}.svc.cluster.local`;
  await create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'istio-ingressgateway', namespace: istio, labels: { istio: 'ingressgateway' } },
    spec: {
      selector: { istio: 'ingressgateway' },
      ports: [
        { name: 'http2', port: 80, targetPort: 8080 },
        { name: 'https', port: 443, targetPort: 8443 },
      ],
    },
  });
  await create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'knative-local-gateway',
      namespace: istio,
      labels: { ...NET_ISTIO_LABELS, 'experimental.istio.io/disable-gateway-port-translation': 'true' },
    },
    spec: {
      type: 'ClusterIP',
      selector: { istio: 'ingressgateway' },
      ports: [
        { name: 'http2', port: 80, targetPort: 8081 },
        { name: 'https', port: 443, targetPort: 8444 },
      ],
    },
  });
  await create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'config-istio', namespace: system, labels: NET_ISTIO_LABELS },
    data: {
      'external-gateways': `- name: knative-ingress-gateway\n  namespace: ${system}\n  service: ${gatewayService}\n`,
      'local-gateways': `- name: knative-local-gateway\n  namespace: ${system}\n  service: ${localService}\n`,
    },
  });
  for (const [name, port] of [
    ['knative-ingress-gateway', 80],
    ['knative-local-gateway', 8081],
  ] as const) {
    await create({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'Gateway',
      metadata: { name, namespace: system, labels: NET_ISTIO_LABELS },
      spec: {
        selector: { istio: 'ingressgateway' },
        servers: [{ port: { number: port, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }],
      },
    });
  }
  for (const name of ['net-istio-controller', 'net-istio-webhook']) {
    await create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: system, labels: { ...NET_ISTIO_LABELS, app: name } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name, 'sidecar.istio.io/inject': 'false' } },
          spec: {
            serviceAccountName: 'controller',
            containers: [
              {
                name: name === 'net-istio-controller' ? 'controller' : 'webhook',
                image: `gcr.io/knative-releases/knative.dev/net-istio/cmd/${name.replace('net-istio-', '')}:v1.20.0`,
              },
            ],
          },
        },
      },
    });
  }
  await create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'net-istio-webhook', namespace: system, labels: NET_ISTIO_LABELS },
    spec: { selector: { app: 'net-istio-webhook' }, ports: [{ name: 'https-webhook', port: 443, targetPort: 8443 }] },
  });
  // As in net-istio's config/600-*-webhook.yaml: no rules until the webhook pod fills them in.
  const webhook = (name: string) => ({
    admissionReviewVersions: ['v1', 'v1beta1'],
    clientConfig: { service: { name: 'net-istio-webhook', namespace: system } },
    failurePolicy: 'Fail',
    sideEffects: 'None',
    name,
  });
  await create({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: VWC, labels: NET_ISTIO_LABELS },
    webhooks: [
      {
        ...webhook(VWC),
        namespaceSelector: {
          matchExpressions: [{ key: 'app.kubernetes.io/part-of', operator: 'In', values: ['knative-serving'] }],
        },
      },
    ],
  });
  await create({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: MWC, labels: NET_ISTIO_LABELS },
    webhooks: [
      {
        ...webhook(MWC),
        objectSelector: { matchExpressions: [{ key: 'serving.knative.dev/configuration', operator: 'Exists' }] },
      },
    ],
  });

  // A KIngress net-istio reconciled: its finalizer, Ready status with Istio's load balancers, and its two VirtualServices.
  const ing = env.servingKIngress(app, 'hello', [{ revision: 'hello-00001', percent: 100 }]);
  ing.metadata.finalizers = [KINGRESS_FINALIZER];
  const stored = await env.client.create(ing);
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await admin.request({
    method: 'PUT',
    path: `/apis/networking.internal.knative.dev/v1alpha1/namespaces/${app}/ingresses/hello/status`,
    body: {
      ...stored,
      status: {
        observedGeneration: stored.metadata?.generation ?? 1,
        conditions: ['LoadBalancerReady', 'NetworkConfigured', 'Ready'].map((type) => ({
          type,
          status: 'True',
          lastTransitionTime: now,
        })),
        publicLoadBalancer: { ingress: [{ domainInternal: gatewayService }] },
        privateLoadBalancer: { ingress: [{ domainInternal: localService }] },
      },
    },
  });
  const owner = {
    apiVersion: 'networking.internal.knative.dev/v1alpha1',
    kind: 'Ingress',
    name: 'hello',
    uid: stored.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
  const labels = {
    'networking.internal.knative.dev/ingress': 'hello',
    'serving.knative.dev/route': 'hello',
    'serving.knative.dev/routeNamespace': app,
  };
  const split = {
    destination: { host: `hello-00001.${app}.svc.cluster.local`, port: { number: 80 } },
    weight: 100,
    headers: { request: { set: { 'Knative-Serving-Namespace': app, 'Knative-Serving-Revision': 'hello-00001' } } },
  };
  const routes = (gateway: string, authority: string) => [
    {
      match: [
        { gateways: [gateway], authority: { prefix: authority }, headers: { 'K-Network-Hash': { exact: 'override' } } },
      ],
      route: [split],
      headers: { request: { set: { 'K-Network-Hash': '0123456789abcdef' } } },
      retries: {},
    },
    { match: [{ gateways: [gateway], authority: { prefix: authority } }], route: [split], retries: {} },
  ];
  const localHosts = [`hello.${app}`, `hello.${app}.svc`, `hello.${app}.svc.cluster.local`];
  await env.client.create({
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'VirtualService',
    metadata: {
      name: 'hello-ingress',
      namespace: app,
      labels,
      annotations: ing.metadata.annotations,
      ownerReferences: [owner],
    },
    spec: {
      hosts: [`hello.${app}.example.com`, ...localHosts],
      gateways: [`${system}/knative-ingress-gateway`, `${system}/knative-local-gateway`],
      http: [
        ...routes(`${system}/knative-ingress-gateway`, `hello.${app}.example.com`),
        ...routes(`${system}/knative-local-gateway`, `hello.${app}`),
      ],
    },
  });
  await env.client.create({
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'VirtualService',
    metadata: {
      name: 'hello-mesh',
      namespace: app,
      labels,
      annotations: ing.metadata.annotations,
      ownerReferences: [owner],
    },
    spec: { hosts: localHosts, gateways: ['mesh'], http: routes('mesh', `hello.${app}`) },
  });
}
