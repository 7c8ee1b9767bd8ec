// The VirtualService cache keeps a digest of each spec and compares it with the digest of the spec we want.
// That only holds if the API server hands back, for every spec we write, data equal to what we sent (no
// pruned field, no defaulted one, numbers as sent). Checked here for every VirtualService of the golden
// render outputs, against a real kube-apiserver with the upstream Istio CRD.
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { loadAll } from 'js-yaml';
import { createTestNamespace, testKubeConfig } from '../../harness/kube.js';
import type { VirtualService } from '../../../src/api/istio.js';
import { INGRESS_LABEL } from '../../../src/translate/constants.js';
import { kubeListWatch } from '../../../src/kube/listwatch.js';
import { collectionPath, VIRTUAL_SERVICE } from '../../../src/kube/resources.js';
import { RestClient } from '../../../src/kube/rest.js';
import { digestSpec, specDigest, type SpecDigested } from '../../../src/kube/spec-digest.js';
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
    await writer.create({ ...vs, metadata: { name, namespace: ns, labels, annotations: vs.metadata.annotations } });
    wanted.set(name, specDigest(vs.spec));
  }

  const source = kubeListWatch<VirtualService & SpecDigested>(rest, {
    path: collectionPath(VIRTUAL_SERVICE, ns),
    labelSelector: INGRESS_LABEL,
    trim: digestSpec,
  });
  const { items } = await source.list();
  const cached = new Map(items.map((o) => [o.metadata.name, o]));
  for (const [name, digest] of wanted) {
    const vs = cached.get(name);
    expect(vs).toBeDefined();
    expect(vs?.spec).toBeUndefined();
    expect(JSON.stringify(vs)).not.toContain('"spec"');
    expect([name, vs?.specDigest]).toEqual([name, digest]);
  }
});
