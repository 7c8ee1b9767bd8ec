import { describe, expect, test } from '@jest/globals';
import type { KIngress } from '../../../src/api/kingress.js';
import { kingressesUsingSecret, ownerKey } from '../../../src/controller/enqueue.js';
import { ORIGIN_SECRET_NAME_LABEL, ORIGIN_SECRET_NAMESPACE_LABEL } from '../../../src/translate/constants.js';

const owner = (o: Partial<{ kind: string; apiVersion: string; controller: boolean }>) => ({
  apiVersion: 'networking.internal.knative.dev/v1alpha1',
  kind: 'Ingress',
  name: 'hello',
  controller: true,
  ...o,
});

describe('ownerKey: the KIngress a VirtualService or Gateway belongs to', () => {
  test.each([
    ['controlling KIngress', { namespace: 'ns', ownerReferences: [owner({})] }, 'ns/hello'],
    ['not the controller', { namespace: 'ns', ownerReferences: [owner({ controller: false })] }, undefined],
    ['another kind', { namespace: 'ns', ownerReferences: [owner({ kind: 'Service' })] }, undefined],
    ['another group', { namespace: 'ns', ownerReferences: [owner({ apiVersion: 'networking.k8s.io/v1' })] }, undefined],
    ['no namespace', { ownerReferences: [owner({})] }, undefined],
    ['no owners', { namespace: 'ns' }, undefined],
  ])('%s', (_name, metadata, want) => {
    expect(ownerKey({ metadata: { name: 'x', ...metadata } })).toBe(want);
  });
  test('no metadata', () => expect(ownerKey({})).toBeUndefined());
});

const ing = (name: string, tls?: Array<{ secretName: string; secretNamespace: string }>): KIngress => ({
  apiVersion: 'networking.internal.knative.dev/v1alpha1',
  kind: 'Ingress',
  metadata: { name, namespace: 'ns' },
  spec: { rules: [], ...(tls ? { tls: tls.map((t) => ({ hosts: ['h'], ...t })) } : {}) },
});
const all = [
  ing('a', [{ secretName: 'tls', secretNamespace: 'ns' }]),
  ing('b', [{ secretName: 'other', secretNamespace: 'ns' }]),
  ing('c'),
  ing('long', [{ secretName: 'x'.repeat(70), secretNamespace: 'ns' }]),
];

describe('kingressesUsingSecret: who to reconcile when a Secret changes', () => {
  test.each([
    ['the origin itself', { name: 'tls', namespace: 'ns' }, ['ns/a']],
    [
      'a copy, by its origin labels',
      {
        name: 'a-tls-uid',
        namespace: 'higress-system',
        labels: { [ORIGIN_SECRET_NAME_LABEL]: 'tls', [ORIGIN_SECRET_NAMESPACE_LABEL]: 'ns' },
      },
      ['ns/a'],
    ],
    [
      'a copy of a long-named origin, by its annotation',
      {
        name: 'c',
        namespace: 'higress-system',
        labels: { [ORIGIN_SECRET_NAME_LABEL]: 'cut', [ORIGIN_SECRET_NAMESPACE_LABEL]: 'ns' },
        annotations: { [ORIGIN_SECRET_NAME_LABEL]: 'x'.repeat(70) },
      },
      ['ns/long'],
    ],
    [
      'a copy without its namespace label',
      { name: 'c', namespace: 'higress-system', labels: { [ORIGIN_SECRET_NAME_LABEL]: 'tls' } },
      [],
    ],
    ['an unrelated Secret', { name: 'nope', namespace: 'ns' }, []],
  ])('%s', (_name, metadata, want) => {
    expect(kingressesUsingSecret({ metadata }, all)).toEqual(want);
  });
  test('no metadata', () => expect(kingressesUsingSecret({}, all)).toEqual([]));
});
