import type http from 'node:http';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import type { Informer } from '../../../src/kube/informer.js';
import { createInformer, kubeListWatch } from '../../../src/kube/listwatch.js';
import { CONFIG_MAP, KINGRESS } from '../../../src/kube/resources.js';
import { RestClient } from '../../../src/kube/rest.js';
import type { KubeObject } from '../../../src/kube/types.js';
import { eventually } from '../../harness/wait.js';
import { json, type SeenRequest, status, StubServer } from './stubserver.js';

function cm(name: string, rv: string): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'knative-serving', name, resourceVersion: rv } };
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  await eventually('condition', async () => cond() || undefined, ms, 10);
}

let stub: StubServer;
let rest: RestClient;
let informer: Informer<KubeObject> | undefined;
const openWatches: http.ServerResponse[] = [];

beforeEach(async () => {
  stub = new StubServer();
  rest = new RestClient(await stub.start());
});

afterEach(async () => {
  await informer?.stop();
  informer = undefined;
  for (const res of openWatches.splice(0)) res.end();
  rest.close();
  await stub.stop();
});

function watchStream(
  res: http.ServerResponse,
  events: Array<{ type: string; object: unknown }>,
  keepOpen: boolean,
): void {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  for (const e of events) res.write(`${JSON.stringify(e)}\n`);
  if (keepOpen) openWatches.push(res);
  else res.end();
}

describe('createInformer over the REST list and watch', () => {
  test('applies selectors to list and watch, pages the list, and follows events', async () => {
    let watches = 0;
    stub.handler = (req: SeenRequest, res) => {
      if (req.query.get('watch') === 'true') {
        watches += 1;
        watchStream(res, [{ type: 'ADDED', object: cm('config-istio', '12') }], true);
      } else if (!req.query.get('continue')) {
        json(res, 200, {
          kind: 'ConfigMapList',
          metadata: { resourceVersion: '10', continue: 'page2' },
          items: [cm('a', '3')],
        });
      } else {
        json(res, 200, { kind: 'ConfigMapList', metadata: { resourceVersion: '10' }, items: [cm('b', '4')] });
      }
    };
    const added: string[] = [];
    informer = createInformer(rest, CONFIG_MAP, {
      namespace: 'knative-serving',
      fieldSelector: 'metadata.name=config-istio',
      labelSelector: 'app=x',
      pageSize: 1,
      watchTimeoutSeconds: () => 42,
    });
    informer.addHandlers({ add: (o) => added.push(o.metadata?.name ?? '') });
    informer.start();
    await informer.waitForSync(3000);
    await until(() => added.length === 3);
    expect(added).toEqual(['a', 'b', 'config-istio']);
    expect(watches).toBe(1);

    const [list1, list2, watch] = stub.seen;
    expect(list1?.path).toBe('/api/v1/namespaces/knative-serving/configmaps');
    for (const r of [list1, list2, watch]) {
      expect(r?.query.get('fieldSelector')).toBe('metadata.name=config-istio');
      expect(r?.query.get('labelSelector')).toBe('app=x');
    }
    expect(list1?.query.get('limit')).toBe('1');
    expect(list2?.query.get('continue')).toBe('page2');
    expect(watch?.query.get('resourceVersion')).toBe('10');
    expect(watch?.query.get('allowWatchBookmarks')).toBe('true');
    expect(watch?.query.get('timeoutSeconds')).toBe('42');
    expect(watch?.authorization).toBe('Bearer test-token');
  });

  test('cached objects carry no managedFields, listed or watched', async () => {
    const managed = (o: KubeObject) => ({
      ...o,
      metadata: { ...o.metadata, managedFields: [{ manager: 'kubectl', operation: 'Apply' }] },
    });
    stub.handler = (req, res) => {
      if (req.query.get('watch') === 'true')
        watchStream(res, [{ type: 'ADDED', object: managed(cm('watched', '12')) }], true);
      else json(res, 200, { metadata: { resourceVersion: '10' }, items: [managed(cm('listed', '3'))] });
    };
    informer = createInformer(rest, CONFIG_MAP, { namespace: 'knative-serving' });
    informer.start();
    await informer.waitForSync(3000);
    await until(() => informer?.get('knative-serving', 'watched') !== undefined);
    for (const name of ['listed', 'watched']) {
      const obj = informer.get('knative-serving', name);
      expect(obj?.metadata?.resourceVersion).toBeDefined();
      expect((obj?.metadata as { managedFields?: unknown } | undefined)?.managedFields).toBeUndefined();
      expect(JSON.stringify(obj)).not.toContain('managedFields'); // nor in what a write built from it sends
    }
  });

  test('a 410 on the watch request makes it relist; other errors reconnect', async () => {
    let lists = 0;
    let watches = 0;
    stub.handler = (req, res) => {
      if (req.query.get('watch') !== 'true') {
        lists += 1;
        json(res, 200, {
          metadata: { resourceVersion: String(lists * 100) },
          items: lists === 1 ? [cm('old', '1')] : [],
        });
        return;
      }
      watches += 1;
      if (watches === 1) status(res, 500, 'InternalError', 'etcd hiccup');
      else if (watches === 2) status(res, 410, 'Expired', 'too old resource version');
      else watchStream(res, [], true);
    };
    const errors: string[] = [];
    const deleted: string[] = [];
    informer = createInformer(rest, KINGRESS, {
      minBackoffMs: 20,
      onError: (err, phase) =>
        errors.push(phase === 'relist' ? phase : String((err as { statusCode?: number }).statusCode)),
    });
    informer.addHandlers({ delete: (o) => deleted.push(o.metadata?.name ?? '') });
    informer.start();
    await until(() => watches >= 3);
    expect(lists).toBe(2);
    expect(errors).toEqual(['500', 'relist']);
    expect(deleted).toEqual(['old']);
    const watchReqs = stub.seen.filter((r) => r.query.get('watch') === 'true');
    expect(watchReqs.map((r) => r.query.get('resourceVersion'))).toEqual(['100', '100', '200']);
    expect(watchReqs[0]?.path).toBe('/apis/networking.internal.knative.dev/v1alpha1/ingresses');
  });

  describe('list pages', () => {
    /** `pages` pages of one object each, laid out as the API server encodes custom resources (metadata last) or not. */
    function serve(pages: number, metadataLast: boolean): void {
      stub.handler = (req, res) => {
        const n = Number(req.query.get('continue') ?? 0);
        const metadata = { resourceVersion: '10', ...(n + 1 < pages ? { continue: String(n + 1) } : {}) };
        const items = [cm(`o${n}`, String(n))];
        const kind = 'ConfigMapList';
        json(res, 200, metadataLast ? { apiVersion: 'v1', items, kind, metadata } : { kind, metadata, items });
      };
    }

    /** The order in which pages were asked for and their objects handled. */
    async function listed(metadataLast: boolean): Promise<string[]> {
      serve(3, metadataLast);
      const order: string[] = [];
      const requestText = rest.requestText.bind(rest);
      rest.requestText = (req) => {
        order.push(`ask ${String(req.query?.continue ?? 0)}`);
        return requestText(req);
      };
      const source = kubeListWatch<KubeObject>(rest, {
        path: '/api/v1/configmaps',
        pageSize: 1,
        trim: (o) => order.push(`got ${(o as KubeObject).metadata?.name ?? ''}`),
      });
      const { items, resourceVersion } = await source.list();
      expect(items.map((i) => i.metadata?.name)).toEqual(['o0', 'o1', 'o2']);
      expect(resourceVersion).toBe('10');
      return order;
    }

    test('when the list metadata comes last, the next page is asked for before this one is parsed', async () => {
      expect(await listed(true)).toEqual(['ask 0', 'ask 1', 'got o0', 'ask 2', 'got o1', 'got o2']);
    });

    test('laid out otherwise (built-in kinds), each page is parsed first, then the next asked for', async () => {
      expect(await listed(false)).toEqual(['ask 0', 'got o0', 'ask 1', 'got o1', 'ask 2', 'got o2']);
    });

    test('a page asked for early that fails fails the list, and nothing is left unhandled', async () => {
      serve(3, true);
      const ok = stub.handler;
      stub.handler = (req, res) =>
        req.query.get('continue') === '1' ? status(res, 410, 'Expired', 'too old resource version') : ok(req, res);
      const source = kubeListWatch<KubeObject>(rest, { path: '/api/v1/configmaps', pageSize: 1 });
      await expect(source.list()).rejects.toMatchObject({ code: 410 });
    });
  });
});
