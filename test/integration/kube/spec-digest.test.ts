// The VirtualService cache keeps metadata only and knows each spec from the written-spec annotation: the digest
// of the spec we sent, and the generation our write gave it. That only holds if the API server stores, for every
// spec we write, data equal to what we sent (no pruned field, no defaulted one, numbers as sent), and moves the
// generation on a change of spec and on nothing else. Checked here against a real kube-apiserver with the upstream
// Istio CRD, for every VirtualService of the golden render outputs.
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { loadAll } from 'js-yaml';
import { createTestNamespace, testKubeConfig } from '../../harness/kube.js';
import type { VirtualService } from '../../../src/api/istio.js';
import { INGRESS_LABEL } from '../../../src/translate/constants.js';
import { kubeListWatch } from '../../../src/kube/listwatch.js';
import { collectionPath, VIRTUAL_SERVICE } from '../../../src/kube/resources.js';
import { RestClient } from '../../../src/kube/rest.js';
import { specDigest } from '../../../src/kube/spec-digest.js';
import { KubeReader } from '../../../src/kube/reader.js';
import { recordWrittenSpec, writtenDigest } from '../../../src/reconciler/written-spec.js';
import { typedRefOf } from '../../../src/api/meta.js';
import { KubeWriter } from '../../../src/kube/writer.js';

const golden = new URL('../../fixtures/translate/golden/', import.meta.url).pathname;

let rest: RestClient;
let ns: string;

beforeAll(async () => {
  rest = new RestClient(testKubeConfig());
  ns = await createTestNamespace('spec-digest');
});

afterAll(() => rest.close());

function goldenVirtualServices(): VirtualService[] {
  const found: VirtualService[] = [];
  for (const file of readdirSync(golden).sort())
    for (const doc of loadAll(readFileSync(golden + file, 'utf8')) as Array<VirtualService | null>)
      if (doc?.kind === 'VirtualService') found.push(doc);
  return found;
}

test('every golden VirtualService, stored and listed back, has the digest of the spec we sent', async () => {
  const sent = goldenVirtualServices();
  expect(sent.length).toBeGreaterThan(20);
  const writer = new KubeWriter(rest);
  const wanted = new Map<string, string>();
  for (const [i, vs] of sent.entries()) {
    const name = `vs-${i}`;
    const labels = { ...vs.metadata.labels, [INGRESS_LABEL]: name };
    const digest = specDigest(vs.spec);
    const annotations = recordWrittenSpec(vs.metadata.annotations, 1, digest);
    await writer.create({ ...vs, metadata: { name, namespace: ns, labels, annotations } });
    wanted.set(name, digest);
  }

  // The spec as stored: equal to what we sent.
  const full = await kubeListWatch<VirtualService>(rest, { path: collectionPath(VIRTUAL_SERVICE, ns) }).list();
  const stored = new Map(full.items.map((o) => [o.metadata.name, o]));
  // The cache's view: metadata only, the annotation vouching for that spec.
  const { items } = await metadataSource().list();
  const cached = new Map(items.map((o) => [o.metadata.name, o]));
  for (const [name, digest] of wanted) {
    expect([name, specDigest(stored.get(name)?.spec)]).toEqual([name, digest]);
    const vs = cached.get(name);
    expect(vs?.kind).toBe('VirtualService');
    expect(JSON.stringify(vs)).not.toContain('"spec"');
    expect([name, vs && writtenDigest(vs.metadata)]).toEqual([name, digest]);
  }
});

test('only a change of spec takes the VirtualService past the generation the annotation records', async () => {
  const vs = goldenVirtualServices()[0] as VirtualService;
  const writer = new KubeWriter(rest);
  const annotations = recordWrittenSpec(undefined, 1, specDigest(vs.spec));
  const created = await writer.create({
    ...vs,
    metadata: { name: 'edited', namespace: ns, labels: { [INGRESS_LABEL]: 'edited' }, annotations },
  });
  const vouched = async () => (await metadataSource().list()).items.find((o) => o.metadata.name === 'edited')?.metadata;

  // Labels, annotations and status are not the spec: the record still holds.
  const relabelled = await writer.update({
    ...created,
    metadata: {
      ...created.metadata,
      labels: { ...created.metadata.labels, extra: 'x' },
      annotations: { ...created.metadata.annotations, extra: 'x' },
    },
  });
  await writer.updateStatus({ ...relabelled, status: { observedGeneration: 1 } });
  expect(writtenDigest((await vouched()) ?? {})).toBe(specDigest(vs.spec));

  // A spec edited by another writer: the generation moves past the record, which then vouches for nothing.
  const live = await new KubeReader(rest).get<VirtualService>(typedRefOf(created));
  await writer.update({ ...live, spec: { ...live?.spec, hosts: ['edited.example.com'] } } as VirtualService);
  const after = await vouched();
  expect(after?.generation).toBe(2);
  expect(writtenDigest(after ?? {})).toBeUndefined();
});

function metadataSource() {
  return kubeListWatch<VirtualService>(rest, {
    path: collectionPath(VIRTUAL_SERVICE, ns),
    labelSelector: INGRESS_LABEL,
    metadataOnly: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService' },
  });
}
