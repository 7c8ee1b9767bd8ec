// The informer against a real kube-apiserver: events, a cut network, 410 Gone, resync, selectors.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestNamespace, eventually, testKubeConfig } from '../../harness/kube.js';
import { Informer, type ListWatchSource } from '../../../src/kube/informer.js';
import { createInformer, kubeListWatch } from '../../../src/kube/listwatch.js';
import { collectionPath, CONFIG_MAP, KINGRESS } from '../../../src/kube/resources.js';
import { RestClient } from '../../../src/kube/rest.js';
import type { KubeObject } from '../../../src/kube/types.js';
import { KubeWriter } from '../../../src/kube/writer.js';
import { viaServer } from './kubeconfigs.js';
import { TcpProxy } from './tcpproxy.js';

interface KIngress extends KubeObject {
  metadata: { name: string; namespace: string; resourceVersion?: string; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

function kingress(ns: string, name: string, note = 'a'): KIngress {
  return {
    apiVersion: 'networking.internal.knative.dev/v1alpha1',
    kind: 'Ingress',
    metadata: { name, namespace: ns, annotations: { note } },
    spec: {
      rules: [
        {
          hosts: [`${name}.example.com`],
          visibility: 'ExternalIP',
          http: { paths: [{ splits: [{ serviceName: name, serviceNamespace: ns, servicePort: 80, percent: 100 }] }] },
        },
      ],
    },
  };
}

/** Collects handler calls as `verb name@resourceVersion` lines. */
function recorder(informer: Informer<KubeObject>): string[] {
  const seen: string[] = [];
  const tag = (o: KubeObject) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`;
  informer.addHandlers({
    add: (o) => seen.push(`add ${tag(o)}`),
    update: (a, b) => seen.push(`${a === b ? 'resync' : 'update'} ${tag(b)}`),
    delete: (o) => seen.push(`delete ${o.metadata?.name}`),
    resync: () => seen.push('resync-done'),
  });
  return seen;
}

const has = (lines: string[], prefix: string) => async () =>
  lines.some((l) => l.startsWith(prefix)) ? true : undefined;

let rest: RestClient;
let writer: KubeWriter;
let ns: string;
const informers: Array<Informer<KubeObject>> = [];
const closers: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  rest = new RestClient(testKubeConfig());
  writer = new KubeWriter(rest);
  ns = await createTestNamespace('kube-informer');
});

afterEach(async () => {
  for (const i of informers.splice(0)) await i.stop();
  for (const c of closers.splice(0)) await c();
});

afterAll(() => rest.close());

function track<T extends Informer<KubeObject>>(i: T): T {
  informers.push(i);
  return i;
}

describe('Informer on a real API server', () => {
  test('sees add, update and delete of KIngresses', async () => {
    const errors: unknown[] = [];
    const informer = track(
      createInformer<KubeObject>(rest, KINGRESS, { namespace: ns, onError: (e) => errors.push(e) }),
    );
    const seen = recorder(informer);
    informer.start();
    await informer.waitForSync(30_000);

    const created = await writer.create(kingress(ns, 'one'));
    await eventually('add', has(seen, 'add one@'));
    expect(informer.get(ns, 'one')?.metadata?.resourceVersion).toBe(created.metadata.resourceVersion);

    const updated = await writer.update({ ...created, metadata: { ...created.metadata, annotations: { note: 'b' } } });
    await eventually('update', has(seen, `update one@${updated.metadata.resourceVersion}`));
    expect((informer.getByKey(`${ns}/one`) as KIngress | undefined)?.metadata.annotations?.note).toBe('b');

    await writer.delete({
      apiVersion: 'networking.internal.knative.dev/v1alpha1',
      kind: 'Ingress',
      namespace: ns,
      name: 'one',
    });
    await eventually('delete', has(seen, 'delete one'));
    expect(informer.get(ns, 'one')).toBeUndefined();
    expect(informer.list(ns)).toEqual([]);
  });

  test('survives cut connections and a refusing server, and catches up on what it missed', async () => {
    const server = new URL(testKubeConfig().getCurrentCluster()?.server ?? '');
    const proxy = new TcpProxy(server.hostname, Number(server.port));
    const port = await proxy.listen();
    closers.push(() => proxy.close());
    const viaProxy = new RestClient(viaServer(testKubeConfig(), `https://127.0.0.1:${port}`));
    closers.push(() => viaProxy.close());

    const errors: string[] = [];
    const informer = track(
      createInformer<KubeObject>(viaProxy, KINGRESS, {
        namespace: ns,
        minBackoffMs: 100,
        maxBackoffMs: 400,
        onError: (e) => errors.push(String(e)),
      }),
    );
    const seen = recorder(informer);
    informer.start();
    await informer.waitForSync(30_000);

    // Cut the watch mid-stream: it reconnects and resumes from its resourceVersion.
    proxy.cut();
    await writer.create(kingress(ns, 'after-cut'));
    await eventually('add after the cut', has(seen, 'add after-cut@'), 15_000);

    // Refuse connections for a while: objects created and deleted meanwhile are caught up with.
    const refusedBefore = errors.length;
    await proxy.close();
    await writer.create(kingress(ns, 'while-down'));
    await writer.delete({
      apiVersion: 'networking.internal.knative.dev/v1alpha1',
      kind: 'Ingress',
      namespace: ns,
      name: 'after-cut',
    });
    await eventually('two reconnects refused', async () => (errors.length >= refusedBefore + 2 ? true : undefined));
    expect(seen.some((l) => l.startsWith('add while-down'))).toBe(false);
    await proxy.listen(port);
    await eventually('add while-down', has(seen, 'add while-down@'), 15_000);
    await eventually('delete after-cut', has(seen, 'delete after-cut'), 15_000);
    // Reconnect attempts while refused were spaced by the backoff, not a hot loop.
    expect(errors.length).toBeLessThan(15);
    await writer.delete({
      apiVersion: 'networking.internal.knative.dev/v1alpha1',
      kind: 'Ingress',
      namespace: ns,
      name: 'while-down',
    });
  });

  test('a KIngress list asks for each next page before parsing the one it has (its metadata comes last)', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) await writer.create(kingress(ns, name));
    const order: string[] = [];
    const paged = new RestClient(testKubeConfig());
    const requestText = paged.requestText.bind(paged);
    paged.requestText = (req) => {
      order.push(req.query?.continue === undefined ? 'ask first' : 'ask next');
      return requestText(req);
    };
    const source = kubeListWatch<KubeObject>(paged, {
      path: collectionPath(KINGRESS, ns),
      pageSize: 1,
      streamingList: false,
      trim: (o) => order.push(`got ${(o as KubeObject).metadata?.name ?? ''}`),
    });
    const { items } = await source.list();
    paged.close();
    const names = items.map((i) => i.metadata?.name ?? '').filter((n) => n.startsWith('page-'));
    expect(names).toEqual(['page-a', 'page-b', 'page-c']);
    // Before the first object is handled, the second page is already on its way.
    expect(order.slice(0, 3)).toEqual(['ask first', 'ask next', `got ${items[0]?.metadata?.name ?? ''}`]);
    expect(order.filter((o) => o === 'ask next').length).toBe(items.length - 1);
  });

  test('relists on 410 Gone and reports objects deleted in between', async () => {
    // Resume the second watch from resourceVersion 1, long compacted from the watch cache: the
    // API server answers with an in-stream 410 Expired.
    const real = kubeListWatch<KubeObject>(rest, { path: collectionPath(KINGRESS, ns) });
    let watches = 0;
    let lists = 0;
    const source: ListWatchSource<KubeObject> = {
      list: async () => {
        lists += 1;
        return real.list();
      },
      watch: (rv, timeout, onEvent, onDone) => {
        watches += 1;
        return real.watch(watches === 2 ? '1' : rv, timeout, onEvent, onDone);
      },
    };
    await writer.create(kingress(ns, 'doomed'));
    const phases: string[] = [];
    const informer = track(
      new Informer<KubeObject>(source, { minBackoffMs: 100, onError: (_err, phase) => phases.push(phase) }),
    );
    const seen = recorder(informer);
    informer.start();
    await informer.waitForSync(30_000);
    expect(seen.some((l) => l.startsWith('add doomed@'))).toBe(true);

    // Delete while no watch runs: end the first watch by stopping, delete, then start again.
    await informer.stop();
    await writer.delete({
      apiVersion: 'networking.internal.knative.dev/v1alpha1',
      kind: 'Ingress',
      namespace: ns,
      name: 'doomed',
    });
    await writer.create(kingress(ns, 'newcomer'));
    informer.start();
    await eventually('relist after 410', async () => (lists >= 2 ? true : undefined), 15_000);
    await eventually('delete doomed', has(seen, 'delete doomed'), 15_000);
    await eventually('add newcomer', has(seen, 'add newcomer@'), 15_000);
    expect(watches).toBeGreaterThanOrEqual(3);
    // Reported as a routine relist (the controller logs it at info), not as a failed watch.
    expect(phases).toEqual(['relist']);
    await writer.delete({
      apiVersion: 'networking.internal.knative.dev/v1alpha1',
      kind: 'Ingress',
      namespace: ns,
      name: 'newcomer',
    });
  });

  test('periodic resync re-emits every cached object without changes', async () => {
    await writer.create(kingress(ns, 'steady'));
    const informer = track(createInformer<KubeObject>(rest, KINGRESS, { namespace: ns, resyncMs: 500 }));
    const seen = recorder(informer);
    informer.start();
    await informer.waitForSync(30_000);
    const rv = informer.get(ns, 'steady')?.metadata?.resourceVersion;
    await eventually(
      'two resyncs',
      async () => (seen.filter((l) => l === 'resync-done').length >= 2 ? true : undefined),
      10_000,
    );
    expect(seen.filter((l) => l === `resync steady@${rv}`).length).toBeGreaterThanOrEqual(2);
    expect(seen.filter((l) => l.startsWith('update '))).toEqual([]);
    await writer.delete({
      apiVersion: 'networking.internal.knative.dev/v1alpha1',
      kind: 'Ingress',
      namespace: ns,
      name: 'steady',
    });
  });

  test('a field selector follows a single ConfigMap; a label selector filters list and watch', async () => {
    const core = (name: string, labels?: Record<string, string>) =>
      rest.request({
        method: 'POST',
        path: collectionPath(CONFIG_MAP, ns),
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels }, data: { k: name } },
      });
    await core('config-network', { pick: 'yes' });
    const byName = track(
      createInformer<KubeObject>(rest, CONFIG_MAP, { namespace: ns, fieldSelector: 'metadata.name=config-istio' }),
    );
    const byLabel = track(createInformer<KubeObject>(rest, CONFIG_MAP, { namespace: ns, labelSelector: 'pick=yes' }));
    const named = recorder(byName);
    const labelled = recorder(byLabel);
    byName.start();
    byLabel.start();
    await Promise.all([byName.waitForSync(30_000), byLabel.waitForSync(30_000)]);
    expect(labelled.filter((l) => l.startsWith('add '))).toHaveLength(1);
    await core('config-istio');
    await core('other', { pick: 'yes' });
    await eventually('config-istio', has(named, 'add config-istio@'));
    await eventually('labelled other', has(labelled, 'add other@'));
    expect(byName.list().map((o) => o.metadata?.name)).toEqual(['config-istio']);
    expect(
      byLabel
        .list()
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(['config-network', 'other']);
  });
});
