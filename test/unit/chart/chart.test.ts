// charts/net-higress through the real helm (built from helm.sh/helm/v3): lint, and what `helm template`
// renders with the defaults and with every name, namespace and label changed.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { load } from 'js-yaml';
import { RUN_USAGE } from '../../../src/cli/run-options.js';
import { defaultIstioConfig, parseIstioConfig } from '../../../src/config/istio.js';
import { operatorPermissions } from '../../../src/doctor/permissions.js';
import { CHART_DIR, helm, helmBinary, renderChart, templateArgs, type K8sObject } from '../../harness/helm.js';
import { deploymentSpec, find, grantedTuples, ids, neededTuples, runOptionsOf } from './render.js';
import { validateWasmPlugin } from './wasmplugin.js';

const CUSTOM = new URL('../../fixtures/chart/custom-values.yaml', import.meta.url).pathname;
const EXAMPLE_CONFIG_ISTIO = new URL('../../../examples/config-istio.yaml', import.meta.url).pathname;

// The first call may build helm (minutes, cold); afterwards it is cached.
beforeAll(() => {
  helmBinary();
}, 20 * 60_000);

/** The uninstall hook's objects run only at helm uninstall; the controller's RBAC is the rest. */
const notHook = (o: K8sObject) => o.metadata.annotations?.['helm.sh/hook'] === undefined;
const data = (o: K8sObject) => o.data as Record<string, string>;
const spec = (o: K8sObject) => o.spec as Record<string, unknown>;

describe('helm lint', () => {
  test.each([
    ['defaults', []],
    ['custom values', ['--values', CUSTOM]],
  ])('%s: no errors or warnings (--strict)', (_name, extra) => {
    const res = helm(['lint', '--strict', CHART_DIR, ...extra]);
    expect(res.stderr).toBe('');
    expect(res.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(res.code).toBe(0);
  });
});

describe('defaults (helm install net-higress -n knative-serving)', () => {
  let objs: K8sObject[];
  beforeAll(() => {
    objs = renderChart();
  });

  test('renders exactly the controller, its RBAC, the shared Gateways, the local gateway Service and config-istio', () => {
    expect(ids(objs)).toEqual([
      'ClusterRole -/net-higress',
      'ClusterRoleBinding -/net-higress',
      'ConfigMap knative-serving/config-istio',
      'Deployment knative-serving/net-higress',
      'Gateway knative-serving/knative-ingress-gateway',
      'Gateway knative-serving/knative-local-gateway',
      'Job knative-serving/net-higress-uninstall',
      'Namespace -/higress-system',
      'Namespace -/knative-serving',
      'Role higress-system/net-higress-secret-copies',
      'Role knative-serving/net-higress-config',
      'Role knative-serving/net-higress-leader-election',
      'Role knative-serving/net-higress-uninstall',
      'RoleBinding higress-system/net-higress-secret-copies',
      'RoleBinding knative-serving/net-higress-config',
      'RoleBinding knative-serving/net-higress-leader-election',
      'RoleBinding knative-serving/net-higress-uninstall',
      'Service higress-system/knative-local-gateway',
      'ServiceAccount knative-serving/net-higress',
    ]);
    for (const o of objs)
      expect(o.metadata.labels).toMatchObject({
        'app.kubernetes.io/name': 'net-higress',
        'app.kubernetes.io/instance': 'net-higress',
      });
  });

  test('the shared Gateways select the Higress gateway pods: HTTP 80 and 8081, hosts *', () => {
    expect(spec(find(objs, 'Gateway', 'knative-ingress-gateway'))).toEqual({
      selector: { higress: 'higress-system-higress-gateway' },
      servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }],
    });
    expect(spec(find(objs, 'Gateway', 'knative-local-gateway'))).toEqual({
      selector: { higress: 'higress-system-higress-gateway' },
      servers: [{ port: { number: 8081, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }],
    });
  });

  test('the local gateway Service: ClusterIP 80 → 8081 on the gateway pods, without gateway port translation', () => {
    const svc = find(objs, 'Service', 'knative-local-gateway');
    expect(svc.metadata.labels?.['experimental.istio.io/disable-gateway-port-translation']).toBe('true');
    expect(spec(svc)).toEqual({
      type: 'ClusterIP',
      selector: { app: 'higress-gateway', higress: 'higress-system-higress-gateway' },
      ports: [{ name: 'http2', port: 80, targetPort: 8081, protocol: 'TCP' }],
    });
  });

  test('config-istio: new list format, the same gateways as the built-in defaults and examples/config-istio.yaml', () => {
    const cm = find(objs, 'ConfigMap', 'config-istio');
    expect(Object.keys(data(cm)).sort()).toEqual(['external-gateways', 'local-gateways']);
    const parsed = parseIstioConfig(data(cm), { systemNamespace: 'knative-serving', clusterDomain: 'cluster.local' });
    expect(parsed).toEqual({
      ok: true,
      value: defaultIstioConfig({ systemNamespace: 'knative-serving', clusterDomain: 'cluster.local' }),
    });
    const example = load(readFileSync(EXAMPLE_CONFIG_ISTIO, 'utf8')) as { data: Record<string, string> };
    expect(data(cm)).toEqual(example.data);
  });

  test('the Deployment: non-root, read-only root, no capabilities, RuntimeDefault seccomp, probes and ports', () => {
    const d = deploymentSpec(find(objs, 'Deployment', 'net-higress'));
    const pod = d.template.spec;
    const [c, ...more] = pod.containers;
    expect(more).toEqual([]);
    expect(d.replicas).toBe(1);
    expect(d.template.metadata.labels).toMatchObject({ ...d.selector.matchLabels, 'sidecar.istio.io/inject': 'false' });
    expect(pod.serviceAccountName).toBe('net-higress');
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c?.image).toBe('net-higress:0.1.0');
    expect(c?.ports).toEqual([
      { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
      { name: 'health', containerPort: 8080, protocol: 'TCP' },
    ]);
    expect(c?.livenessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'health' } });
    expect(c?.readinessProbe).toMatchObject({ httpGet: { path: '/readyz', port: 'health' } });
    expect(c?.resources).toEqual({
      requests: { cpu: '30m', memory: '64Mi' },
      limits: { cpu: '500m', memory: '512Mi' },
    });
  });

  test("the container starts `net-higress run` with the chart values, through run's own option parser", () => {
    const c = deploymentSpec(find(objs, 'Deployment', 'net-higress')).template.spec.containers[0]!;
    const parsed = runOptionsOf(c, { name: 'net-higress-abc' });
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.value).toMatchObject({
      ingressClass: 'istio.ingress.networking.knative.dev',
      systemNamespace: 'knative-serving',
      clusterDomain: 'cluster.local',
      workers: 4,
      metricsAddress: ':9090',
      healthAddress: ':8080',
      logLevel: 'info',
      logFormat: 'json',
      leaderElect: true,
      leaderElectionNamespace: 'knative-serving',
      leaderElectionId: 'net-higress-controller',
      meshVirtualService: false,
      resyncPeriodSeconds: 600,
      tlsSecretNamespaces: [],
    });
    // Every variable is one run reads (a misspelt one would be silently ignored); POD_NAME is the Lease identity.
    for (const e of c.env ?? []) if (e.name !== 'POD_NAME') expect(RUN_USAGE).toContain(`env ${e.name}`);
    expect(c.env?.map((e) => e.name)).not.toContain('READINESS');
  });

  test('RBAC grants exactly what src/doctor/permissions.ts says the controller uses', () => {
    const scope = {
      systemNamespace: 'knative-serving',
      higressNamespace: 'higress-system',
      lease: { namespace: 'knative-serving', name: 'net-higress-controller' },
    };
    expect(grantedTuples(objs.filter(notHook))).toEqual(neededTuples(operatorPermissions(scope)));
  });

  test('RBAC: Secrets are written only in the Higress namespace, nothing uses wildcards, every subject is our ServiceAccount', () => {
    const tuples = grantedTuples(objs);
    expect(tuples.filter((t) => / \/secrets /.test(t) && !/^(get|list|watch) /.test(t))).toEqual([
      'create /secrets higress-system ',
      'delete /secrets higress-system ',
      'update /secrets higress-system ',
    ]);
    const wildcard = (t: string) => {
      const [verb, groupResource = ''] = t.split(' ');
      return verb === '*' || groupResource.split('/').includes('*');
    };
    expect(tuples.filter(wildcard)).toEqual([]);
    expect(wildcard('* apps/deployments * ') && wildcard('get apps/* * ') && wildcard('get */pods * ')).toBe(true);
    expect(tuples.filter((t) => /\/(pods|deployments|configmaps) \*/.test(t))).toEqual([]);
    for (const b of objs.filter((o) => o.kind.endsWith('Binding'))) {
      expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: 'net-higress', namespace: 'knative-serving' }]);
    }
  });

  test('no WasmPlugin unless asked', () => {
    expect(objs.filter((o) => o.kind === 'WasmPlugin')).toEqual([]);
  });
});

describe('custom values (test/fixtures/chart/custom-values.yaml)', () => {
  let objs: K8sObject[];
  beforeAll(() => {
    objs = renderChart({ release: 'edge', namespace: 'kn-ops', valuesFiles: [CUSTOM] });
  });

  test('every name and namespace follows the values', () => {
    expect(ids(objs)).toEqual([
      'ClusterRole -/kn-ingress',
      'ClusterRoleBinding -/kn-ingress',
      'ConfigMap knative-system/config-istio',
      'Deployment kn-ops/kn-ingress',
      'Gateway knative-gateways/private-gateway',
      'Gateway knative-gateways/public-gateway',
      'Job kn-ops/kn-ingress-uninstall',
      'Namespace -/gw',
      'Namespace -/knative-system',
      'Role gw/kn-ingress-secret-copies',
      'Role kn-ops/kn-ingress-uninstall',
      'Role knative-system/kn-ingress-config',
      'Role leases/kn-ingress-leader-election',
      'RoleBinding gw/kn-ingress-secret-copies',
      'RoleBinding kn-ops/kn-ingress-uninstall',
      'RoleBinding knative-system/kn-ingress-config',
      'RoleBinding leases/kn-ingress-leader-election',
      'Service gw/private-gateway',
      'ServiceAccount kn-ops/kn-ingress-controller',
      'WasmPlugin gw/knative-key-auth',
      'WasmPlugin gw/knative-key-rate-limit',
    ]);
    for (const o of objs) expect(o.metadata.labels?.['team']).toBe('platform');
    expect(find(objs, 'ServiceAccount', 'kn-ingress-controller').metadata.annotations).toEqual({
      'example.com/role': 'ingress',
    });
  });

  test("Gateways and the local Service follow the Higress release's labels and ports", () => {
    expect(spec(find(objs, 'Gateway', 'public-gateway'))).toEqual({
      selector: { higress: 'gw-edge-gateway' },
      servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*.example.com'] }],
    });
    expect(spec(find(objs, 'Gateway', 'private-gateway'))).toMatchObject({ servers: [{ port: { number: 9081 } }] });
    const svc = find(objs, 'Service', 'private-gateway');
    expect(spec(svc)).toEqual({
      type: 'ClusterIP',
      selector: { app: 'edge-gateway', higress: 'gw-edge-gateway' },
      ports: [{ name: 'http2', port: 80, targetPort: 9081, protocol: 'TCP' }],
    });
    expect(svc.metadata.labels).toMatchObject({
      owner: 'knative',
      'experimental.istio.io/disable-gateway-port-translation': 'true',
    });
    expect(svc.metadata.annotations).toEqual({ 'example.com/note': 'cluster-local' });
  });

  test('config-istio names those Gateways and Services, and the operator parses it', () => {
    const parsed = parseIstioConfig(data(find(objs, 'ConfigMap', 'config-istio')), {
      systemNamespace: 'knative-system',
      clusterDomain: 'corp.local',
    });
    expect(parsed).toEqual({
      ok: true,
      value: {
        ingressGateways: [
          { namespace: 'knative-gateways', name: 'public-gateway', serviceURL: 'edge-gateway.gw.svc.corp.local' },
        ],
        localGateways: [
          { namespace: 'knative-gateways', name: 'private-gateway', serviceURL: 'private-gateway.gw.svc.corp.local' },
        ],
      },
    });
  });

  test('the Deployment carries every controller value', () => {
    const d = deploymentSpec(find(objs, 'Deployment', 'kn-ingress'));
    const pod = d.template.spec;
    const c = pod.containers[0]!;
    expect(d.replicas).toBe(2);
    expect(c.image).toBe('registry.example.com/net-higress:1.2.3');
    expect(c.imagePullPolicy).toBe('Always');
    expect(pod.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(pod.serviceAccountName).toBe('kn-ingress-controller');
    expect(pod.priorityClassName).toBe('system-cluster-critical');
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(d.template.metadata.labels['sidecar.example.com/inject']).toBe('false');
    expect(d.template.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true' });
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '1Gi' } });
    expect(c.ports?.map((p) => p.containerPort)).toEqual([19090, 18080]);
    const parsed = runOptionsOf(c, { name: 'kn-ingress-xyz' });
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.value).toMatchObject({
      ingressClass: 'higress.ingress.networking.knative.dev',
      systemNamespace: 'knative-system',
      clusterDomain: 'corp.local',
      workers: 8,
      metricsAddress: ':19090',
      healthAddress: ':18080',
      logLevel: 'debug',
      logFormat: 'text',
      leaderElect: true,
      leaderElectionNamespace: 'leases',
      leaderElectionId: 'kn-ingress-lease',
      readiness: 'probe',
      meshVirtualService: true,
      resyncPeriodSeconds: 0,
      qps: 20,
      tlsSecretNamespaces: ['certs', 'shared-tls'],
    });
  });

  test('RBAC follows the namespaces: Secret writes in gw, ConfigMaps in knative-system, the named Lease in leases', () => {
    const scope = {
      systemNamespace: 'knative-system',
      higressNamespace: 'gw',
      lease: { namespace: 'leases', name: 'kn-ingress-lease' },
    };
    expect(grantedTuples(objs.filter(notHook))).toEqual(neededTuples(operatorPermissions(scope)));
    for (const b of objs.filter((o) => o.kind.endsWith('Binding'))) {
      expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: 'kn-ingress-controller', namespace: 'kn-ops' }]);
    }
  });

  test("the WasmPlugins validate against Higress's WasmPlugin schema and target the service by route name and host", () => {
    const plugins = objs.filter((o) => o.kind === 'WasmPlugin');
    for (const p of plugins) expect(validateWasmPlugin(p, 'gw')).toEqual([]);
    const auth = spec(find(objs, 'WasmPlugin', 'knative-key-auth'));
    expect(auth.url).toBe('oci://registry.example.com/higress-plugins/key-auth:1.0.0');
    expect(auth.matchRules).toEqual([
      { ingress: ['shop/cart'], config: { allow: ['bob'] } },
      { domain: ['cart.shop.example.com'], config: { allow: ['bob'] } },
    ]);
    const limit = spec(find(objs, 'WasmPlugin', 'knative-key-rate-limit'));
    expect(limit.matchRules).toEqual([
      {
        ingress: ['shop/cart'],
        config: { limit_by_header: 'x-key', limit_keys: [{ key: 'alice-secret', query_per_hour: 100 }] },
      },
      {
        domain: ['cart.shop.example.com'],
        config: { limit_by_header: 'x-key', limit_keys: [{ key: 'alice-secret', query_per_hour: 100 }] },
      },
    ]);
  });
});

describe('other values', () => {
  test("the guide's WasmPlugins with the default target: route default/hello in higress-system; a domain rule only when asked for", () => {
    const objs = renderChart({
      values: { wasmPlugins: { keyAuth: { enabled: true }, keyRateLimit: { enabled: true } } },
    });
    const plugins = objs.filter((o) => o.kind === 'WasmPlugin');
    expect(plugins.map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual([
      'higress-system/knative-key-auth',
      'higress-system/knative-key-rate-limit',
    ]);
    for (const p of plugins) expect(validateWasmPlugin(p, 'higress-system')).toEqual([]);
    expect(spec(plugins[0]!)).toMatchObject({
      phase: 'AUTHN',
      defaultConfig: {
        global_auth: false,
        in_header: true,
        keys: ['x-api-key'],
        consumers: [
          { name: 'consumer1', credential: 'consumer1-key' },
          { name: 'consumer2', credential: 'consumer2-key' },
        ],
      },
      matchRules: [{ ingress: ['default/hello'], config: { allow: ['consumer2'] } }],
    });
    const withDomain = renderChart({
      values: { wasmPlugins: { keyAuth: { enabled: true }, target: { domains: ['hello.default.example.com'] } } },
    }).filter((o) => o.kind === 'WasmPlugin');
    expect(spec(withDomain[0]!).matchRules).toEqual([
      { ingress: ['default/hello'], config: { allow: ['consumer2'] } },
      { domain: ['hello.default.example.com'], config: { allow: ['consumer2'] } },
    ]);
  });

  test('gateways.selector replaces the derived selector; leader election off drops the Lease Role', () => {
    const objs = renderChart({
      values: { gateways: { selector: { app: 'my-gw' } }, controller: { leaderElection: { enabled: false } } },
    });
    expect(spec(find(objs, 'Gateway', 'knative-ingress-gateway')).selector).toEqual({ app: 'my-gw' });
    expect(objs.filter((o) => o.metadata.name.endsWith('leader-election'))).toEqual([]);
    const c = deploymentSpec(find(objs, 'Deployment', 'net-higress')).template.spec.containers[0]!;
    const parsed = runOptionsOf(c, { name: 'p' });
    expect(parsed.ok && parsed.value.leaderElect).toBe(false);
  });

  test('gates: nothing of the shared setup when gateways, local Service and config-istio are off', () => {
    const objs = renderChart({
      values: { gateways: { create: false }, localGatewayService: { create: false }, configIstio: { create: false } },
    });
    expect(objs.filter((o) => ['Gateway', 'Service', 'ConfigMap'].includes(o.kind))).toEqual([]);
  });

  test.each([
    [
      'replicas without leader election',
      { controller: { replicas: 2, leaderElection: { enabled: false } } },
      'controller.replicas > 1 needs controller.leaderElection.enabled',
    ],
    [
      'no gateway pod labels for the local Service',
      { higress: { gatewayPodLabels: null } },
      'higress.gatewayPodLabels must select the Higress gateway pods',
    ],
    [
      'no way to select the gateway pods',
      { higress: { gatewayPodLabels: null }, localGatewayService: { create: false } },
      'set higress.gatewayPodLabels or gateways.selector',
    ],
    [
      'no system namespace',
      { knative: { systemNamespace: '' } },
      "at '/knative/systemNamespace': '' does not match pattern",
    ],
  ])('refuses to render: %s', (_name, values, message) => {
    const res = helm(templateArgs({ values }));
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(message);
  });
});

describe('the WasmPlugin checks themselves', () => {
  const good = () =>
    renderChart({ values: { wasmPlugins: { keyAuth: { enabled: true } } } }).find((o) => o.kind === 'WasmPlugin')!;

  test.each([
    [
      'wrong namespace',
      (p: K8sObject) => {
        p.metadata.namespace = 'default';
      },
      'Higress only reads WasmPlugins in higress-system',
    ],
    [
      'rule without a matcher',
      (p: K8sObject) => {
        (spec(p).matchRules as unknown[]).push({ config: { allow: ['consumer2'] } });
      },
      'a rule needs ingress, domain or service',
    ],
    [
      'unknown spec field',
      (p: K8sObject) => {
        spec(p).selector = { higress: 'x' };
      },
      'Unrecognized key',
    ],
    [
      'allow names an unknown consumer',
      (p: K8sObject) => {
        (spec(p).matchRules as Array<{ config: { allow: string[] } }>)[0]!.config.allow = ['mallory'];
      },
      'unknown consumer mallory',
    ],
    [
      'pluginConfig hides matchRules',
      (p: K8sObject) => {
        spec(p).pluginConfig = { a: 1 };
      },
      'spec.pluginConfig',
    ],
    [
      'bad phase',
      (p: K8sObject) => {
        spec(p).phase = 'AUTH';
      },
      'spec.phase',
    ],
  ])('%s is reported', (_name, breakIt, message) => {
    const p = good();
    expect(validateWasmPlugin(p, 'higress-system')).toEqual([]);
    breakIt(p);
    expect(validateWasmPlugin(p, 'higress-system').join('\n')).toContain(message);
  });
});
