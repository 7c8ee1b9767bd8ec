// Streaming lists (WatchList) against real API servers: the shared one, which serves them (Kubernetes 1.36, on by
// default), and one started with the gate off, which refuses them as a server before 1.27 would.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { loadKubeConfig } from '../../../src/kube/client.js';
import { createInformer, kubeListWatch } from '../../../src/kube/listwatch.js';
import { collectionPath, CONFIG_MAP, KINGRESS } from '../../../src/kube/resources.js';
import { RestClient } from '../../../src/kube/rest.js';
import type { KubeObject } from '../../../src/kube/types.js';
import { KubeWriter } from '../../../src/kube/writer.js';
import { startControlPlane, type ControlPlane } from '../../harness/controlplane.js';
import { createTestNamespace, testKubeConfig } from '../../harness/kube.js';

/** A client that counts paged list requests and streaming-list watches. */
function counted(rest: RestClient): { pages: number; streams: number } {
  const n = { pages: 0, streams: 0 };
  const requestText = rest.requestText.bind(rest);
  rest.requestText = (req) => {
    if (req.method === 'GET') n.pages += 1;
    return requestText(req);
  };
  const watch = rest.watch.bind(rest);
  rest.watch = (path, query, onEvent, onDone) => {
    if (query.sendInitialEvents === true) n.streams += 1;
    return watch(path, query, onEvent, onDone);
  };
  return n;
}

function kingress(ns: string, name: string): KubeObject & { spec: object } {
  return {
    apiVersion: 'networking.internal.knative.dev/v1alpha1',
    kind: 'Ingress',
    metadata: { name, namespace: ns },
    spec: { rules: [{ hosts: [`${name}.example.com`], visibility: 'ExternalIP', http: { paths: [] } }] },
  };
}

describe('streaming lists', () => {
  test('a KIngress list streams from the shared API server: the objects of a paged list, no list request', async () => {
    const rest = new RestClient(testKubeConfig());
    const ns = await createTestNamespace('streaming-list');
    const writer = new KubeWriter(rest);
    for (const name of ['s-a', 's-b', 's-c']) await writer.create(kingress(ns, name));
    const n = counted(rest);
    const path = collectionPath(KINGRESS, ns);
    const managed: string[] = [];
    const streamed = await kubeListWatch<KubeObject>(rest, {
      path,
      trim: (o) => {
        if ((o as { metadata: { managedFields?: unknown } }).metadata.managedFields) managed.push('x');
      },
    }).list();
    expect(n).toEqual({ pages: 0, streams: 1 });
    const paged = await kubeListWatch<KubeObject>(rest, { path, streamingList: false }).list();
    expect(n).toEqual({ pages: 1, streams: 1 });
    const names = (l: { items: KubeObject[] }) => l.items.map((i) => i.metadata?.name).sort();
    expect(names(streamed)).toEqual(['s-a', 's-b', 's-c']);
    expect(names(streamed)).toEqual(names(paged));
    // A consistent read, as the paged list made after it.
    expect(Number(streamed.resourceVersion)).toBeGreaterThan(0);
    expect(Number(streamed.resourceVersion)).toBeLessThanOrEqual(Number(paged.resourceVersion));
    // Objects arrive whole (managedFields included) and are trimmed as a list's are.
    expect(managed).toHaveLength(3);
    expect(streamed.items.every((i) => (i.metadata as { managedFields?: unknown }).managedFields === undefined)).toBe(
      true,
    );
    rest.close();
  });

  describe('an API server with the WatchList gate off', () => {
    let cp: ControlPlane;
    beforeAll(async () => {
      cp = await startControlPlane({ installCrds: false, apiServerArgs: ['--feature-gates=WatchList=false'] });
    }, 120_000);
    afterAll(async () => {
      await cp?.stop();
    });

    test('refuses the stream (422): the informer lists page by page, and a source asks only once', async () => {
      const rest = new RestClient(loadKubeConfig({ kubeconfig: cp.kubeconfigPath }));
      const n = counted(rest);
      const errors: string[] = [];
      const informer = createInformer<KubeObject>(rest, CONFIG_MAP, {
        namespace: 'kube-system',
        minBackoffMs: 50,
        onError: (err, phase) => errors.push(`${phase}: ${String(err)}`),
      });
      try {
        informer.start();
        await informer.waitForSync(30_000);
        expect(informer.get('kube-system', 'extension-apiserver-authentication')).toBeDefined();
        expect(n).toEqual({ pages: 1, streams: 1 });
        expect(errors).toEqual([]); // the refusal is how the server says it, not a failure
      } finally {
        await informer.stop();
      }
      // A source asks once: its next lists (relists after a 410) go page by page at once.
      const source = kubeListWatch<KubeObject>(rest, { path: collectionPath(CONFIG_MAP, 'kube-system') });
      for (let i = 0; i < 2; i++) expect((await source.list()).items.length).toBeGreaterThan(0);
      expect(n).toEqual({ pages: 3, streams: 2 });
      rest.close();
    });
  });
});
