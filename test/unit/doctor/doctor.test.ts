// The doctor's command line and the cases the real API server tests do not reach (absent or mesh-only
// config-istio, unreadable Higress config, discovery failures), over an in-memory cluster.
import { describe, expect, test } from '@jest/globals';
import { ApiException } from '@kubernetes/client-node';
import { runDoctorCommand, DOCTOR_USAGE } from '../../../src/cli/doctor.js';
import { main } from '../../../src/cli/main.js';
import type {
  AccessSubject,
  DeploymentInfo,
  DoctorCluster,
  GatewayInfo,
  KIngressInfo,
  PodInfo,
  ResourceAttributes,
  ServiceInfo,
  WasmPluginInfo,
} from '../../../src/doctor/types.js';

const CHART_LABELS = { 'helm.sh/chart': 'net-higress-0.1.0', 'app.kubernetes.io/managed-by': 'Helm' };

const forbidden = () =>
  new ApiException(
    403,
    'Forbidden',
    JSON.stringify({
      kind: 'Status',
      reason: 'Forbidden',
      code: 403,
      message: 'configmaps "higress-config" is forbidden',
    }),
    {},
  );

/** A complete default install: every check passes unless a test changes something. */
class FakeCluster implements DoctorCluster {
  groups: Record<string, Record<string, string[]>> = {
    'networking.internal.knative.dev': { v1alpha1: ['ingresses', 'ingresses/status'] },
    'networking.istio.io': { v1: ['virtualservices', 'gateways'], v1beta1: ['virtualservices', 'gateways'] },
  };
  configMaps = new Map<string, Record<string, string> | Error>([
    ['knative-serving/config-network', {}],
    ['higress-system/higress-config', { mesh: 'configSources:\n- address: k8s://\n' }],
  ]);
  services = new Map<string, ServiceInfo>([
    [
      'higress-system/higress-gateway',
      { type: 'LoadBalancer', labels: {}, selector: { app: 'higress-gateway' }, ports: [{ port: 80 }] },
    ],
    [
      'higress-system/knative-local-gateway',
      {
        type: 'ClusterIP',
        labels: { 'experimental.istio.io/disable-gateway-port-translation': 'true' },
        selector: { app: 'higress-gateway' },
        ports: [{ name: 'http2', port: 80, targetPort: 8081 }],
      },
    ],
  ]);
  gateways = new Map<string, GatewayInfo>([
    [
      'knative-serving/knative-ingress-gateway',
      {
        labels: CHART_LABELS,
        selector: { higress: 'higress-system-higress-gateway' },
        servers: [{ port: { number: 80, protocol: 'HTTP' } }],
      },
    ],
    [
      'knative-serving/knative-local-gateway',
      {
        labels: CHART_LABELS,
        selector: { higress: 'higress-system-higress-gateway' },
        servers: [{ port: { number: 8081, protocol: 'HTTP' } }],
      },
    ],
  ]);
  deploymentMap = new Map<string, DeploymentInfo>([
    [
      'knative-serving/net-higress',
      {
        name: 'net-higress',
        serviceAccountName: 'net-higress',
        labels: CHART_LABELS,
        selector: { 'app.kubernetes.io/name': 'net-higress' },
        replicas: 1,
        readyReplicas: 1,
        conditions: [{ type: 'Available', status: 'True' }],
      },
    ],
  ]);
  plugins: WasmPluginInfo[] | undefined = [];
  kingressList: KIngressInfo[] = [];
  podList: PodInfo[] = [
    {
      name: 'gw-1',
      labels: { app: 'higress-gateway', higress: 'higress-system-higress-gateway' },
      phase: 'Running',
      terminating: false,
    },
  ];
  denied: (a: ResourceAttributes) => boolean = () => false;
  discoveryError: Error | undefined;
  reviews: Array<{ subject: AccessSubject; attrs: ResourceAttributes }> = [];

  async servedVersions(group: string) {
    if (this.discoveryError) throw this.discoveryError;
    return Object.keys(this.groups[group] ?? {});
  }
  async resources(group: string, version: string) {
    return this.groups[group]?.[version];
  }
  async configMapData(ns: string, name: string) {
    const v = this.configMaps.get(`${ns}/${name}`);
    if (v instanceof Error) throw v;
    return v;
  }
  async service(ns: string, name: string) {
    return this.services.get(`${ns}/${name}`);
  }
  async gateway(ns: string, name: string) {
    return this.gateways.get(`${ns}/${name}`);
  }
  async pods(_ns: string, selector?: Record<string, string>) {
    return this.podList.filter((p) => Object.entries(selector ?? {}).every(([k, v]) => p.labels[k] === v));
  }
  async deployments(ns: string) {
    return [...this.deploymentMap].filter(([k]) => k.startsWith(`${ns}/`)).map(([, d]) => d);
  }
  async wasmPlugins(_ns: string) {
    return this.plugins;
  }
  async kingresses() {
    return this.kingressList;
  }
  async allowed(subject: AccessSubject, attrs: ResourceAttributes) {
    this.reviews.push({ subject, attrs });
    return !this.denied(attrs);
  }
}

async function run(cluster: FakeCluster, args: string[] = []) {
  let stdout = '';
  let stderr = '';
  const code = await runDoctorCommand(
    ['-o', 'json', ...args],
    {
      stdout: (s) => {
        stdout += s;
      },
      stderr: (s) => {
        stderr += s;
      },
      readStdin: () => '',
    },
    { cluster: () => cluster },
  );
  const checks = stdout
    ? (JSON.parse(stdout) as { checks: Array<{ id: string; status: string; detail: string; fix?: string }> }).checks
    : [];
  return { code, stderr, checks, get: (id: string) => checks.find((c) => c.id === id) };
}

describe('command line', () => {
  test('net-higress doctor --help prints the usage and exits 0; main lists the command', async () => {
    let out = '';
    expect(
      await main(['doctor', '--help'], {
        stdout: (s) => {
          out += s;
        },
        stderr: () => undefined,
        readStdin: () => '',
      }),
    ).toBe(0);
    expect(out).toBe(DOCTOR_USAGE);
    let usage = '';
    await main([], {
      stdout: (s) => {
        usage += s;
      },
      stderr: () => undefined,
      readStdin: () => '',
    });
    expect(usage).toMatch(/^ {2}doctor +check a cluster/m);
  });

  test.each([
    [['-o', 'yaml'], 'unknown output format "yaml"'],
    [['--service-account', 'just-a-name'], '--service-account must be NAMESPACE/NAME or self'],
    [['--no-such-flag'], "Unknown option '--no-such-flag'"],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const r = await run(new FakeCluster(), args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  test('a default install passes; the ServiceAccount reviewed is knative-serving/net-higress, its Lease there too', async () => {
    const cluster = new FakeCluster();
    const r = await run(cluster);
    expect(r.checks.filter((c) => c.status !== 'PASS')).toEqual([]);
    expect(r.code).toBe(0);
    expect(new Set(cluster.reviews.map((x) => JSON.stringify(x.subject)))).toEqual(
      new Set([JSON.stringify({ kind: 'serviceAccount', namespace: 'knative-serving', name: 'net-higress' })]),
    );
    expect(
      cluster.reviews
        .filter((x) => x.attrs.resource === 'leases')
        .map((x) => [x.attrs.verb, x.attrs.namespace, x.attrs.name]),
    ).toEqual([
      ['create', 'knative-serving', undefined],
      ['get', 'knative-serving', 'net-higress-controller'],
      ['update', 'knative-serving', 'net-higress-controller'],
    ]);
  });
});

describe('cases around the edges', () => {
  test('config-istio absent: the built-in defaults are checked (and pass)', async () => {
    const r = await run(new FakeCluster());
    expect(r.get('config-istio')?.detail).toMatch(
      /^knative-serving\/config-istio absent: built-in defaults: Services exist/,
    );
  });

  test('mesh-only config-istio: nothing to bind, nothing to fail', async () => {
    const cluster = new FakeCluster();
    cluster.configMaps.set('knative-serving/config-istio', { 'external-gateways': '[]', 'local-gateways': '[]' });
    const r = await run(cluster);
    expect(r.get('config-istio')?.detail).toBe('knative-serving/config-istio: mesh-only (no gateways)');
    expect(r.get('local-gateway-service')?.status).toBe('PASS');
    expect(r.checks.some((c) => c.id.startsWith('gateway/'))).toBe(false);
    expect(r.code).toBe(0);
  });

  test('a Higress config the caller may not read is a SKIP with advice, not a failure', async () => {
    const cluster = new FakeCluster();
    cluster.configMaps.set('higress-system/higress-config', forbidden());
    const r = await run(cluster);
    expect(r.get('higress/istio-api')).toMatchObject({
      status: 'SKIP',
      fix: 'make sure Higress runs with global.enableIstioAPI=true',
    });
    expect(r.code).toBe(0);
  });

  test('a config-network the caller may not read fails and says which credentials to use', async () => {
    const cluster = new FakeCluster();
    cluster.configMaps.set('knative-serving/config-network', forbidden());
    const r = await run(cluster);
    expect(r.get('config-network/ingress-class')).toMatchObject({
      status: 'FAIL',
      fix: expect.stringContaining('credentials that may read ConfigMap knative-serving/config-network'),
    });
    expect(r.code).toBe(1);
  });

  test('a terminating gateway pod is not running', async () => {
    const cluster = new FakeCluster();
    cluster.podList = cluster.podList.map((p) => ({ ...p, terminating: true }));
    const r = await run(cluster);
    expect(r.get('gateway/knative-serving/knative-ingress-gateway')?.status).toBe('FAIL');
  });

  test("the local Service is checked against the local Gateway's own port", async () => {
    const cluster = new FakeCluster();
    cluster.gateways.set('knative-serving/knative-local-gateway', {
      labels: CHART_LABELS,
      selector: { higress: 'higress-system-higress-gateway' },
      servers: [{ port: { number: 9081, protocol: 'HTTP' } }],
    });
    const r = await run(cluster);
    expect(r.get('local-gateway-service')?.detail).toBe(
      'Service higress-system/knative-local-gateway ports [80→8081]; need 80→9081',
    );
  });

  test('an unreachable API server: the checks that cannot read FAIL, with a connectivity fix', async () => {
    const cluster = new FakeCluster();
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' });
    cluster.discoveryError = down;
    cluster.configMaps.set('knative-serving/config-network', down);
    const r = await run(cluster);
    expect(r.get('crd/ingresses.networking.internal.knative.dev')).toMatchObject({
      status: 'FAIL',
      detail: expect.stringContaining('ECONNREFUSED'),
    });
    expect(r.get('config-network/ingress-class')?.fix).toContain('kubectl get --raw /readyz');
  });

  test('text output puts the fix under the failure and counts', async () => {
    const cluster = new FakeCluster();
    cluster.denied = (a) => a.resource === 'events';
    let out = '';
    const code = await runDoctorCommand(
      [],
      {
        stdout: (s) => {
          out += s;
        },
        stderr: () => undefined,
        readStdin: () => '',
      },
      { cluster: () => cluster },
    );
    expect(code).toBe(1);
    const lines = out.split('\n');
    const i = lines.findIndex((l) =>
      /^rbac +FAIL +ServiceAccount knative-serving\/net-higress: 2 of \d+ permissions missing: create events \(all namespaces\)/.test(
        l,
      ),
    );
    expect(i).toBeGreaterThan(0);
    expect(lines[i + 1]).toMatch(/^ +fix: helm upgrade --install net-higress/);
    expect(out).toContain('12 checks: 11 passed, 1 failed, 0 skipped');
  });
});

describe('the controller Deployment, plugins and the setup found', () => {
  test('a Deployment not Available fails with its reason; the fix is about its pods', async () => {
    const cluster = new FakeCluster();
    cluster.deploymentMap.set('knative-serving/net-higress', {
      name: 'net-higress',
      serviceAccountName: 'net-higress',
      labels: CHART_LABELS,
      selector: { 'app.kubernetes.io/name': 'net-higress' },
      replicas: 1,
      readyReplicas: 0,
      conditions: [
        {
          type: 'Available',
          status: 'False',
          reason: 'MinimumReplicasUnavailable',
          message: 'Deployment does not have minimum availability.',
        },
      ],
    });
    const r = await run(cluster);
    expect(r.get('controller/deployment')).toEqual({
      id: 'controller/deployment',
      status: 'FAIL',
      detail:
        'Deployment knative-serving/net-higress is not Available (MinimumReplicasUnavailable: Deployment does not have minimum availability.), 0/1 replicas ready',
      fix: 'kubectl -n knative-serving describe pods -l app.kubernetes.io/name=net-higress (why its pods are not ready), then kubectl -n knative-serving logs deployment/net-higress',
    });
    cluster.deploymentMap.delete('knative-serving/net-higress');
    expect((await run(cluster)).get('controller/deployment')?.detail).toBe(
      'no Deployment in knative-serving runs as ServiceAccount knative-serving/net-higress: no controller reconciles KIngresses',
    );
    expect((await run(cluster, ['--service-account', 'self'])).get('controller/deployment')?.status).toBe('SKIP');
  });

  test('no WasmPlugin API: SKIP; a domain rule on one of our hosts: FAIL naming the rule to use instead', async () => {
    const cluster = new FakeCluster();
    cluster.plugins = undefined;
    expect((await run(cluster)).get('higress/wasmplugins')?.status).toBe('SKIP');
    cluster.plugins = [
      {
        name: 'auth',
        url: 'oci://r/key-auth:1.0.0',
        hasPluginConfig: false,
        defaultConfig: { global_auth: false },
        matchRules: [{ domain: ['a.ns.example.com'] }],
      },
    ];
    cluster.kingressList = [
      {
        namespace: 'ns',
        name: 'a',
        ingressClass: 'istio.ingress.networking.knative.dev',
        hosts: ['a.ns.example.com'],
        backends: [],
      },
      { namespace: 'ns', name: 'b', ingressClass: 'other', hosts: ['a.ns.example.com'], backends: [] },
    ];
    const r = await run(cluster);
    expect(r.get('higress/wasmplugins')).toMatchObject({
      status: 'FAIL',
      fix: 'in WasmPlugin auth replace matchRules[0] domain [a.ns.example.com] with ingress [ns/a] (probe routes are named knative-probe/<ns>/<name>, no ingress rule matches them)',
    });
    expect(r.code).toBe(1);
  });

  test('a setup not installed by our chart: no fix names a chart value', async () => {
    const cluster = new FakeCluster();
    cluster.deploymentMap.set('knative-serving/net-higress', {
      name: 'net-higress',
      serviceAccountName: 'net-higress',
      labels: {},
      selector: {},
      replicas: 1,
      readyReplicas: 1,
      conditions: [{ type: 'Available', status: 'True' }],
    });
    for (const [k, g] of cluster.gateways)
      cluster.gateways.set(k, { ...g, labels: {}, selector: { higress: 'wrong' } });
    const local = cluster.services.get('higress-system/knative-local-gateway')!;
    cluster.services.set('higress-system/knative-local-gateway', { ...local, selector: { app: 'wrong' } });
    cluster.configMaps.set('knative-serving/config-network', {
      'ingress-class': 'kourier.ingress.networking.knative.dev',
    });
    cluster.denied = (a) => a.resource === 'events';
    const r = await run(cluster);
    const fixes = r.checks.filter((c) => c.status === 'FAIL').map((c) => c.fix ?? '');
    expect(fixes).toHaveLength(5);
    for (const fix of fixes) expect(fix).not.toMatch(/chart value|--set |\.create=true|gatewayPodLabels/);
    expect(r.get('gateway/knative-serving/knative-ingress-gateway')?.fix).toContain(
      'kubectl edit gateway knative-ingress-gateway -n knative-serving: set spec.selector',
    );
  });

  test('a Pending gateway pod: the fix is about that pod, not the selector', async () => {
    const cluster = new FakeCluster();
    cluster.podList = cluster.podList.map((p) => ({ ...p, name: 'higress-gateway-abc', phase: 'Pending' }));
    const r = await run(cluster);
    expect(r.get('gateway/knative-serving/knative-ingress-gateway')).toMatchObject({
      status: 'FAIL',
      detail:
        'selector higress=higress-system-higress-gateway matches 1 pod in higress-system, none Running: higress-gateway-abc (Pending)',
      fix: 'kubectl -n higress-system describe pod higress-gateway-abc (its Events say why it does not run: scheduling, image pull, resources)',
    });
    expect(r.get('local-gateway-service')?.fix).toBe(
      'kubectl -n higress-system describe pod higress-gateway-abc (its Events say why it does not run: scheduling, image pull, resources)',
    );
  });
});
