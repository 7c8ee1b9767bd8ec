// The chart installed on the test API server the way `helm install` would create it (every rendered object,
// nothing skipped), with its own namespaces, class and cluster-scoped names so that test files running in
// parallel never meet; plus what Higress and Knative Serving would have put there.
import * as k8s from '@kubernetes/client-node';
import { RestClient } from '../../../src/kube/rest.js';
import { renderChart, type K8sObject } from '../../harness/helm.js';
import { createTestNamespace, testKubeConfig, uniqueName } from '../../harness/kube.js';

export const GATEWAY_POD_LABELS = { app: 'higress-gateway', higress: 'higress-system-higress-gateway' };

export interface Install {
  release: string;
  /** Where the controller, its ServiceAccount and (by default) its Lease live. */
  releaseNamespace: string;
  systemNamespace: string;
  higressNamespace: string;
  ingressClass: string;
  /** Name of the ServiceAccount, Deployment and ClusterRole. */
  fullname: string;
  leaseName: string;
  objects: K8sObject[];
}

export const admin = new RestClient(testKubeConfig());
const objectsApi = k8s.KubernetesObjectApi.makeApiClient(testKubeConfig());

/** Renders the chart for fresh namespaces and creates every object as an admin would with helm. */
export async function installChart(
  opts: { ingressClass?: string; values?: Record<string, unknown> } = {},
): Promise<Install> {
  const [releaseNamespace, systemNamespace, higressNamespace] = await Promise.all(
    ['net-higress', 'knative-serving', 'higress-system'].map((p) => createTestNamespace(p)),
  );
  const release = uniqueName('nh');
  const ingressClass = opts.ingressClass ?? `${uniqueName('chart')}.ingress.networking.knative.dev`;
  const leaseName = uniqueName('lease');
  const objects = renderChart({
    release,
    namespace: releaseNamespace!,
    values: deepMerge(
      {
        // Created above, as Higress and Knative would have; the chart's Namespaces are for installs before them.
        knative: { systemNamespace, ingressClass, createNamespace: false },
        higress: { namespace: higressNamespace, createNamespace: false },
        controller: { leaderElection: { leaseName } },
      },
      opts.values ?? {},
    ),
  });
  for (const obj of objects) await objectsApi.create(obj);
  return {
    release,
    releaseNamespace: releaseNamespace!,
    systemNamespace: systemNamespace!,
    higressNamespace: higressNamespace!,
    ingressClass,
    fullname: `${release}-net-higress`,
    leaseName,
    objects,
  };
}

/** What a Higress install (global.enableIstioAPI=true) and Knative Serving leave in the cluster. */
export async function simulateHigressAndKnative(
  inst: Install,
  opts: { pods?: number; podLabels?: Record<string, string> } = {},
): Promise<void> {
  const labels = opts.podLabels ?? GATEWAY_POD_LABELS;
  await create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'higress-gateway', namespace: inst.higressNamespace },
    spec: {
      selector: labels,
      ports: [
        { name: 'http2', port: 80 },
        { name: 'https', port: 443 },
      ],
    },
  });
  await create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'higress-config', namespace: inst.higressNamespace },
    data: { mesh: 'accessLogFile: /dev/stdout\nconfigSources:\n- address: xds://127.0.0.1:15051\n- address: k8s://\n' },
  });
  await create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'config-network', namespace: inst.systemNamespace },
    data: { 'ingress-class': inst.ingressClass },
  });
  for (let i = 0; i < (opts.pods ?? 2); i++) await runningPod(inst.higressNamespace, `higress-gateway-${i}`, labels);
}

/**
 * A gateway Pod as the doctor sees a running one. There is no scheduler or kubelet: the Pod is created and
 * its phase set to Running through /status, which is what a kubelet reports.
 */
export async function runningPod(
  namespace: string,
  name: string,
  labels: Record<string, string>,
  phase = 'Running',
): Promise<void> {
  await create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { containers: [{ name: 'higress-gateway', image: 'higress/gateway:2.2.1' }] },
  });
  await admin.request({
    method: 'PATCH',
    path: `/api/v1/namespaces/${namespace}/pods/${name}/status`,
    contentType: 'application/merge-patch+json',
    body: { status: { phase } },
  });
}

/** A token of the chart's ServiceAccount (TokenRequest, as the kubelet would project it). */
export async function serviceAccountToken(inst: Install): Promise<string> {
  const res = await admin.request<{ status?: { token?: string } }>({
    method: 'POST',
    path: `/api/v1/namespaces/${inst.releaseNamespace}/serviceaccounts/${inst.fullname}/token`,
    body: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { audiences: [], expirationSeconds: 3600 },
    },
  });
  const token = res.status?.token;
  if (!token) throw new Error('TokenRequest returned no token');
  return token;
}

export async function create(
  obj: {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  } & Record<string, unknown>,
): Promise<void> {
  await objectsApi.create(obj);
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isObject(prev) && isObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
