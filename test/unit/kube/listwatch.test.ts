import type http from 'node:http';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import type { Informer } from '../../../src/kube/informer.js';
import { createInformer, kubeListWatch } from '../../../src/kube/listwatch.js';
import { CONFIG_MAP, KINGRESS, VIRTUAL_SERVICE } from '../../../src/kube/resources.js';
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

/** The bookmark that ends a streaming list's initial events. */
function endBookmark(resourceVersion: string): { type: string; object: unknown } {
  const metadata = { resourceVersion, annotations: { 'k8s.io/initial-events-end': 'true' } };
  return { type: 'BOOKMARK', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata } };
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
      streamingList: false,
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

  test.each([true, false])(
    'cached objects carry no managedFields, listed or watched (streaming list: %s)',
    async (streamingList) => {
      const managed = (o: KubeObject) => ({
        ...o,
        metadata: { ...o.metadata, managedFields: [{ manager: 'kubectl', operation: 'Apply' }] },
      });
      stub.handler = (req, res) => {
        if (req.query.get('sendInitialEvents') === 'true')
          watchStream(res, [{ type: 'ADDED', object: managed(cm('listed', '3')) }, endBookmark('10')], true);
        else if (req.query.get('watch') === 'true')
          watchStream(res, [{ type: 'ADDED', object: managed(cm('watched', '12')) }], true);
        else json(res, 200, { metadata: { resourceVersion: '10' }, items: [managed(cm('listed', '3'))] });
      };
      informer = createInformer(rest, CONFIG_MAP, { namespace: 'knative-serving', streamingList });
      informer.start();
      await informer.waitForSync(3000);
      await until(() => informer?.get('knative-serving', 'watched') !== undefined);
      for (const name of ['listed', 'watched']) {
        const obj = informer.get('knative-serving', name);
        expect(obj?.metadata?.resourceVersion).toBeDefined();
        expect((obj?.metadata as { managedFields?: unknown } | undefined)?.managedFields).toBeUndefined();
        expect(JSON.stringify(obj)).not.toContain('managedFields'); // nor in what a write built from it sends
      }
    },
  );

  test('metadata only: asked for as PartialObjectMetadata on a paged list and a watch, cached as the resource', async () => {
    const partial = (name: string, rv: string) => ({
      apiVersion: 'meta.k8s.io/v1',
      kind: 'PartialObjectMetadata',
      metadata: { namespace: 'default', name, resourceVersion: rv, generation: 2 },
    });
    const accepts: Array<[string, string | undefined]> = [];
    stub.handler = (req: SeenRequest, res) => {
      const watch = req.query.get('watch') === 'true';
      accepts.push([watch ? 'watch' : 'list', req.accept]);
      if (watch) watchStream(res, [{ type: 'ADDED', object: partial('hello-mesh', '12') }], true);
      else json(res, 200, { metadata: { resourceVersion: '11' }, items: [partial('hello-ingress', '10')] });
    };
    informer = createInformer<KubeObject>(rest, VIRTUAL_SERVICE, { metadataOnly: true, streamingList: false });
    informer.start();
    await informer.waitForSync(3000);
    await until(() => informer?.get('default', 'hello-mesh') !== undefined);
    expect(accepts).toEqual([
      ['list', 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1'],
      ['watch', 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1'],
    ]);
    for (const name of ['hello-ingress', 'hello-mesh'])
      expect(informer.get('default', name)).toMatchObject({
        apiVersion: 'networking.istio.io/v1beta1',
        kind: 'VirtualService',
        metadata: { name, generation: 2 },
      });
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
      streamingList: false,
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
        streamingList: false,
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
      const source = kubeListWatch<KubeObject>(rest, { path: '/api/v1/configmaps', pageSize: 1, streamingList: false });
      await expect(source.list()).rejects.toMatchObject({ code: 410 });
    });
  });

  describe('streaming lists (a watch with sendInitialEvents)', () => {
    test('list by a watch that ends at its bookmark, closed by us, and the watch resumes from there', async () => {
      const closed: string[] = [];
      stub.handler = (req, res) => {
        if (req.query.get('sendInitialEvents') === 'true') {
          res.on('close', () => closed.push('stream'));
          const events = [
            { type: 'ADDED', object: cm('a', '3') },
            { type: 'ADDED', object: cm('b', '4') },
          ];
          // What follows the bookmark belongs to a watch the list does not wait for.
          watchStream(res, [...events, endBookmark('20'), { type: 'ADDED', object: cm('late', '21') }], true);
        } else if (req.query.get('watch') === 'true')
          watchStream(res, [{ type: 'ADDED', object: cm('c', '22') }], true);
        else json(res, 500, {});
      };
      const added: string[] = [];
      informer = createInformer(rest, CONFIG_MAP, { namespace: 'knative-serving', labelSelector: 'app=x' });
      informer.addHandlers({ add: (o) => added.push(o.metadata?.name ?? '') });
      informer.start();
      await informer.waitForSync(3000);
      await until(() => added.length === 3 && closed.length === 1);
      expect(added).toEqual(['a', 'b', 'c']);

      const [stream, watch, ...more] = stub.seen;
      expect(more).toEqual([]); // no paged list
      expect(Object.fromEntries(stream?.query ?? [])).toEqual({
        labelSelector: 'app=x',
        sendInitialEvents: 'true',
        resourceVersionMatch: 'NotOlderThan',
        allowWatchBookmarks: 'true',
        timeoutSeconds: '1800',
        watch: 'true',
      });
      expect(watch?.query.get('resourceVersion')).toBe('20');
      expect(watch?.query.get('sendInitialEvents')).toBeNull();
    });

    test('an API server that refuses them (422) is listed page by page, then and on every relist', async () => {
      let streams = 0;
      let lists = 0;
      let watches = 0;
      stub.handler = (req, res) => {
        if (req.query.get('sendInitialEvents') === 'true') {
          streams += 1;
          status(
            res,
            422,
            'Invalid',
            'sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled',
          );
        } else if (req.query.get('watch') === 'true') {
          watches += 1;
          if (watches === 1) status(res, 410, 'Expired', 'too old resource version');
          else watchStream(res, [], true);
        } else {
          lists += 1;
          json(res, 200, { metadata: { resourceVersion: String(lists * 100) }, items: [cm('a', '3')] });
        }
      };
      const errors: string[] = [];
      informer = createInformer(rest, CONFIG_MAP, { minBackoffMs: 20, onError: (_err, phase) => errors.push(phase) });
      informer.start();
      await informer.waitForSync(3000);
      await until(() => watches === 2);
      expect([streams, lists]).toEqual([1, 2]);
      expect(errors).toEqual(['relist']); // the refusal itself is no error
      expect(informer.get('knative-serving', 'a')).toBeDefined();
    });

    test.each([
      [
        'ends before its bookmark',
        (res: http.ServerResponse) => watchStream(res, [{ type: 'ADDED', object: cm('a', '3') }], false),
      ],
      [
        'sends an ERROR',
        (res: http.ServerResponse) =>
          watchStream(
            res,
            [{ type: 'ERROR', object: { kind: 'Status', code: 500, reason: 'InternalError', message: 'etcd hiccup' } }],
            true,
          ),
      ],
      ['is refused with 503', (res: http.ServerResponse) => status(res, 503, 'ServiceUnavailable', 'starting')],
    ])('a stream that %s fails the list, which is retried as a stream', async (_name, broken) => {
      let streams = 0;
      stub.handler = (req, res) => {
        if (req.query.get('sendInitialEvents') === 'true') {
          streams += 1;
          if (streams === 1) broken(res);
          else watchStream(res, [{ type: 'ADDED', object: cm('b', '4') }, endBookmark('20')], true);
        } else if (req.query.get('watch') === 'true') watchStream(res, [], true);
        else json(res, 500, {});
      };
      const errors: string[] = [];
      informer = createInformer(rest, CONFIG_MAP, { minBackoffMs: 20, onError: (_err, phase) => errors.push(phase) });
      informer.start();
      await informer.waitForSync(3000);
      expect(streams).toBe(2);
      expect(errors).toEqual(['list']);
      // Only what the complete stream listed: the broken one's objects are not kept.
      expect(informer.list().map((o) => o.metadata?.name)).toEqual(['b']);
    });
  });
});
