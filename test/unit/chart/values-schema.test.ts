// values.schema.json refuses mistakes at helm template/install time (not in the pod), and the values this
// chart added for shipping: the Higress namespace, the uninstall hook, the migration bridge, keepRoutes.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { parseUninstallArgs } from '../../../src/cli/uninstall.js';
import { helm, helmBinary, renderChart, templateArgs, type K8sObject } from '../../harness/helm.js';
import { deploymentSpec, find } from './render.js';

beforeAll(() => {
  helmBinary();
}, 20 * 60_000);

const refused = (values: Record<string, unknown>) => {
  const res = helm(templateArgs({ values }));
  expect(res.code).not.toBe(0);
  return res.stderr;
};

describe('values.schema.json', () => {
  test.each([
    [
      'readiness: probez',
      { controller: { readiness: 'probez' } },
      "at '/controller/readiness': value must be one of '', 'probe', 'written'",
    ],
    ['workers: 0', { controller: { workers: 0 } }, "at '/controller/workers': minimum: got 0, want 1"],
    ['workers: 65', { controller: { workers: 65 } }, "at '/controller/workers': maximum: got 65, want 64"],
    [
      'a non-numeric port',
      { controller: { metricsPort: 'metrics' } },
      "at '/controller/metricsPort': got string, want integer",
    ],
    [
      'a port out of range',
      { gateways: { ingress: { port: 70000 } } },
      "at '/gateways/ingress/port': maximum: got 70,000, want 65,535",
    ],
    [
      'a fractional port',
      { localGatewayService: { port: 80.5 } },
      "at '/localGatewayService/port': got number, want integer",
    ],
    [
      'an unknown log level',
      { controller: { logLevel: 'verbose' } },
      "at '/controller/logLevel': value must be one of",
    ],
    [
      'an unknown Service type',
      { localGatewayService: { type: 'External' } },
      "at '/localGatewayService/type': value must be one of",
    ],
    ['a namespace that is not a DNS label', { higress: { namespace: 'Higress_System' } }, "at '/higress/namespace'"],
    [
      'a negative resync period',
      { controller: { resyncPeriodSeconds: -1 } },
      "at '/controller/resyncPeriodSeconds': minimum",
    ],
    ['a string where a boolean goes', { rbac: { create: 'yes' } }, "at '/rbac/create': got string, want boolean"],
    [
      'a typo in a known object',
      { gateways: { ingres: { port: 80 } } },
      "at '/gateways': additional properties 'ingres' not allowed",
    ],
    [
      'an unknown servedBy',
      { gateways: { servedBy: 'istio' } },
      "at '/gateways/servedBy': value must be one of 'higress', 'any'",
    ],
    ['a digest that is not sha256', { controller: { image: { digest: 'latest' } } }, "at '/controller/image/digest'"],
  ])('refuses %s', (_what, values, message) => {
    expect(refused(values)).toContain(message);
  });

  test('the defaults and every documented value pass (helm template succeeds)', () => {
    expect(() =>
      renderChart({
        values: {
          higress: { createNamespace: false },
          knative: { createNamespace: false },
          gateways: { servedBy: 'any' },
          uninstall: { hook: false, keepRoutes: true, waitSeconds: 0 },
          controller: { readiness: 'written', workers: 64, metricsPort: 1, healthPort: 65535, replicas: 0 },
        },
      }),
    ).not.toThrow();
  });
});

describe('the Higress and Knative namespaces (installed before Higress or Knative)', () => {
  test('rendered (helm template cannot see that they exist), and kept on helm uninstall', () => {
    for (const name of ['higress-system', 'knative-serving']) {
      expect(find(renderChart(), 'Namespace', name).metadata.annotations).toEqual({
        'helm.sh/resource-policy': 'keep',
      });
    }
  });

  test('one Namespace when both are the same; none when asked not to', () => {
    expect(
      renderChart({ values: { knative: { systemNamespace: 'shared' }, higress: { namespace: 'shared' } } })
        .filter((o) => o.kind === 'Namespace')
        .map((o) => o.metadata.name),
    ).toEqual(['shared']);
    expect(
      renderChart({ values: { higress: { createNamespace: false }, knative: { createNamespace: false } } }).filter(
        (o) => o.kind === 'Namespace',
      ),
    ).toEqual([]);
  });
});

describe('migration bridge and keepRoutes', () => {
  test('gateways.servedBy=any: the shared Gateways have no selector (every gateway workload serves them)', () => {
    const objs = renderChart({ values: { gateways: { servedBy: 'any' } } });
    for (const name of ['knative-ingress-gateway', 'knative-local-gateway']) {
      const spec = find(objs, 'Gateway', name).spec as Record<string, unknown>;
      expect(spec).not.toHaveProperty('selector');
      expect(spec.servers).toHaveLength(1);
    }
  });

  test('uninstall.keepRoutes: Gateways, config-istio and the local Service outlive the release; the hook keeps routes', () => {
    const objs = renderChart({ values: { uninstall: { keepRoutes: true } } });
    for (const [kind, name] of [
      ['Gateway', 'knative-ingress-gateway'],
      ['Gateway', 'knative-local-gateway'],
      ['ConfigMap', 'config-istio'],
      ['Service', 'knative-local-gateway'],
    ]) {
      expect(find(objs, kind!, name!).metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    }
    expect(hookArgs(objs)).toContain('--keep-routes');
    const plain = renderChart();
    expect(find(plain, 'Gateway', 'knative-ingress-gateway').metadata.annotations).toBeUndefined();
    expect(hookArgs(plain)).not.toContain('--keep-routes');
  });
});

const hookArgs = (objs: K8sObject[], name = 'net-higress-uninstall') =>
  (find(objs, 'Job', name).spec as { template: { spec: { containers: Array<{ args: string[] }> } } }).template.spec
    .containers[0]!.args;

describe('the uninstall hook', () => {
  test('pre-delete, in weight order (its Role before the Job), deleted once it worked', () => {
    const objs = renderChart();
    const hooks = objs.filter((o) => o.metadata.annotations?.['helm.sh/hook']);
    expect(
      hooks.map((o) => `${o.kind}/${o.metadata.name} ${o.metadata.annotations?.['helm.sh/hook-weight']}`).sort(),
    ).toEqual([
      'Job/net-higress-uninstall 0',
      'Role/net-higress-uninstall -10',
      'RoleBinding/net-higress-uninstall -10',
    ]);
    for (const h of hooks) {
      expect(h.metadata.annotations).toMatchObject({
        'helm.sh/hook': 'pre-delete',
        'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
      });
    }
    expect(find(objs, 'Role', 'net-higress-uninstall').rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['net-higress'], verbs: ['get'] },
      { apiGroups: ['apps'], resources: ['deployments/scale'], resourceNames: ['net-higress'], verbs: ['patch'] },
    ]);
  });

  test("the Job runs `net-higress uninstall` with the controller's image, ServiceAccount and settings, and its parser accepts them", () => {
    const objs = renderChart({
      release: 'edge',
      namespace: 'ops',
      values: { knative: { ingressClass: 'x.ingress', systemNamespace: 'kn' }, higress: { namespace: 'gw' } },
    });
    const job = find(objs, 'Job', 'edge-net-higress-uninstall');
    const pod = (
      job.spec as {
        template: { spec: { serviceAccountName: string; restartPolicy: string; containers: Array<{ image: string }> } };
      }
    ).template.spec;
    const controller = deploymentSpec(find(objs, 'Deployment', 'edge-net-higress')).template.spec;
    expect(pod.serviceAccountName).toBe(controller.serviceAccountName);
    expect(pod.containers[0]!.image).toBe(controller.containers[0]!.image);
    expect(pod.restartPolicy).toBe('Never');
    const [command, ...argv] = hookArgs(objs, 'edge-net-higress-uninstall');
    expect(command).toBe('uninstall');
    expect(parseUninstallArgs(argv)).toEqual({
      ingressClass: 'x.ingress',
      systemNamespace: 'kn',
      higressNamespace: 'gw',
      clusterDomain: 'cluster.local',
      controller: { namespace: 'ops', name: 'edge-net-higress' },
      waitSeconds: 120,
      keepRoutes: false,
      dryRun: false,
      help: false,
    });
  });

  test('uninstall.hook=false: no Job and no extra Role', () => {
    const objs = renderChart({ values: { uninstall: { hook: false } } });
    expect(objs.filter((o) => o.metadata.name.endsWith('-uninstall'))).toEqual([]);
  });
});
