// Smoke test of the test control plane: real kube-apiserver + etcd with the upstream CRDs
// (Knative KIngress, Istio networking), RBAC and TokenRequest.
import { beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { apiErrorCode, createTestNamespace, kubeConfigForToken, testKubeConfig } from '../harness/kube.js';

const KNATIVE = { group: 'networking.internal.knative.dev', version: 'v1alpha1', plural: 'ingresses' } as const;
const VS = { group: 'networking.istio.io', version: 'v1beta1', plural: 'virtualservices' } as const;
const GW = { group: 'networking.istio.io', version: 'v1beta1', plural: 'gateways' } as const;

type Obj = Record<string, unknown> & { metadata?: k8s.V1ObjectMeta };

async function expectApiError(p: Promise<unknown>, code: number): Promise<k8s.ApiException<unknown>> {
  try {
    await p;
  } catch (e) {
    expect(apiErrorCode(e)).toBe(code);
    return e as k8s.ApiException<unknown>;
  }
  throw new Error(`expected the API call to fail with HTTP ${code}, but it succeeded`);
}

describe('test control plane', () => {
  let kc: k8s.KubeConfig;
  let custom: k8s.CustomObjectsApi;
  let core: k8s.CoreV1Api;
  let ns: string;

  beforeAll(async () => {
    kc = testKubeConfig();
    custom = kc.makeApiClient(k8s.CustomObjectsApi);
    core = kc.makeApiClient(k8s.CoreV1Api);
    ns = await createTestNamespace('cp-smoke', kc);
  });

  it('talks to 127.0.0.1 over verified TLS as a system:masters admin', async () => {
    const server = kc.getCurrentCluster()?.server ?? '';
    expect(server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(kc.getCurrentCluster()?.skipTLSVerify).toBeFalsy();
    const review = await kc.makeApiClient(k8s.AuthenticationV1Api).createSelfSubjectReview({
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    expect(review.status?.userInfo?.username).toBe('admin');
    expect(review.status?.userInfo?.groups).toContain('system:masters');
    const version = await kc.makeApiClient(k8s.VersionApi).getCode();
    expect(version.major).toBe('1');
    expect(Number(version.minor)).toBeGreaterThanOrEqual(31);
  });

  it('serves the upstream CRDs as Established', async () => {
    const crds = kc.makeApiClient(k8s.ApiextensionsV1Api);
    for (const name of [
      'ingresses.networking.internal.knative.dev',
      'virtualservices.networking.istio.io',
      'gateways.networking.istio.io',
      'destinationrules.networking.istio.io',
    ]) {
      const crd = await crds.readCustomResourceDefinition({ name });
      const established = crd.status?.conditions?.find((c) => c.type === 'Established');
      expect({ name, established: established?.status }).toEqual({ name, established: 'True' });
    }
  });

  it('stores and returns a KIngress with a rule and a traffic split', async () => {
    const body: Obj = {
      apiVersion: `${KNATIVE.group}/${KNATIVE.version}`,
      kind: 'Ingress',
      metadata: {
        name: 'hello',
        namespace: ns,
        annotations: { 'networking.knative.dev/ingress.class': 'higress.ingress.networking.knative.dev' },
      },
      spec: {
        httpOption: 'Enabled',
        rules: [
          {
            hosts: ['hello.example.com', `hello.${ns}.svc.cluster.local`],
            visibility: 'ExternalIP',
            http: {
              paths: [
                {
                  splits: [
                    {
                      serviceName: 'hello-00001',
                      serviceNamespace: ns,
                      servicePort: 80,
                      percent: 90,
                      appendHeaders: { 'Knative-Serving-Revision': 'hello-00001' },
                    },
                    { serviceName: 'hello-00002', serviceNamespace: ns, servicePort: 80, percent: 10 },
                  ],
                },
              ],
            },
          },
        ],
      },
    };
    const created = (await custom.createNamespacedCustomObject({ ...KNATIVE, namespace: ns, body })) as Obj;
    expect(created.metadata?.uid).toBeTruthy();
    expect(created.metadata?.generation).toBe(1);

    const got = (await custom.getNamespacedCustomObject({ ...KNATIVE, namespace: ns, name: 'hello' })) as Obj;
    const spec = got.spec as {
      rules: {
        hosts: string[];
        visibility: string;
        http: { paths: { splits: { serviceName: string; percent: number; servicePort: number }[] }[] };
      }[];
    };
    expect(spec.rules).toHaveLength(1);
    expect(spec.rules[0]?.hosts).toEqual(['hello.example.com', `hello.${ns}.svc.cluster.local`]);
    expect(spec.rules[0]?.visibility).toBe('ExternalIP');
    const splits = spec.rules[0]?.http.paths[0]?.splits ?? [];
    expect(splits.map((s) => [s.serviceName, s.percent, s.servicePort])).toEqual([
      ['hello-00001', 90, 80],
      ['hello-00002', 10, 80],
    ]);

    // The status subresource is enabled: a status update through /status is stored.
    const withStatus = {
      ...got,
      status: { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'Unknown', reason: 'Testing' }] },
    };
    const updated = (await custom.replaceNamespacedCustomObjectStatus({
      ...KNATIVE,
      namespace: ns,
      name: 'hello',
      body: withStatus,
    })) as Obj;
    expect((updated.status as { observedGeneration?: number }).observedGeneration).toBe(1);
  });

  it('stores a VirtualService and a Gateway, and prunes unknown spec fields', async () => {
    const gw: Obj = {
      apiVersion: `${GW.group}/${GW.version}`,
      kind: 'Gateway',
      metadata: { name: 'knative-ingress-gateway', namespace: ns },
      spec: {
        selector: { istio: 'ingressgateway' },
        servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }],
      },
    };
    await custom.createNamespacedCustomObject({ ...GW, namespace: ns, body: gw });
    const gotGw = (await custom.getNamespacedCustomObject({
      ...GW,
      namespace: ns,
      name: 'knative-ingress-gateway',
    })) as Obj;
    expect((gotGw.spec as { servers: { port: { number: number } }[] }).servers[0]?.port.number).toBe(80);

    const vs: Obj = {
      apiVersion: `${VS.group}/${VS.version}`,
      kind: 'VirtualService',
      metadata: { name: 'hello-ingress', namespace: ns },
      spec: {
        hosts: ['hello.example.com'],
        gateways: [`${ns}/knative-ingress-gateway`],
        notARealField: 'must be pruned',
        http: [
          {
            match: [{ authority: { prefix: 'hello.example.com' }, gateways: [`${ns}/knative-ingress-gateway`] }],
            route: [
              { destination: { host: `hello-00001.${ns}.svc.cluster.local`, port: { number: 80 } }, weight: 90 },
              { destination: { host: `hello-00002.${ns}.svc.cluster.local`, port: { number: 80 } }, weight: 10 },
            ],
            retries: { attempts: 3, perTryTimeout: '10s' },
          },
        ],
      },
    };
    await custom.createNamespacedCustomObject({ ...VS, namespace: ns, body: vs });
    const gotVs = (await custom.getNamespacedCustomObject({ ...VS, namespace: ns, name: 'hello-ingress' })) as Obj;
    const spec = gotVs.spec as Record<string, unknown> & {
      http: { route: { weight: number }[]; retries: { attempts: number } }[];
    };
    expect(spec.http[0]?.route.map((r) => r.weight)).toEqual([90, 10]);
    expect(spec.http[0]?.retries.attempts).toBe(3);
    expect(spec).not.toHaveProperty('notARealField');
  });

  it('rejects a VirtualService that violates the Istio CRD schema with 422', async () => {
    const bad: Obj = {
      apiVersion: `${VS.group}/${VS.version}`,
      kind: 'VirtualService',
      metadata: { name: 'invalid', namespace: ns },
      spec: {
        hosts: ['bad.example.com'],
        http: [{ route: [{ destination: { host: 'x' } }], retries: { attempts: 'x' } }],
      },
    };
    const err = await expectApiError(custom.createNamespacedCustomObject({ ...VS, namespace: ns, body: bad }), 422);
    expect(String(err.body)).toContain('spec.http[0].retries.attempts');
    await expectApiError(custom.getNamespacedCustomObject({ ...VS, namespace: ns, name: 'invalid' }), 404);
  });

  it('mints a ServiceAccount token with TokenRequest, and RBAC denies that account', async () => {
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'nobody' } } });
    const tr = await core.createNamespacedServiceAccountToken({
      name: 'nobody',
      namespace: ns,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const token = tr.status?.token;
    expect(token).toBeTruthy();

    const saKc = kubeConfigForToken(token as string, kc);
    const review = await saKc.makeApiClient(k8s.AuthenticationV1Api).createSelfSubjectReview({
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    expect(review.status?.userInfo?.username).toBe(`system:serviceaccount:${ns}:nobody`);

    const access = await saKc.makeApiClient(k8s.AuthorizationV1Api).createSelfSubjectAccessReview({
      body: { spec: { resourceAttributes: { verb: 'list', resource: 'secrets', namespace: ns } } },
    });
    expect(access.status?.allowed).toBe(false);
    await expectApiError(saKc.makeApiClient(k8s.CoreV1Api).listNamespacedSecret({ namespace: ns }), 403);

    // The admin can do what the ServiceAccount cannot.
    const secrets = await core.listNamespacedSecret({ namespace: ns });
    expect(Array.isArray(secrets.items)).toBe(true);

    // A garbage token is rejected with 401.
    await expectApiError(
      kubeConfigForToken('not-a-token', kc).makeApiClient(k8s.CoreV1Api).listNamespacedSecret({ namespace: ns }),
      401,
    );
  });
});
