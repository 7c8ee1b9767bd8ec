import { afterEach, describe, expect, jest, test } from '@jest/globals';
import type { KIngress } from '../../../src/api/kingress.js';
import { ConfigError, type ControllerOptions } from '../../../src/controller/controller.js';
import { PermissionError } from '../../../src/controller/preflight.js';
import { writtenReadiness } from '../../../src/controller/readiness.js';
import { Metrics, type ReconcileResult } from '../../../src/observability/metrics.js';
import { recordingLogger } from '../../../src/observability/logger.js';
import type { Readiness } from '../../../src/reconciler/deps.js';
import { KINGRESS_FINALIZER } from '../../../src/translate/constants.js';
import { eventually } from '../../harness/kube.js';
import { ObservedController } from '../../harness/observed-controller.js';
import { FakeReadiness, OPTIONS } from '../reconciler/fakes.js';
import { CERT, GATEWAY_SERVICE, ingress, tlsSecret } from '../reconciler/objects.js';
import { rule, split } from '../translate/fixtures.js';
import type { SeenRequest } from '../kube/stubserver.js';
import { FakeApiServer, isWatchRequest, type Obj } from './fakeapi.js';

const OPTS: ControllerOptions = { ...OPTIONS, workers: 2, qps: 1000, burst: 1000, resyncPeriodSeconds: 0 };

let api: FakeApiServer | undefined;
let controller: ObservedController | undefined;

afterEach(async () => {
  await controller?.stop();
  controller = undefined;
  await api?.stop();
  api = undefined;
});

interface Started {
  api: FakeApiServer;
  controller: ObservedController;
  lines: ReturnType<typeof recordingLogger>['lines'];
  readiness: FakeReadiness;
  metrics: Metrics;
}

/** A controller over a fake API server holding `objects` ([plural, object]), started and synced. */
async function start(
  objects: Array<[string, object]>,
  o: {
    opts?: Partial<ControllerOptions>;
    readiness?: Readiness;
    denied?: string[];
    reviewsFail?: boolean;
    /** Faults and held watches to set up on the API server before the controller starts. */
    before?: (api: FakeApiServer) => void;
  } = {},
): Promise<Started> {
  api = new FakeApiServer();
  for (const r of o.denied ?? []) api.denied.add(r);
  api.reviewsFail = o.reviewsFail ?? false;
  const rest = await api.start();
  for (const [plural, obj] of objects) api.put(plural, obj as Obj);
  o.before?.(api);
  const { logger, lines } = recordingLogger();
  const readiness = new FakeReadiness(true);
  const metrics = new Metrics({ defaultMetrics: false });
  controller = new ObservedController(rest, { ...OPTS, ...o.opts }, logger, metrics, o.readiness ?? readiness);
  await controller.start(5000);
  return { api, controller, lines, readiness, metrics };
}

const condition = (ing: KIngress | undefined, type: string) => ing?.status?.conditions?.find((c) => c.type === type);
const ready = (a: FakeApiServer, name = 'hello') => {
  const ing = a.get<KIngress>('ingresses', 'default', name);
  return condition(ing, 'Ready')?.status === 'True' ? ing : undefined;
};
const fresh = (k: KIngress): Obj => {
  const { resourceVersion: _r, finalizers: _f, ...metadata } = k.metadata;
  return { ...k, metadata };
};
const jsonEq = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const vs = (a: FakeApiServer, name = 'hello-ingress') => a.get<Obj>('virtualservices', 'default', name);

describe('Controller', () => {
  test('reconciles its class at start, leaves other classes alone, and restores what another client deletes', async () => {
    const other = fresh(ingress({ class: 'istio.ingress.networking.knative.dev' }));
    const theirs = { ...other, metadata: { ...other.metadata, name: 'theirs', uid: 'theirs-uid' } };
    const s = await start(
      [
        ['ingresses', fresh(ingress())],
        ['ingresses', theirs],
      ],
      { readiness: writtenReadiness },
    );
    const done = await eventually('hello Ready', async () => ready(s.api));
    expect(done.metadata.finalizers).toEqual([KINGRESS_FINALIZER]);
    expect(s.api.get<KIngress>('ingresses', 'default', 'theirs')?.metadata.finalizers).toBeUndefined();
    expect(s.controller.hasSynced()).toBe(true);
    expect(s.controller.isLeader()).toBe(true);
    expect(
      s.lines.some(
        (l) =>
          l.level === 'warn' &&
          l.msg === 'ConfigMap knative-serving/config-istio not found; using defaults until it exists',
      ),
    ).toBe(true);
    // Events reach the API server and the log alike.
    await eventually('Created Event', async () =>
      s.api.requests('POST', '/events').find((r) => (r.body as { reason?: string }).reason === 'Created'),
    );
    expect(
      s.lines.some((l) => l.msg === 'Created VirtualService "hello-ingress"' && l.fields.kingress === 'default/hello'),
    ).toBe(true);

    // The VirtualService cache lists and watches metadata only.
    const vsWatches = s.api.requests('GET', '/virtualservices').filter(isWatchRequest);
    expect(vsWatches.length).toBeGreaterThan(0);
    expect(vsWatches.map((r) => r.accept)).toEqual(
      vsWatches.map(() => 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1'),
    );

    const before = vs(s.api)?.metadata.resourceVersion;
    s.api.remove('virtualservices', 'default', 'hello-ingress');
    const again = await eventually('VirtualService recreated', async () => vs(s.api));
    expect(again.metadata.resourceVersion).not.toBe(before);
    s.api.put('virtualservices', { ...again, spec: { hosts: ['changed.example.com'] } });
    await eventually('VirtualService spec restored', async () =>
      jsonEq(vs(s.api)?.spec, again.spec) ? true : undefined,
    );
    expect(s.controller.stats().reconciles).toBeGreaterThanOrEqual(2);
  });

  test('NotOwned: follows the VirtualService in the way and retries as soon as it is deleted', async () => {
    const blocker = {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: {
        name: 'hello-ingress',
        namespace: 'default',
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'x-uid', controller: true }],
      },
      spec: { hosts: ['theirs.example.com'] },
    };
    const s = await start([
      ['ingresses', fresh(ingress())],
      ['virtualservices', blocker],
    ]);
    await eventually(
      'NotOwned',
      async () =>
        condition(s.api.get('ingresses', 'default', 'hello'), 'NetworkConfigured')?.reason === 'NotOwned' || undefined,
    );
    // Retried by its backoff meanwhile: the same blocker stays followed by one watch.
    await eventually('retried', async () => (s.controller.stats().reconciles >= 3 ? true : undefined));
    expect(vs(s.api)?.spec).toEqual(blocker.spec);
    // The blocker is watched by name: its deletion, not the failure backoff, brings the retry.
    await eventually('blocker watched', async () =>
      s.api
        .requests('GET', '/virtualservices')
        .find((r) => r.query.get('fieldSelector') === 'metadata.name=hello-ingress' && r.query.get('watch') === 'true'),
    );
    s.api.remove('virtualservices', 'default', 'hello-ingress');
    await eventually('hello Ready', async () => ready(s.api));
    expect((vs(s.api)?.metadata as { ownerReferences?: Array<{ uid: string }> }).ownerReferences?.[0]?.uid).toBe(
      'hello-uid',
    );
  });

  test('a rotated TLS Secret is copied again; a changed config resyncs, an invalid one is reported and ignored', async () => {
    const origin = tlsSecret('tls', { 'tls.crt': CERT, 'tls.key': 'a2V5' });
    const tls = fresh(
      ingress({ tls: [{ hosts: ['hello.example.com'], secretName: 'tls', secretNamespace: 'default' }] }),
    );
    const s = await start([
      ['ingresses', tls],
      ['secrets', origin],
      ['services', GATEWAY_SERVICE],
    ]);
    await eventually('hello Ready', async () => ready(s.api));
    const copy = s.api.list('secrets').find((x) => x.metadata.namespace === 'higress-system');
    expect(copy?.data).toEqual(origin.data);

    s.api.put('secrets', { ...origin, data: { 'tls.crt': CERT, 'tls.key': 'bmV3' } });
    await eventually(
      'copy rotated',
      async () =>
        (s.api.get<Obj>('secrets', 'higress-system', copy!.metadata.name)?.data as Record<string, string>)[
          'tls.key'
        ] === 'bmV3' || undefined,
    );

    s.api.put('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config-istio', namespace: 'knative-serving' },
      data: { 'external-gateways': '[]', 'gateway.knative-serving.x': 'y' },
    });
    await eventually('InvalidConfiguration Event', async () =>
      s.api.requests('POST', '/events').find((r) => (r.body as { reason?: string }).reason === 'InvalidConfiguration'),
    );
    expect(
      s.lines.some((l) => l.level === 'error' && l.msg === 'invalid configuration ignored, keeping the last good one'),
    ).toBe(true);

    s.api.put('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config-network', namespace: 'knative-serving' },
      data: { 'cluster-local-domain-tls': 'Enabled' },
    });
    await eventually('resync', async () =>
      s.lines.find((l) => l.msg === 'configuration changed, resyncing all KIngresses'),
    );
  });

  test('class changed away: our objects and finalizer go; a deleted KIngress is forgotten', async () => {
    const s = await start([['ingresses', fresh(ingress())]]);
    const done = await eventually('hello Ready', async () => ready(s.api));
    s.api.put('ingresses', {
      ...done,
      metadata: {
        ...done.metadata,
        annotations: { 'networking.knative.dev/ingress.class': 'istio.ingress.networking.knative.dev' },
      },
    });
    await eventually('finalizer removed', async () =>
      s.api.get<KIngress>('ingresses', 'default', 'hello')?.metadata.finalizers === undefined ? true : undefined,
    );
    expect(vs(s.api)).toBeUndefined();
    expect(s.readiness.forgotten).toContain('default/hello');

    s.api.remove('ingresses', 'default', 'hello');
    const forgotten = s.readiness.forgotten.length;
    await eventually('forgotten again', async () => (s.readiness.forgotten.length > forgotten ? true : undefined));
  });

  test('with leader election: reconciles once leading, releases the Lease on stop', async () => {
    const s = await start([['ingresses', fresh(ingress())]], {
      opts: { leaderElection: { namespace: 'knative-serving', name: 'net-higress', identity: 'me' } },
    });
    await eventually('hello Ready', async () => ready(s.api));
    expect(s.controller.isLeader()).toBe(true);
    expect(
      s.api.get<{ spec: { holderIdentity?: string } }>('leases', 'knative-serving', 'net-higress')?.spec.holderIdentity,
    ).toBe('me');
    expect(s.lines.some((l) => l.msg === 'started leading')).toBe(true);
    s.controller.requeue('default/hello');
    await s.controller.stop();
    controller = undefined;
    expect(
      s.api.get<{ spec: { holderIdentity?: string } }>('leases', 'knative-serving', 'net-higress')?.spec
        .holderIdentity ?? '',
    ).toBe('');
  });

  test('an invalid config at start is fatal, naming the namespace', async () => {
    await expect(
      start([
        [
          'configmaps',
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'config-istio', namespace: 'knative-serving' },
            data: { 'external-gateways': '[]', 'gateway.knative-serving.x': 'y' },
          },
        ],
      ]),
    ).rejects.toThrow(ConfigError);
  });

  test('missing permissions fail the start, naming each', async () => {
    const err = await start([], { denied: ['virtualservices'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermissionError);
    expect((err as Error).message).toMatch(/^forbidden: these credentials may not .*virtualservices/);
  });

  test('access reviews are sent a few at a time, not each on its own new connection', async () => {
    await start([], { before: (a) => (a.reviewDelayMs = 5) });
    expect(api?.maxReviewsInFlight).toBeGreaterThan(1);
    expect(api?.maxReviewsInFlight).toBeLessThanOrEqual(4);
  });

  test('the caches list while the access reviews run, not after them', async () => {
    const s = await start([], { before: (a) => (a.reviewDelayMs = 20) });
    const seen = s.api.seen;
    const firstList = seen.findIndex((r) => r.method === 'GET' && r.path.includes('/ingresses'));
    const lastReview = seen.map((r) => r.path.includes('selfsubjectaccessreviews')).lastIndexOf(true);
    expect(firstList).toBeGreaterThanOrEqual(0);
    expect(firstList).toBeLessThan(lastReview);
  });

  test('access reviews that fail are no reason to refuse to start', async () => {
    const s = await start([['ingresses', fresh(ingress())]], { reviewsFail: true });
    await eventually('hello Ready', async () => ready(s.api));
    expect(
      s.lines.some((l) => l.level === 'debug' && l.msg === 'permission check skipped: access reviews failed'),
    ).toBe(true);
  });
});

/** A KIngress like `hello` under another name and host, with `o`'s TLS and class. */
function named(name: string, o: Parameters<typeof ingress>[0] = {}): Obj {
  const host = `${name}.example.com`;
  const base = fresh(
    ingress({
      ...o,
      rules: [rule([host], 'ExternalIP', [{ splits: [split(name, 'default', 80, 100)] }])],
      tls: o.tls?.map((t) => ({ ...t, hosts: [host] })),
    }),
  );
  return { ...base, metadata: { ...base.metadata, name, uid: `${name}-uid` } };
}

/** A TLS Secret without Knative's certificate label: the labelled informer never sees it. */
function unlabelled(name: string, key: string): Obj {
  const secret = tlsSecret(name, { 'tls.crt': CERT, 'tls.key': key });
  const { labels: _l, ...metadata } = secret.metadata;
  return { ...secret, metadata };
}

const configMap = (name: string, data: Record<string, string>): Obj => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'knative-serving' },
  data,
});

/** Reconciles the controller finished with this metric result label. */
async function reconciled(metrics: Metrics, result: ReconcileResult): Promise<number> {
  const metric = await metrics.registry.getSingleMetric('net_higress_reconcile_total')?.get();
  return (metric?.values ?? []).filter((v) => v.labels.result === result).reduce((n, v) => n + v.value, 0);
}

const tlsKeyOfCopies = (a: FakeApiServer) =>
  a
    .list('secrets')
    .filter((x) => x.metadata.namespace === 'higress-system')
    .map((x) => (x.data as Record<string, string>)['tls.key']);

/** `watch: true` is a watch proper, `false` a list: paged, or streamed (a watch with sendInitialEvents). */
const request = (method: string, plural: string, o: { watch?: boolean; fieldSelector?: string } = {}) => {
  return (r: SeenRequest) =>
    r.method === method &&
    r.path.endsWith(`/${plural}`) &&
    (o.watch === undefined || isWatchRequest(r) === o.watch) &&
    (o.fieldSelector === undefined || r.query.get('fieldSelector') === o.fieldSelector);
};

describe('Controller: API server faults are logged naming what failed, and never stop the others', () => {
  const notOwnedVs = {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'VirtualService',
    metadata: { name: 'hello-ingress', namespace: 'default' },
    spec: { hosts: ['theirs.example.com'] },
  };
  const rows: Array<{
    name: string;
    objects?: Array<[string, object]>;
    before?: (api: FakeApiServer) => void;
    act?: (s: Started) => Promise<void>;
    line: { level: string; msg: string | RegExp };
    /** hello still becomes Ready. */
    ready: boolean;
  }> = [
    {
      name: 'a watch that fails',
      before: (a) => a.fail(request('GET', 'configmaps', { watch: true })),
      line: { level: 'warn', msg: /^watch of configmaps in knative-serving failed: / },
      ready: true,
    },
    {
      name: 'a watch whose resourceVersion expired relists, at info',
      act: async (s) => {
        await eventually('kingresses watched', async () => s.api.watching('ingresses') > 0 || undefined);
        s.api.expire('ingresses');
      },
      line: { level: 'info', msg: /^relisting kingresses: resourceVersion \d+ expired \(410 Gone\)/ },
      ready: true,
    },
    {
      name: 'an Event the API server refuses',
      before: (a) => a.fail(request('POST', 'events'), 403),
      line: { level: 'warn', msg: 'failed to record event' },
      ready: true,
    },
    {
      name: 'a failed write, retried with backoff',
      before: (a) => a.fail(request('POST', 'virtualservices'), 500),
      line: { level: 'warn', msg: 'reconcile failed, will retry' },
      ready: true,
    },
    {
      name: "the watch of a blocker (another writer's VirtualService) that fails",
      objects: [['virtualservices', notOwnedVs]],
      before: (a) => a.fail(request('GET', 'virtualservices', { fieldSelector: 'metadata.name=hello-ingress' })),
      line: { level: 'warn', msg: /^watch of virtualservices default\/hello-ingress failed: / },
      ready: false,
    },
    {
      name: 'a problem in a config-network key we do not read, at start',
      objects: [['configmaps', configMap('config-network', { 'system-internal-tls': 'sometimes' })]],
      line: { level: 'warn', msg: 'config-network: ignoring a problem in a key net-higress does not read' },
      ready: true,
    },
  ];

  test.each(rows)('$name', async (row) => {
    const s = await start([['ingresses', fresh(ingress())], ...(row.objects ?? [])], {
      readiness: writtenReadiness,
      before: row.before,
    });
    await row.act?.(s);
    const wanted = (msg: string) => (typeof row.line.msg === 'string' ? msg === row.line.msg : row.line.msg.test(msg));
    await eventually(`${row.line.level} ${String(row.line.msg)}`, async () =>
      s.lines.find((l) => l.level === row.line.level && wanted(l.msg)),
    );
    if (row.ready) await eventually('hello Ready', async () => ready(s.api));
    else
      await eventually(
        'NotOwned',
        async () =>
          condition(s.api.get('ingresses', 'default', 'hello'), 'NetworkConfigured')?.reason === 'NotOwned' ||
          undefined,
      );
  });
});

describe('Controller: caches', () => {
  test('a reconcile waits while the cache lags behind our last write of the KIngress', async () => {
    // One worker: keys run in the order they were added.
    const s = await start([['ingresses', fresh(ingress())]], {
      opts: { workers: 1 },
      before: (a) => a.hold('ingresses'),
    });
    await eventually('first reconcile', async () => (await reconciled(s.metrics, 'success')) === 1 || undefined);
    expect(ready(s.api)).toBeDefined();

    // The cache still holds hello without our finalizer and status: a reconcile now would start from that.
    s.controller.requeue('default/hello');
    s.controller.requeue('default/absent');
    await eventually('absent reconciled', async () => (await reconciled(s.metrics, 'skipped')) === 1 || undefined);
    expect(await reconciled(s.metrics, 'success')).toBe(1);

    s.api.release('ingresses');
    await eventually('hello reconciled again', async () => (await reconciled(s.metrics, 'success')) === 2 || undefined);
    for (const result of ['error', 'requeue'] as const) expect(await reconciled(s.metrics, result)).toBe(0);
  });

  test("a Secret without Knative's label is followed by name while a KIngress of ours may use it", async () => {
    const sweeps: Array<() => void> = [];
    const realSetInterval = globalThis.setInterval;
    // The controller's one interval is its sweep: the test runs it when it wants instead of every 30 s.
    const spy = jest.spyOn(globalThis, 'setInterval').mockImplementation((fn: () => void, ms?: number) => {
      sweeps.push(fn);
      return realSetInterval(fn, ms);
    });
    try {
      const tls = (secretName: string, secretNamespace = 'default') => ({
        tls: [{ hosts: [], secretName, secretNamespace }],
      });
      const s = await start([
        ['services', GATEWAY_SERVICE],
        ['secrets', unlabelled('plain', 'a2V5')],
        ['secrets', unlabelled('kept', 'a2V5')],
        ['secrets', tlsSecret('labelled', { 'tls.crt': CERT, 'tls.key': 'a2V5' })],
        ['ingresses', named('hello', tls('plain'))],
        ['ingresses', named('keeper', tls('kept'))],
        // Neither is followed: one is another layer's, the other names a namespace the policy refuses.
        ['ingresses', named('theirs', { ...tls('x'), class: 'istio.ingress.networking.knative.dev' })],
        ['ingresses', named('far', tls('elsewhere', 'other'))],
      ]);
      await eventually('hello Ready', async () => ready(s.api));
      await eventually('keeper Ready', async () => ready(s.api, 'keeper'));
      expect(s.api.watching('secrets', 'metadata.name=plain')).toBe(1);
      expect(s.api.watching('secrets', 'metadata.name=kept')).toBe(1);
      expect(s.api.requests('GET', '/namespaces/other/secrets')).toEqual([]);

      // A change of a followed Secret reaches the copy.
      s.api.put('secrets', unlabelled('plain', 'bmV3'));
      await eventually('copy rotated', async () => tlsKeyOfCopies(s.api).includes('bmV3') || undefined);

      // hello moves to a labelled Secret: the next sweep stops following `plain`, not `kept`.
      const moved = s.api.get<Obj>('ingresses', 'default', 'hello')!;
      s.api.put('ingresses', {
        ...moved,
        spec: named('hello', tls('labelled')).spec,
      });
      // Its copy of `plain` goes once hello names `labelled`.
      await eventually('copy of plain deleted', async () => !tlsKeyOfCopies(s.api).includes('bmV3') || undefined);
      expect(sweeps).toHaveLength(1);
      sweeps[0]!();
      await eventually(
        'plain no longer followed',
        async () => s.api.watching('secrets', 'metadata.name=plain') === 0 || undefined,
      );
      s.api.put('secrets', unlabelled('kept', 'a2VwdA=='));
      await eventually('kept still followed', async () => tlsKeyOfCopies(s.api).includes('a2VwdA==') || undefined);
    } finally {
      spy.mockRestore();
    }
  });
});
