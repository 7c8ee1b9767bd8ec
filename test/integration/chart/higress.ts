// What a Higress install and a running kube-controller-manager would add for the doctor's checks.
//
// Higress's WasmPlugin CRD (extensions.higress.io/v1alpha1) is a stand-in: Higress publishes it only inside its
// Helm chart (helm/core/crds), and its Go module is not served by the module proxy, so it cannot be pinned like
// the Knative and Istio CRDs. The stand-in serves the same group, version, kind and names, with the spec fields
// the doctor reads (per Higress's api/extensions/v1alpha1/wasmplugin.proto) and plugin configs kept as they are.
import { isAlreadyExists } from '../../../src/kube/errors.js';
import { eventually } from '../../harness/kube.js';
import { admin, type Install } from './install.js';

const CRD_NAME = 'wasmplugins.extensions.higress.io';
const anyObject = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
const strings = { type: 'array', items: { type: 'string' } };

export async function ensureWasmPluginCRD(): Promise<void> {
  try {
    await admin.request({
      method: 'POST',
      path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      body: {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: CRD_NAME },
        spec: {
          group: 'extensions.higress.io',
          scope: 'Namespaced',
          names: {
            kind: 'WasmPlugin',
            listKind: 'WasmPluginList',
            plural: 'wasmplugins',
            singular: 'wasmplugin',
            categories: ['higress-io'],
          },
          versions: [
            {
              name: 'v1alpha1',
              served: true,
              storage: true,
              subresources: { status: {} },
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: {
                      type: 'object',
                      properties: {
                        url: { type: 'string' },
                        sha256: { type: 'string' },
                        imagePullPolicy: { type: 'string' },
                        imagePullSecret: { type: 'string' },
                        verificationKey: { type: 'string' },
                        pluginName: { type: 'string' },
                        phase: { type: 'string' },
                        priority: { type: 'integer', nullable: true },
                        failStrategy: { type: 'string' },
                        pluginConfig: anyObject,
                        defaultConfig: anyObject,
                        defaultConfigDisable: { type: 'boolean' },
                        vmConfig: anyObject,
                        matchRules: {
                          type: 'array',
                          items: {
                            type: 'object',
                            properties: {
                              ingress: strings,
                              domain: strings,
                              service: strings,
                              config: anyObject,
                              configDisable: { type: 'boolean' },
                              routeType: { type: 'string' },
                            },
                          },
                        },
                      },
                    },
                    status: anyObject,
                  },
                },
              },
            },
          ],
        },
      },
    });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  await eventually(
    'the WasmPlugin API is served',
    async () => {
      try {
        const list = await admin.request<{ resources?: Array<{ name: string }> }>({
          method: 'GET',
          path: '/apis/extensions.higress.io/v1alpha1',
        });
        return list.resources?.some((r) => r.name === 'wasmplugins') ? true : undefined;
      } catch {
        return undefined;
      }
    },
    30_000,
  );
}

export async function createWasmPlugin(namespace: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await admin.request({
    method: 'POST',
    path: `/apis/extensions.higress.io/v1alpha1/namespaces/${namespace}/wasmplugins`,
    body: { apiVersion: 'extensions.higress.io/v1alpha1', kind: 'WasmPlugin', metadata: { name, namespace }, spec },
  });
}

/** The controller Deployment's status as the deployment controller reports it (there is none in the test control plane). */
export async function setDeploymentStatus(
  inst: Install,
  available: boolean,
  readyReplicas = available ? 1 : 0,
): Promise<void> {
  const condition = available
    ? {
        type: 'Available',
        status: 'True',
        reason: 'MinimumReplicasAvailable',
        message: 'Deployment has minimum availability.',
      }
    : {
        type: 'Available',
        status: 'False',
        reason: 'MinimumReplicasUnavailable',
        message: 'Deployment does not have minimum availability.',
      };
  await admin.request({
    method: 'PATCH',
    path: `/apis/apps/v1/namespaces/${inst.releaseNamespace}/deployments/${inst.fullname}/status`,
    contentType: 'application/merge-patch+json',
    body: {
      status: {
        replicas: 1,
        readyReplicas,
        availableReplicas: readyReplicas,
        conditions: [
          {
            ...condition,
            lastUpdateTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
            lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
          },
        ],
      },
    },
  });
}
