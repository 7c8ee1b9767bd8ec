// release/net-higress.yaml against the real API server: every object passes a server-side apply dry run
// (admission, schemas, the Istio Gateway CRD), as `kubectl apply --server-side --dry-run=server -f` would send it.
import { beforeAll, expect, test } from '@jest/globals';
import { loadAll } from 'js-yaml';
import { statusCode } from '../../../src/kube/errors.js';
import { helmBinary, type K8sObject } from '../../harness/helm.js';
import { runRelease, type Release } from '../../harness/release.js';
import { admin } from './install.js';

let rel: Release;
beforeAll(async () => {
  helmBinary();
  rel = runRelease();
  // What the release file expects to exist: Knative's namespace, and Higress's (shared with other tests).
  for (const name of ['knative-serving', 'higress-system']) {
    await admin
      .request({
        method: 'POST',
        path: '/api/v1/namespaces',
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
      })
      .catch((err: unknown) => {
        if (statusCode(err) !== 409) throw err;
      });
  }
}, 20 * 60_000);

const PLURALS: Record<string, string> = {
  ClusterRole: 'clusterroles',
  ClusterRoleBinding: 'clusterrolebindings',
  Role: 'roles',
  RoleBinding: 'rolebindings',
  ConfigMap: 'configmaps',
  Service: 'services',
  ServiceAccount: 'serviceaccounts',
  Deployment: 'deployments',
  Gateway: 'gateways',
};

function path(o: K8sObject): string {
  const plural = PLURALS[o.kind];
  if (!plural) throw new Error(`the test does not know ${o.kind}`);
  const root = o.apiVersion.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  return `${root}${o.metadata.namespace ? `/namespaces/${o.metadata.namespace}` : ''}/${plural}/${o.metadata.name}`;
}

const dryRunApply = (o: K8sObject) =>
  admin.request<K8sObject>({
    method: 'PATCH',
    path: path(o),
    query: { fieldManager: 'kubectl', force: true, dryRun: 'All' },
    contentType: 'application/apply-patch+yaml',
    body: o,
  });

test('every object of net-higress.yaml is accepted by a server-side apply dry run, and nothing is created', async () => {
  const objs = loadAll(rel.yaml).filter((d): d is K8sObject => typeof d === 'object' && d !== null);
  expect(objs.length).toBeGreaterThanOrEqual(14);
  for (const o of objs) {
    const res = await dryRunApply(o).catch((err: unknown) => {
      throw new Error(`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}: ${String(err)}`);
    });
    expect(res.metadata.name).toBe(o.metadata.name);
  }
  const deployment = objs.find((o) => o.kind === 'Deployment')!;
  await expect(admin.request({ method: 'GET', path: path(deployment) })).rejects.toMatchObject({ code: 404 });
});

test('the dry run does refuse a broken object (the check can fail)', async () => {
  const deployment = loadAll(rel.yaml).find((d) => (d as K8sObject | null)?.kind === 'Deployment') as K8sObject;
  const broken = { ...deployment, spec: { ...(deployment.spec as object), replicas: -1 } };
  await expect(dryRunApply(broken)).rejects.toMatchObject({ code: 422 });
});
