// `net-higress doctor` against the real API server: the chart installed with what Higress and Knative leave
// behind → every check passes; each way the guide's setup goes wrong → that check FAILs with its fix.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { runDoctorCommand, type DoctorDeps } from '../../../src/cli/doctor.js';
import { KubeDoctorCluster } from '../../../src/doctor/kube-cluster.js';
import type { CheckResult } from '../../../src/doctor/types.js';
import { RestClient } from '../../../src/kube/rest.js';
import { helmBinary } from '../../harness/helm.js';
import { kubeConfigForToken, testKubeconfigPath } from '../../harness/kube.js';
import { createWasmPlugin, ensureWasmPluginCRD, setDeploymentStatus } from './higress.js';
import {
  admin,
  installChart,
  runningPod,
  serviceAccountToken,
  simulateHigressAndKnative,
  type Install,
} from './install.js';

interface Run {
  code: number;
  ok: boolean;
  checks: CheckResult[];
  byId: Map<string, CheckResult>;
  stderr: string;
}

async function doctor(inst: Install, extra: string[] = [], deps: DoctorDeps = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runDoctorCommand(
    [
      '--kubeconfig',
      testKubeconfigPath(),
      '--system-namespace',
      inst.systemNamespace,
      '--ingress-class',
      inst.ingressClass,
      '--higress-namespace',
      inst.higressNamespace,
      '--service-account',
      `${inst.releaseNamespace}/${inst.fullname}`,
      '--lease-name',
      inst.leaseName,
      '-o',
      'json',
      ...extra,
    ],
    {
      stdout: (s) => {
        stdout += s;
      },
      stderr: (s) => {
        stderr += s;
      },
      readStdin: () => '',
    },
    deps,
  );
  const report = JSON.parse(stdout) as { ok: boolean; checks: CheckResult[] };
  return { code, ok: report.ok, checks: report.checks, byId: new Map(report.checks.map((c) => [c.id, c])), stderr };
}

const ids = (inst: Install) => [
  'crd/ingresses.networking.internal.knative.dev',
  'crd/virtualservices.networking.istio.io',
  'crd/gateways.networking.istio.io',
  'controller/deployment',
  'config-network/ingress-class',
  'config-istio',
  `gateway/${inst.systemNamespace}/knative-ingress-gateway`,
  `gateway/${inst.systemNamespace}/knative-local-gateway`,
  'local-gateway-service',
  'higress/istio-api',
  'higress/wasmplugins',
  'rbac',
];

const failing = (run: Run) => run.checks.filter((c) => c.status !== 'PASS').map((c) => c.id);
const check = (run: Run, id: string): CheckResult => {
  const c = run.byId.get(id);
  if (!c) throw new Error(`no check ${id} in ${[...run.byId.keys()].join(', ')}`);
  return c;
};

/**
 * A fresh, complete setup: the chart plus what Higress and Knative Serving install, the controller Available,
 * one KIngress of the class and the guide's key-auth targeting it by route.
 */
async function goodSetup(): Promise<Install> {
  const inst = await installChart();
  await simulateHigressAndKnative(inst);
  await setDeploymentStatus(inst, true);
  await admin.request({
    method: 'POST',
    path: `/apis/networking.internal.knative.dev/v1alpha1/namespaces/${inst.releaseNamespace}/ingresses`,
    body: {
      apiVersion: 'networking.internal.knative.dev/v1alpha1',
      kind: 'Ingress',
      metadata: {
        name: 'hello',
        namespace: inst.releaseNamespace,
        annotations: { 'networking.knative.dev/ingress.class': inst.ingressClass },
      },
      spec: {
        rules: [
          {
            hosts: [host(inst)],
            visibility: 'ExternalIP',
            http: {
              paths: [
                {
                  splits: [
                    {
                      serviceName: 'hello-00001',
                      serviceNamespace: inst.releaseNamespace,
                      servicePort: 80,
                      percent: 100,
                    },
                  ],
                },
              ],
            },
          },
        ],
      },
    },
  });
  await createWasmPlugin(
    inst.higressNamespace,
    'key-auth',
    keyAuth({ global_auth: false }, [
      { ingress: [`${inst.releaseNamespace}/hello`], config: { allow: ['consumer2'] } },
    ]),
  );
  return inst;
}

const host = (inst: Install) => `hello.${inst.releaseNamespace}.example.com`;
const keyAuth = (global: Record<string, unknown>, matchRules: unknown[]) => ({
  url: 'oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/key-auth:1.0.0',
  phase: 'AUTHN',
  priority: 310,
  defaultConfig: {
    ...global,
    in_header: true,
    keys: ['x-api-key'],
    consumers: [{ name: 'consumer2', credential: 'consumer2-key' }],
  },
  matchRules,
});

const patch = (path: string, body: unknown) =>
  admin.request({ method: 'PATCH', path, contentType: 'application/merge-patch+json', body });

let good: Install;
beforeAll(async () => {
  helmBinary();
  await ensureWasmPluginCRD();
  good = await goodSetup();
}, 20 * 60_000);

describe('a good setup', () => {
  test('every check passes and the exit code is 0', async () => {
    const run = await doctor(good);
    expect(run.checks.map((c) => c.id)).toEqual(ids(good));
    expect(run.checks.filter((c) => c.status !== 'PASS')).toEqual([]);
    expect({ code: run.code, ok: run.ok }).toEqual({ code: 0, ok: true });
    expect(check(run, 'crd/virtualservices.networking.istio.io').detail).toMatch(/served versions: .*v1beta1/);
    expect(check(run, `gateway/${good.systemNamespace}/knative-ingress-gateway`).detail).toBe(
      `selector higress=higress-system-higress-gateway matches 2 running pods in ${good.higressNamespace}`,
    );
    expect(check(run, 'local-gateway-service').detail).toBe(
      `Service ${good.higressNamespace}/knative-local-gateway (ClusterIP) 80→8081, 2 running pods`,
    );
    expect(check(run, 'rbac').detail).toMatch(
      new RegExp(
        `^ServiceAccount ${good.releaseNamespace}/${good.fullname}: all \\d+ permissions net-higress uses are granted$`,
      ),
    );
    expect(check(run, 'controller/deployment').detail).toBe(
      `Deployment ${good.releaseNamespace}/${good.fullname} Available, 1/1 replicas ready`,
    );
    expect(check(run, 'higress/wasmplugins').detail).toBe(
      `1 WasmPlugin in ${good.higressNamespace}, none applies to Knative probes of 1 KIngress`,
    );
  });

  test('the text table shows every check', async () => {
    let out = '';
    const code = await runDoctorCommand(
      [
        '--kubeconfig',
        testKubeconfigPath(),
        '--system-namespace',
        good.systemNamespace,
        '--ingress-class',
        good.ingressClass,
        '--higress-namespace',
        good.higressNamespace,
        '--service-account',
        `${good.releaseNamespace}/${good.fullname}`,
        '--lease-name',
        good.leaseName,
      ],
      {
        stdout: (s) => {
          out += s;
        },
        stderr: () => undefined,
        readStdin: () => '',
      },
    );
    expect(code).toBe(0);
    expect(out.split('\n')[0]).toMatch(/^CHECK +RESULT +DETAIL$/);
    for (const id of ids(good))
      expect(out).toMatch(new RegExp(`^${id.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} +PASS +\\S`, 'm'));
    expect(out).toContain('12 checks: 12 passed, 0 failed, 0 skipped');
  });

  test('the ServiceAccount checks its own RBAC with --service-account=self, and is told what else it cannot read', async () => {
    const token = await serviceAccountToken(good);
    const rest = new RestClient(kubeConfigForToken(token));
    try {
      const run = await doctor(good, ['--service-account', 'self', '--lease-namespace', good.releaseNamespace], {
        cluster: () => new KubeDoctorCluster(rest),
      });
      expect(check(run, 'rbac')).toMatchObject({
        status: 'PASS',
        detail: expect.stringMatching(/^these credentials: all \d+ permissions net-higress uses are granted$/),
      });
      // It may not list Pods (it never needs to): the selector check cannot pass and says why.
      const gw = check(run, `gateway/${good.systemNamespace}/knative-ingress-gateway`);
      expect(gw.status).toBe('FAIL');
      expect(gw.detail).toContain(`cannot read Pods in ${good.higressNamespace}: 403`);
      expect(gw.fix).toContain('credentials that may read Pods');
      expect(run.code).toBe(1);
    } finally {
      rest.close();
    }
  });
});

describe('each broken setup fails its check, with the fix', () => {
  test('missing CRD (or a version not served): only that check fails', async () => {
    const run = await doctor(good, [], {
      crds: [
        {
          group: 'widgets.example.dev',
          version: 'v1',
          plural: 'widgets',
          kind: 'Widget',
          install: 'kubectl apply -f widgets-crd.yaml',
        },
        {
          group: 'networking.istio.io',
          version: 'v1alpha9',
          plural: 'sidecars',
          kind: 'Sidecar',
          install: 'helm upgrade istio-base',
        },
      ],
    });
    expect(failing(run)).toEqual(['crd/widgets.widgets.example.dev', 'crd/sidecars.networking.istio.io']);
    expect(check(run, 'crd/widgets.widgets.example.dev')).toEqual({
      id: 'crd/widgets.widgets.example.dev',
      status: 'FAIL',
      detail: 'API group widgets.example.dev is not served (no Widget CRD)',
      fix: 'kubectl apply -f widgets-crd.yaml',
    });
    expect(check(run, 'crd/sidecars.networking.istio.io').detail).toMatch(
      /^served versions: .*v1beta1.*; net-higress uses networking.istio.io\/v1alpha9$/,
    );
    expect(run.code).toBe(1);
  });

  test("wrong Gateway selector: no running pod matches, the pods' labels are shown", async () => {
    const inst = await goodSetup();
    await patch(
      `/apis/networking.istio.io/v1beta1/namespaces/${inst.systemNamespace}/gateways/knative-ingress-gateway`,
      { spec: { selector: { higress: 'higress-system-gateway' } } },
    );
    const run = await doctor(inst);
    const id = `gateway/${inst.systemNamespace}/knative-ingress-gateway`;
    expect(failing(run)).toEqual([id]);
    expect(check(run, id).detail).toBe(
      `selector higress=higress-system-gateway matches no running pod in ${inst.higressNamespace} (0 matching, none Running)` +
        '; running pods there have labels app=higress-gateway,higress=higress-system-higress-gateway',
    );
    expect(check(run, id).fix).toContain('higress.gatewayPodLabels / gateways.selector');
    expect(run.code).toBe(1);
  });

  test('gateway pods not running (Pending, no kubelet): both Gateways and the local Service fail; the fix is about the pod', async () => {
    const inst = await installChart();
    await simulateHigressAndKnative(inst, { pods: 0 });
    await setDeploymentStatus(inst, true);
    await runningPod(
      inst.higressNamespace,
      'higress-gateway-pending',
      { app: 'higress-gateway', higress: 'higress-system-higress-gateway' },
      'Pending',
    );
    const run = await doctor(inst);
    expect(failing(run)).toEqual([
      `gateway/${inst.systemNamespace}/knative-ingress-gateway`,
      `gateway/${inst.systemNamespace}/knative-local-gateway`,
      'local-gateway-service',
    ]);
    const podFix = `kubectl -n ${inst.higressNamespace} describe pod higress-gateway-pending (its Events say why it does not run: scheduling, image pull, resources)`;
    expect(check(run, `gateway/${inst.systemNamespace}/knative-local-gateway`)).toMatchObject({
      detail: `selector higress=higress-system-higress-gateway matches 1 pod in ${inst.higressNamespace}, none Running: higress-gateway-pending (Pending)`,
      fix: podFix,
    });
    expect(check(run, 'local-gateway-service').fix).toBe(podFix);
    for (const c of run.checks) expect(c.fix ?? '').not.toMatch(/selector|gatewayPodLabels/);
  });

  test('the controller Deployment not Available: FAIL with its condition; the fix is about its pods', async () => {
    const inst = await goodSetup();
    await setDeploymentStatus(inst, false);
    const run = await doctor(inst);
    expect(failing(run)).toEqual(['controller/deployment']);
    expect(check(run, 'controller/deployment')).toEqual({
      id: 'controller/deployment',
      status: 'FAIL',
      detail: `Deployment ${inst.releaseNamespace}/${inst.fullname} is not Available (MinimumReplicasUnavailable: Deployment does not have minimum availability.), 0/1 replicas ready`,
      fix:
        `kubectl -n ${inst.releaseNamespace} describe pods -l app.kubernetes.io/component=controller,app.kubernetes.io/instance=${inst.release},app.kubernetes.io/name=net-higress ` +
        `(why its pods are not ready), then kubectl -n ${inst.releaseNamespace} logs deployment/${inst.fullname}`,
    });
    await admin.request({
      method: 'DELETE',
      path: `/apis/apps/v1/namespaces/${inst.releaseNamespace}/deployments/${inst.fullname}`,
    });
    expect(check(await doctor(inst), 'controller/deployment').detail).toBe(
      `no Deployment in ${inst.releaseNamespace} runs as ServiceAccount ${inst.releaseNamespace}/${inst.fullname}: no controller reconciles KIngresses`,
    );
  });

  test('a WasmPlugin rule by domain on a KIngress host: FAIL naming the rule to use instead; fixed → PASS', async () => {
    const inst = await goodSetup();
    await createWasmPlugin(
      inst.higressNamespace,
      'guide-key-auth',
      keyAuth({ global_auth: false }, [{ domain: [host(inst)], config: { allow: ['consumer2'] } }]),
    );
    let run = await doctor(inst);
    expect(failing(run)).toEqual(['higress/wasmplugins']);
    expect(check(run, 'higress/wasmplugins')).toEqual({
      id: 'higress/wasmplugins',
      status: 'FAIL',
      detail: `1 WasmPlugin rule in ${inst.higressNamespace} would answer Knative probes: guide-key-auth: matchRules[0] domain ${host(inst)} matches the host of ${inst.releaseNamespace}/hello, so Knative probes get it too`,
      fix: `in WasmPlugin guide-key-auth replace matchRules[0] domain [${host(inst)}] with ingress [${inst.releaseNamespace}/hello] (probe routes are named knative-probe/<ns>/<name>, no ingress rule matches them)`,
    });
    expect(run.code).toBe(1);
    await patch(`/apis/extensions.higress.io/v1alpha1/namespaces/${inst.higressNamespace}/wasmplugins/guide-key-auth`, {
      spec: { matchRules: [{ ingress: [`${inst.releaseNamespace}/hello`], config: { allow: ['consumer2'] } }] },
    });
    run = await doctor(inst);
    expect(check(run, 'higress/wasmplugins').status).toBe('PASS');
    expect(run.code).toBe(0);
  });

  test("key-auth authenticating every route (global_auth: true), a rule on the revision's Service: FAIL; a WasmPlugin outside the Higress namespace is ignored", async () => {
    const inst = await goodSetup();
    const revision = `hello-00001.${inst.releaseNamespace}.svc.cluster.local`;
    await createWasmPlugin(inst.higressNamespace, 'everything', keyAuth({ global_auth: true }, []));
    await createWasmPlugin(
      inst.higressNamespace,
      'by-service',
      keyAuth({ global_auth: false }, [{ service: [`${revision}:80`], config: { allow: ['consumer2'] } }]),
    );
    await createWasmPlugin(
      inst.releaseNamespace,
      'elsewhere',
      keyAuth({}, [{ domain: [host(inst)], config: { allow: ['consumer2'] } }]),
    );
    const run = await doctor(inst);
    expect(failing(run)).toEqual(['higress/wasmplugins']);
    expect(check(run, 'higress/wasmplugins').detail).toBe(
      `2 WasmPlugin rules in ${inst.higressNamespace} would answer Knative probes: ` +
        `by-service: matchRules[0] service ${revision}:80 is a backend of ${inst.releaseNamespace}/hello, so Knative probes get it too; ` +
        'everything: key-auth authenticates every route (global_auth: true), Knative probe routes too',
    );
    expect(check(run, 'higress/wasmplugins').fix).toContain(
      `in WasmPlugin everything set defaultConfig.global_auth: false and name each protected service in matchRules[].ingress (e.g. ingress [${inst.releaseNamespace}/hello])`,
    );
  });

  test('a setup not made by the chart: the fixes say what to edit, never a chart value', async () => {
    const inst = await goodSetup();
    const unlabel = { metadata: { labels: { 'helm.sh/chart': null, 'app.kubernetes.io/managed-by': null } } };
    await patch(`/apis/apps/v1/namespaces/${inst.releaseNamespace}/deployments/${inst.fullname}`, unlabel);
    await patch(
      `/apis/networking.istio.io/v1beta1/namespaces/${inst.systemNamespace}/gateways/knative-ingress-gateway`,
      { ...unlabel, spec: { selector: { higress: 'elsewhere' } } },
    );
    await patch(`/api/v1/namespaces/${inst.higressNamespace}/services/knative-local-gateway`, {
      ...unlabel,
      spec: { selector: { app: 'elsewhere' } },
    });
    await patch(`/api/v1/namespaces/${inst.systemNamespace}/configmaps/config-network`, {
      data: { 'ingress-class': 'kourier.ingress.networking.knative.dev' },
    });
    const run = await doctor(inst, ['--service-account', `${inst.releaseNamespace}/${inst.fullname}`]);
    expect(failing(run)).toEqual([
      'config-network/ingress-class',
      `gateway/${inst.systemNamespace}/knative-ingress-gateway`,
      'local-gateway-service',
    ]);
    for (const c of run.checks)
      expect(c.fix ?? '').not.toMatch(/chart value|--set |\.create=true|gatewayPodLabels|gateways\.selector/);
    expect(check(run, `gateway/${inst.systemNamespace}/knative-ingress-gateway`).fix).toBe(
      `kubectl edit gateway knative-ingress-gateway -n ${inst.systemNamespace}: set spec.selector to labels of the Higress gateway pods (kubectl get pods -n ${inst.higressNamespace} --show-labels); or pass --higress-namespace`,
    );
    expect(check(run, 'local-gateway-service').fix).toBe(
      `kubectl edit service knative-local-gateway -n ${inst.higressNamespace}: set spec.selector to the Higress gateway pod labels`,
    );
    expect(check(run, 'config-network/ingress-class').fix).toContain(
      '(or run net-higress with --ingress-class=kourier.ingress.networking.knative.dev)',
    );
  });

  test('wrong ingress-class in config-network', async () => {
    const inst = await goodSetup();
    await patch(`/api/v1/namespaces/${inst.systemNamespace}/configmaps/config-network`, {
      data: { 'ingress-class': 'kourier.ingress.networking.knative.dev' },
    });
    const run = await doctor(inst);
    expect(failing(run)).toEqual(['config-network/ingress-class']);
    expect(check(run, 'config-network/ingress-class')).toEqual({
      id: 'config-network/ingress-class',
      status: 'FAIL',
      detail: `ingress-class is "kourier.ingress.networking.knative.dev"; net-higress reconciles "${inst.ingressClass}"`,
      fix:
        `kubectl patch configmap config-network -n ${inst.systemNamespace} --type merge -p '{"data":{"ingress-class":"${inst.ingressClass}"}}'` +
        ' (or install net-higress with --set knative.ingressClass=kourier.ingress.networking.knative.dev)',
    });
  });

  test('missing local-gateway Service: cluster-local hosts unreachable, config-istio names a missing Service', async () => {
    const inst = await goodSetup();
    await admin.request({
      method: 'DELETE',
      path: `/api/v1/namespaces/${inst.higressNamespace}/services/knative-local-gateway`,
    });
    const run = await doctor(inst);
    expect(failing(run)).toEqual(['config-istio', 'local-gateway-service']);
    expect(check(run, 'local-gateway-service').detail).toBe(
      `Service ${inst.higressNamespace}/knative-local-gateway not found: cluster-local hosts are unreachable`,
    );
    expect(check(run, 'local-gateway-service').fix).toContain('localGatewayService.create=true');
    expect(check(run, 'config-istio').detail).toContain(
      `Service not found: ${inst.higressNamespace}/knative-local-gateway (local gateway ${inst.systemNamespace}/knative-local-gateway)`,
    );
  });

  test('local-gateway Service with the wrong target port, then without the port-translation label', async () => {
    const inst = await goodSetup();
    const svc = `/api/v1/namespaces/${inst.higressNamespace}/services/knative-local-gateway`;
    await patch(svc, { spec: { ports: [{ name: 'http2', port: 80, targetPort: 8080, protocol: 'TCP' }] } });
    let run = await doctor(inst);
    expect(failing(run)).toEqual(['local-gateway-service']);
    expect(check(run, 'local-gateway-service').detail).toBe(
      `Service ${inst.higressNamespace}/knative-local-gateway ports [80→8080]; need 80→8081`,
    );
    await patch(svc, {
      metadata: { labels: { 'experimental.istio.io/disable-gateway-port-translation': null } },
      spec: { ports: [{ name: 'http2', port: 80, targetPort: 8081, protocol: 'TCP' }] },
    });
    run = await doctor(inst);
    expect(failing(run)).toEqual(['local-gateway-service']);
    expect(check(run, 'local-gateway-service').fix).toBe(
      `kubectl label service knative-local-gateway -n ${inst.higressNamespace} experimental.istio.io/disable-gateway-port-translation=true`,
    );
  });

  test('missing RBAC: a ServiceAccount without bindings lacks everything', async () => {
    const run = await doctor(good, ['--service-account', `${good.releaseNamespace}/nobody`]);
    // No controller runs as that ServiceAccount either.
    expect(failing(run)).toEqual(['controller/deployment', 'rbac']);
    expect(check(run, 'controller/deployment').detail).toBe(
      `no Deployment in ${good.releaseNamespace} runs as ServiceAccount ${good.releaseNamespace}/nobody: no controller reconciles KIngresses`,
    );
    const rbac = check(run, 'rbac');
    expect(rbac.detail).toMatch(
      new RegExp(
        `^ServiceAccount ${good.releaseNamespace}/nobody: (\\d+) of \\1 permissions missing: get ingresses.networking.internal.knative.dev \\(all namespaces\\)`,
      ),
    );
    expect(rbac.fix).toContain('rbac.create=true');
  });

  test('missing RBAC: without the Higress-namespace Role binding, exactly the Secret copy writes are missing', async () => {
    const inst = await goodSetup();
    await admin.request({
      method: 'DELETE',
      path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${inst.higressNamespace}/rolebindings/${inst.fullname}-secret-copies`,
    });
    const run = await doctor(inst);
    expect(failing(run)).toEqual(['rbac']);
    expect(check(run, 'rbac').detail).toMatch(
      new RegExp(
        `: 3 of \\d+ permissions missing: create secrets in ${inst.higressNamespace} \\[TLS Secret copies for the gateway\\]; ` +
          `update secrets in ${inst.higressNamespace} \\[.*\\]; delete secrets in ${inst.higressNamespace} \\[.*\\]$`,
      ),
    );
  });

  test('Higress without the Istio API (no k8s:// config source) fails; no Higress config to read is a SKIP, not a failure', async () => {
    const inst = await goodSetup();
    const cm = `/api/v1/namespaces/${inst.higressNamespace}/configmaps/higress-config`;
    await patch(cm, { data: { mesh: 'configSources:\n- address: xds://127.0.0.1:15051\n' } });
    let run = await doctor(inst);
    expect(failing(run)).toEqual(['higress/istio-api']);
    expect(check(run, 'higress/istio-api').fix).toBe(
      `helm upgrade higress higress.io/higress -n ${inst.higressNamespace} --reuse-values --set global.enableIstioAPI=true`,
    );
    await admin.request({ method: 'DELETE', path: cm });
    run = await doctor(inst);
    expect(check(run, 'higress/istio-api').status).toBe('SKIP');
    expect(run.code).toBe(0);
  });

  test("invalid config-istio: named with the parser's error; the Gateway checks cannot run", async () => {
    const inst = await goodSetup();
    await patch(`/api/v1/namespaces/${inst.systemNamespace}/configmaps/config-istio`, {
      data: { 'external-gateways': 'notYAML' },
    });
    const run = await doctor(inst);
    expect(failing(run)).toEqual(['config-istio', 'local-gateway-service']);
    expect(check(run, 'config-istio').detail).toContain(
      `${inst.systemNamespace}/config-istio is invalid: failed to parse configmap: failed to parse "external-gateways" gateways`,
    );
    expect(run.checks.some((c) => c.id.startsWith('gateway/'))).toBe(false);
  });
});
