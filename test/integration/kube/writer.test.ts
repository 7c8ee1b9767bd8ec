// The writer against a real kube-apiserver with the upstream KIngress and Istio CRDs.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestNamespace, testKubeConfig } from '../../harness/kube.js';
import { recordRequests, writeCounts } from '../../harness/write-counts.js';
import { errorMessage, isAlreadyExists, isConflict, isInvalid } from '../../../src/kube/errors.js';
import { KubeReader } from '../../../src/kube/reader.js';
import { RestClient } from '../../../src/kube/rest.js';
import { typedRefOf } from '../../../src/api/meta.js';
import { KubeWriter } from '../../../src/kube/writer.js';

interface Meta {
  name: string;
  namespace: string;
  resourceVersion?: string;
  uid?: string;
  generation?: number;
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
}
interface Obj {
  apiVersion: string;
  kind: string;
  metadata: Meta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  data?: Record<string, string>;
  type?: string;
}

const FINALIZER = 'ingresses.networking.internal.knative.dev';

let rest: RestClient;
let writer: KubeWriter;
let reader: KubeReader;
/** Every request of `rest`, the writer's and the reader's. */
let sent: ReturnType<typeof recordRequests>;
let ns: string;

beforeAll(async () => {
  rest = new RestClient(testKubeConfig());
  sent = recordRequests(rest);
  writer = new KubeWriter(rest);
  reader = new KubeReader(rest);
  ns = await createTestNamespace('kube-writer');
});

afterAll(() => rest.close());

function kingress(name: string): Obj {
  return {
    apiVersion: 'networking.internal.knative.dev/v1alpha1',
    kind: 'Ingress',
    metadata: {
      name,
      namespace: ns,
      annotations: { 'networking.knative.dev/ingress.class': 'istio.ingress.networking.knative.dev' },
    },
    spec: {
      rules: [
        {
          hosts: [`${name}.${ns}.example.com`],
          visibility: 'ExternalIP',
          http: { paths: [{ splits: [{ serviceName: name, serviceNamespace: ns, servicePort: 80, percent: 100 }] }] },
        },
      ],
    },
  };
}

function virtualService(name: string): Obj {
  return {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'VirtualService',
    metadata: { name: `${name}-ingress`, namespace: ns, labels: { 'networking.internal.knative.dev/ingress': name } },
    spec: {
      hosts: [`${name}.${ns}.example.com`],
      gateways: ['knative-serving/knative-ingress-gateway'],
      http: [
        {
          match: [{ authority: { prefix: `${name}.${ns}.example.com` } }],
          route: [{ destination: { host: `${name}.${ns}.svc.cluster.local`, port: { number: 80 } }, weight: 100 }],
        },
      ],
    },
  };
}

describe('KubeWriter on a real API server', () => {
  test('KIngress: create, finalizer merge patch, status update, conflicts, and counted writes', async () => {
    sent.length = 0;
    const ing = await writer.create(kingress('hello'));
    expect(ing.metadata.uid).toBeTruthy();
    expect(typeof ing.metadata.creationTimestamp).toBe('string');
    expect(isAlreadyExists(await writer.create(kingress('hello')).catch((e: unknown) => e))).toBe(true);

    // Finalizer via merge patch, conditional on the resourceVersion we saw.
    const seenVersion = ing.metadata.resourceVersion;
    const withFinalizer = await writer.mergePatchMetadata<Obj>(typedRefOf(ing), {
      finalizers: [FINALIZER],
      resourceVersion: seenVersion,
    });
    expect(withFinalizer.metadata.finalizers).toEqual([FINALIZER]);
    const stale = await writer
      .mergePatchMetadata(typedRefOf(ing), { finalizers: [], resourceVersion: seenVersion })
      .catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);

    // Status through /status: stored, while a spec change in the same body is ignored.
    const status = {
      observedGeneration: 1,
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }],
    };
    const sneaky = { ...withFinalizer, spec: { ...withFinalizer.spec, httpOption: 'Redirected' }, status };
    const afterStatus = await writer.updateStatus(sneaky);
    expect(afterStatus.status).toEqual(status);
    expect(afterStatus.spec).toEqual(withFinalizer.spec);
    expect(afterStatus.metadata.generation).toBe(1);
    const staleStatus = await writer
      .updateStatus({ ...sneaky, status: { observedGeneration: 2 } })
      .catch((e: unknown) => e);
    expect(isConflict(staleStatus)).toBe(true);
    expect(errorMessage(staleStatus)).toContain('409 Conflict');

    // Remove the finalizer (null deletes the key), then delete; a second delete finds nothing.
    const cleared = await writer.mergePatchMetadata<Obj>(typedRefOf(ing), { finalizers: null });
    expect(cleared.metadata.finalizers).toBeUndefined();
    await expect(writer.delete(typedRefOf(ing), { uid: ing.metadata.uid })).resolves.toBe(true);
    await expect(writer.delete(typedRefOf(ing))).resolves.toBe(false);

    expect(writeCounts(sent)).toEqual({ create: 2, update: 0, delete: 2, patch: 3, status: 2, total: 9 });
  });

  test('VirtualService: create, full update with resourceVersion, schema errors, delete', async () => {
    sent.length = 0;
    const vs = await writer.create(virtualService('svc'));
    const changed = { ...vs, spec: { ...vs.spec, hosts: [`svc.${ns}.example.com`, 'svc.example.org'] } };
    const updated = await writer.update(changed);
    expect(updated.spec?.hosts).toEqual([`svc.${ns}.example.com`, 'svc.example.org']);
    expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(Number(vs.metadata.resourceVersion));

    const stale = await writer
      .update({ ...vs, spec: { ...vs.spec, hosts: ['x.example.com'] } })
      .catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);

    const invalid = virtualService('bad');
    invalid.spec = {
      ...invalid.spec,
      http: [{ route: [{ destination: { host: 'x' } }], retries: { attempts: 'three' } }],
    };
    const err = await writer.create(invalid).catch((e: unknown) => e);
    expect(isInvalid(err)).toBe(true);
    expect(errorMessage(err)).toContain('spec.http[0].retries.attempts');

    expect(await reader.get<Obj>(typedRefOf(updated))).toMatchObject({ spec: { hosts: updated.spec?.hosts } });
    await expect(writer.delete(typedRefOf(updated))).resolves.toBe(true);
    expect(await reader.get(typedRefOf(updated))).toBeUndefined();
    expect(writeCounts(sent)).toMatchObject({ create: 2, update: 2, delete: 1, total: 5 });
  });

  test('Gateway and Secret copies', async () => {
    sent.length = 0;
    const gw = await writer.create<Obj>({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'Gateway',
      metadata: { name: 'wildcard', namespace: ns },
      spec: {
        selector: { higress: 'higress-system-higress-gateway' },
        servers: [
          {
            port: { number: 443, name: 'https', protocol: 'HTTPS' },
            hosts: ['*.example.com'],
            tls: { mode: 'SIMPLE', credentialName: 'copy' },
          },
        ],
      },
    });
    const secret = await writer.create<Obj>({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'copy', namespace: ns, labels: { 'networking.internal.knative.dev/certificate-uid': 'abc' } },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': Buffer.from('cert').toString('base64'), 'tls.key': Buffer.from('key').toString('base64') },
    });
    const rotated = await writer.update({
      ...secret,
      data: { ...secret.data, 'tls.crt': Buffer.from('cert2').toString('base64') },
    });
    expect(Buffer.from(rotated.data?.['tls.crt'] ?? '', 'base64').toString()).toBe('cert2');
    await expect(writer.delete(typedRefOf(secret), { uid: 'not-its-uid' })).rejects.toMatchObject({ code: 409 });
    await expect(writer.delete(typedRefOf(secret), { uid: secret.metadata.uid })).resolves.toBe(true);
    await expect(writer.delete(typedRefOf(gw))).resolves.toBe(true);
    expect(writeCounts(sent).total).toBe(6);
  });

  test('the reader only reads', async () => {
    sent.length = 0;
    await reader.get(typedRefOf(kingress('nothing-here')));
    await reader.list((await import('../../../src/kube/resources.js')).VIRTUAL_SERVICE, { namespace: ns });
    expect(sent.map((r) => r.method)).toEqual(['GET', 'GET']);
    expect(writeCounts(sent).total).toBe(0);
  });
});
