import { afterEach, describe, expect, test } from '@jest/globals';
import type { KIngress } from '../../../src/api/kingress.js';
import { ConfigError, type ControllerOptions } from '../../../src/controller/controller.js';
import { PermissionError } from '../../../src/controller/preflight.js';
import { writtenReadiness } from '../../../src/controller/readiness.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { recordingLogger } from '../../../src/observability/logger.js';
import type { Readiness } from '../../../src/reconciler/deps.js';
import { KINGRESS_FINALIZER } from '../../../src/translate/constants.js';
import { eventually } from '../../harness/kube.js';
import { ObservedController } from '../../harness/observed-controller.js';
import { FakeReadiness, OPTIONS } from '../reconciler/fakes.js';
import { CERT, GATEWAY_SERVICE, ingress, tlsSecret } from '../reconciler/objects.js';
import { FakeApiServer, type Obj } from './fakeapi.js';

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
}

/** A controller over a fake API server holding `objects` ([plural, object]), started and synced. */
async function start(
  objects: Array<[string, object]>,
  o: { opts?: Partial<ControllerOptions>; readiness?: Readiness; denied?: string[]; reviewsFail?: boolean } = {},
): Promise<Started> {
  api = new FakeApiServer();
  for (const r of o.denied ?? []) api.denied.add(r);
  api.reviewsFail = o.reviewsFail ?? false;
  const rest = await api.start();
  for (const [plural, obj] of objects) api.put(plural, obj as Obj);
  const { logger, lines } = recordingLogger();
  const readiness = new FakeReadiness(true);
  controller = new ObservedController(
    rest,
    { ...OPTS, ...o.opts },
    logger,
    new Metrics({ defaultMetrics: false }),
    o.readiness ?? readiness,
  );
  await controller.start(5000);
  return { api, controller, lines, readiness };
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

  test('access reviews that fail are no reason to refuse to start', async () => {
    const s = await start([['ingresses', fresh(ingress())]], { reviewsFail: true });
    await eventually('hello Ready', async () => ready(s.api));
    expect(
      s.lines.some((l) => l.level === 'debug' && l.msg === 'permission check skipped: access reviews failed'),
    ).toBe(true);
  });
});
