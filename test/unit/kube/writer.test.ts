import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { errorMessage, isConflict } from '../../../src/kube/errors.js';
import { KubeReader } from '../../../src/kube/reader.js';
import { RestClient } from '../../../src/kube/rest.js';
import { typedRefOf } from '../../../src/api/meta.js';
import { KubeWriter } from '../../../src/kube/writer.js';
import { writeCounts } from '../../harness/write-counts.js';
import { json, status, StubServer } from './stubserver.js';

const vs = {
  apiVersion: 'networking.istio.io/v1beta1',
  kind: 'VirtualService',
  metadata: { name: 'hello-ingress', namespace: 'default', labels: { a: 'b' } },
  spec: { hosts: ['hello.default.example.com'], unknownField: { kept: true } },
};
const kingress = {
  apiVersion: 'networking.internal.knative.dev/v1alpha1',
  kind: 'Ingress',
  metadata: { name: 'hello', namespace: 'default', resourceVersion: '5' },
  spec: {},
  status: { observedGeneration: 1 },
};

let stub: StubServer;
let rest: RestClient;
let writer: KubeWriter;

beforeEach(async () => {
  stub = new StubServer();
  stub.handler = (req, res) => json(res, 200, req.body ?? {});
  rest = new RestClient(await stub.start());
  writer = new KubeWriter(rest);
});

afterEach(async () => {
  rest.close();
  await stub.stop();
});

describe('KubeWriter', () => {
  test('create posts the object as-is to its collection', async () => {
    const out = await writer.create(vs);
    expect(out).toEqual(vs);
    const req = stub.seen[0];
    expect(req).toMatchObject({
      method: 'POST',
      path: '/apis/networking.istio.io/v1beta1/namespaces/default/virtualservices',
      contentType: 'application/json',
      authorization: 'Bearer test-token',
      body: vs,
    });
    expect(req?.query.get('fieldManager')).toBe('net-higress');
    expect(writeCounts(stub.seen)).toEqual({ create: 1, update: 0, delete: 0, patch: 0, status: 0, total: 1 });
  });

  test('update and updateStatus replace the object and its /status', async () => {
    await writer.update(kingress);
    await writer.updateStatus(kingress);
    expect(stub.seen.map((r) => `${r.method} ${r.path}`)).toEqual([
      'PUT /apis/networking.internal.knative.dev/v1alpha1/namespaces/default/ingresses/hello',
      'PUT /apis/networking.internal.knative.dev/v1alpha1/namespaces/default/ingresses/hello/status',
    ]);
    expect(stub.seen[1]?.body).toEqual(kingress);
    expect(writeCounts(stub.seen)).toMatchObject({ update: 1, status: 1, total: 2 });
  });

  test('mergePatchMetadata sends a merge patch of metadata only', async () => {
    await writer.mergePatchMetadata(typedRefOf(kingress), {
      finalizers: ['ingresses.networking.internal.knative.dev'],
      resourceVersion: '5',
    });
    await writer.mergePatchMetadata(typedRefOf(kingress), { finalizers: null, labels: { x: null } });
    expect(stub.seen[0]).toMatchObject({
      method: 'PATCH',
      path: '/apis/networking.internal.knative.dev/v1alpha1/namespaces/default/ingresses/hello',
      contentType: 'application/merge-patch+json',
      body: { metadata: { finalizers: ['ingresses.networking.internal.knative.dev'], resourceVersion: '5' } },
    });
    expect(stub.seen[1]?.body).toEqual({ metadata: { finalizers: null, labels: { x: null } } });
    expect(writeCounts(stub.seen).patch).toBe(2);
  });

  test('delete ignores NotFound and can carry preconditions', async () => {
    stub.handler = (req, res) =>
      req.path.endsWith('/gone')
        ? status(res, 404, 'NotFound', 'secrets "gone" not found')
        : json(res, 200, { kind: 'Status' });
    const secret = { apiVersion: 'v1', kind: 'Secret', namespace: 'higress-system', name: 'copy' };
    await expect(writer.delete(secret, { uid: 'u-1' })).resolves.toBe(true);
    await expect(writer.delete({ ...secret, name: 'gone' })).resolves.toBe(false);
    expect(stub.seen[0]).toMatchObject({
      method: 'DELETE',
      path: '/api/v1/namespaces/higress-system/secrets/copy',
      body: { kind: 'DeleteOptions', preconditions: { uid: 'u-1' } },
    });
    expect(stub.seen[1]?.body).toBeUndefined();
    expect(stub.seen).toHaveLength(2);
  });

  test('API errors surface as ApiException with the Status message', async () => {
    stub.handler = (_req, res) => status(res, 409, 'Conflict', 'the object has been modified');
    const err = await writer.update(kingress).catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
    expect(errorMessage(err)).toBe('409 Conflict: the object has been modified');
    expect(stub.seen).toHaveLength(1);
  });

  test('the served version in apiVersion is used in the path', async () => {
    await writer.create({ ...vs, apiVersion: 'networking.istio.io/v1', kind: 'Gateway' });
    expect(stub.seen[0]?.path).toBe('/apis/networking.istio.io/v1/namespaces/default/gateways');
  });

  test('unknown kinds and missing names are refused without a request', async () => {
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x', namespace: 'y' } };
    await expect(writer.create(deployment)).rejects.toThrow('unsupported kind');
    await expect(writer.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } })).rejects.toThrow(
      'namespace',
    );
    expect(stub.seen).toHaveLength(0);
  });

  test('requests share one keep-alive connection', async () => {
    for (let i = 0; i < 5; i++) await writer.create(vs);
    expect(stub.connections).toBe(1);
  });
});

describe('KubeReader', () => {
  test('get returns undefined for NotFound; list passes selectors', async () => {
    stub.handler = (req, res) => {
      if (req.path.endsWith('/missing')) status(res, 404, 'NotFound', 'nope');
      else if (req.path.endsWith('/secrets'))
        json(res, 200, { kind: 'SecretList', items: [{ metadata: { name: 's' } }] });
      else json(res, 200, { kind: 'Secret', metadata: { name: 'tls', creationTimestamp: '2024-01-01T00:00:00Z' } });
    };
    const reader = new KubeReader(rest);
    const ref = { apiVersion: 'v1', kind: 'Secret', namespace: 'ns', name: 'tls' };
    const got = await reader.get<{ metadata: { name: string; creationTimestamp: string } }>(ref);
    expect(got?.metadata.creationTimestamp).toBe('2024-01-01T00:00:00Z');
    await expect(
      reader.get({ apiVersion: 'v1', kind: 'Secret', namespace: 'ns', name: 'missing' }),
    ).resolves.toBeUndefined();
    const { SECRET } = await import('../../../src/kube/resources.js');
    const items = await reader.list(SECRET, { namespace: 'ns', labelSelector: 'a=b' });
    expect(items).toHaveLength(1);
    expect(stub.seen[2]?.query.get('labelSelector')).toBe('a=b');
    expect(reader.readCount()).toBe(3);
  });
});
