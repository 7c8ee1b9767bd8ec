import { describe, expect, test } from '@jest/globals';
import { Informer, type ListWatchSource } from '../../../src/kube/informer.js';
import type { KubeObject } from '../../../src/kube/types.js';
import { FakeClock, flush } from './fakeclock.js';

interface Obj extends KubeObject {
  spec?: { v: number };
}

function obj(ns: string, name: string, rv: string, v = 0): Obj {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: ns, name, resourceVersion: rv }, spec: { v } };
}

interface FakeWatch {
  rv: string;
  timeout: number;
  onEvent: (type: string, obj: unknown) => void;
  onDone: (err: unknown) => void;
  aborted: boolean;
}

/** A scripted API server: the test sets the next list result and drives each watch by hand. */
class FakeSource implements ListWatchSource<Obj> {
  items: Obj[] = [];
  rv = '1';
  listError: unknown;
  lists = 0;
  watches: FakeWatch[] = [];

  async list(): Promise<{ items: Obj[]; resourceVersion: string }> {
    this.lists += 1;
    if (this.listError) throw this.listError;
    return { items: [...this.items], resourceVersion: this.rv };
  }

  async watch(rv: string, timeout: number, onEvent: FakeWatch['onEvent'], onDone: FakeWatch['onDone']) {
    const w: FakeWatch = { rv, timeout, onEvent, onDone, aborted: false };
    this.watches.push(w);
    return {
      abort: () => {
        w.aborted = true;
        // client-node reports an abort as an AbortError through done.
        onDone(Object.assign(new Error('The user aborted a request.'), { name: 'AbortError' }));
      },
    };
  }

  last(): FakeWatch {
    const w = this.watches[this.watches.length - 1];
    if (!w) throw new Error('no watch');
    return w;
  }
}

function setup(opts: { resyncMs?: number; watchdogGraceMs?: number } = {}) {
  const clock = new FakeClock();
  const source = new FakeSource();
  const errors: Array<[string, string]> = [];
  const informer = new Informer<Obj>(source, {
    clock,
    resyncMs: opts.resyncMs ?? 0,
    watchTimeoutSeconds: () => 300,
    watchdogGraceMs: opts.watchdogGraceMs,
    onError: (err, phase) => errors.push([phase, err instanceof Error ? err.message : String(err)]),
  });
  const events: string[] = [];
  informer.addHandlers({
    add: (o) => events.push(`add ${o.metadata?.name}@${o.metadata?.resourceVersion}`),
    update: (a, b) =>
      events.push(`update ${b.metadata?.name}@${a.metadata?.resourceVersion}->${b.metadata?.resourceVersion}`),
    delete: (o) => events.push(`delete ${o.metadata?.name}`),
    resync: () => events.push('resync'),
  });
  return { clock, source, informer, events, errors };
}

/** The API server goes away: the watch breaks, then two reconnects are refused (backoff 1 s, 2 s, and now 4 s). */
async function outage(clock: FakeClock, source: FakeSource): Promise<void> {
  source.last().onDone(Object.assign(new Error('connection closed'), { code: 'ECONNRESET' }));
  for (const wait of [1000, 2000]) {
    await clock.advance(wait);
    source.last().onDone(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
  }
  await clock.advance(4000);
}

describe('Informer', () => {
  test('lists, syncs, serves the cache, and applies watch events', async () => {
    const { clock, source, informer, events } = setup();
    source.items = [obj('a', 'one', '5'), obj('b', 'two', '6')];
    source.rv = '10';
    const synced = informer.waitForSync(1000);
    informer.start();
    await synced;
    expect(informer.hasSynced()).toBe(true);
    expect(events).toEqual(['add one@5', 'add two@6']);
    expect(informer.get('a', 'one')?.metadata?.resourceVersion).toBe('5');
    expect(informer.getByKey('b/two')?.metadata?.name).toBe('two');
    expect(informer.list('a').map((o) => o.metadata?.name)).toEqual(['one']);
    expect(informer.list()).toHaveLength(2);
    expect(informer.keys().sort()).toEqual(['a/one', 'b/two']);
    expect(source.last().rv).toBe('10');

    const w = source.last();
    w.onEvent('ADDED', obj('a', 'three', '11'));
    w.onEvent('MODIFIED', obj('a', 'one', '12', 1));
    w.onEvent('MODIFIED', obj('a', 'one', '12', 1));
    w.onEvent('DELETED', obj('b', 'two', '13'));
    w.onEvent('BOOKMARK', { metadata: { resourceVersion: '20' } });
    expect(events.slice(2)).toEqual(['add three@11', 'update one@5->12', 'delete two']);
    expect(informer.list('b')).toEqual([]);
    expect(informer.lastSyncResourceVersion()).toBe('20');

    // The server ends the watch at its timeout: resume from the last version, no relist.
    await clock.advance(300_000);
    w.onDone(null);
    await clock.advance(0);
    expect(source.lists).toBe(1);
    expect(source.last().rv).toBe('20');
    await informer.stop();
  });

  test('watch errors reconnect with capped exponential backoff and resume from the last version', async () => {
    const { clock, source, informer, errors } = setup();
    informer.start();
    await flush();
    const starts: number[] = [];
    for (let i = 0; i < 7; i++) {
      const before = source.watches.length;
      source.last().onDone(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
      const t0 = clock.now();
      while (source.watches.length === before) await clock.advance(100);
      starts.push(clock.now() - t0);
    }
    expect(starts).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(source.lists).toBe(1);
    expect(source.watches.every((w) => w.rv === '1')).toBe(true);
    expect(errors.filter(([phase]) => phase === 'watch')).toHaveLength(7);

    // An event proves the connection healthy again: the next failure starts from the minimum.
    source.last().onEvent('ADDED', obj('a', 'x', '2'));
    source.last().onDone(new Error('reset'));
    await clock.advance(999);
    const n = source.watches.length;
    await clock.advance(1);
    expect(source.watches.length).toBe(n + 1);
    await informer.stop();
  });

  test('410 Gone in the stream relists and reports what changed meanwhile', async () => {
    const { clock, source, informer, events } = setup();
    source.items = [obj('a', 'keep', '1'), obj('a', 'change', '1'), obj('a', 'vanish', '1')];
    informer.start();
    await flush();
    events.length = 0;
    source.items = [obj('a', 'keep', '1'), obj('a', 'change', '7'), obj('a', 'new', '8')];
    source.rv = '9';
    source
      .last()
      .onEvent('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' });
    await clock.advance(0);
    expect(source.lists).toBe(2);
    expect(events).toEqual(['delete vanish', 'update change@1->7', 'add new@8']);
    expect(source.last().rv).toBe('9');
    expect(source.watches[0]?.aborted).toBe(true);
    await informer.stop();
  });

  test('after an outage, the 410 that greets the reconnected watch relists at once; 410 again right away backs off', async () => {
    const { clock, source, informer } = setup();
    informer.start();
    await flush();
    await outage(clock, source);
    expect(source.lists).toBe(1);
    // It is back, with our resourceVersion compacted away.
    source.last().onDone(Object.assign(new Error('Gone'), { statusCode: 410 }));
    await clock.advance(0);
    expect(source.lists).toBe(2);
    source.last().onDone(Object.assign(new Error('Gone'), { statusCode: 410 }));
    await clock.advance(1999);
    expect(source.lists).toBe(2);
    await clock.advance(1);
    expect(source.lists).toBe(3);
    await informer.stop();
  });

  test('after an outage, a 429 "storage is (re)initializing" waits its Retry-After, ten times in a row at most', async () => {
    const { clock, source, informer } = setup();
    informer.start();
    await flush();
    await outage(clock, source);
    source.last().onDone(Object.assign(new Error('Gone'), { statusCode: 410 }));
    // The restarted API server's watch cache is not ready: it asks for a second, not the outage's next 8 s.
    source.listError = {
      code: 429,
      body: JSON.stringify({ kind: 'Status', code: 429, reason: 'TooManyRequests', details: { retryAfterSeconds: 1 } }),
      headers: { 'retry-after': '1' },
    };
    await clock.advance(0);
    expect(source.lists).toBe(2);
    for (let asked = 1; asked <= 10; asked++) {
      await clock.advance(999);
      expect(source.lists).toBe(1 + asked);
      await clock.advance(1);
      expect(source.lists).toBe(2 + asked);
    }
    // The eleventh in a row is a failure like any other, and the backoff doubles from there.
    await clock.advance(1000);
    expect(source.lists).toBe(13);
    await clock.advance(1999);
    expect(source.lists).toBe(13);
    await clock.advance(1);
    expect(source.lists).toBe(14);
    source.listError = undefined;
    await clock.advance(4000);
    expect(informer.hasSynced()).toBe(true);
    await informer.stop();
  });

  test('a 429 Status in the watch stream waits the retryAfterSeconds it names, then watches on', async () => {
    const { clock, source, informer } = setup();
    informer.start();
    await flush();
    const watches = source.watches.length;
    source
      .last()
      .onEvent('ERROR', { kind: 'Status', code: 429, reason: 'TooManyRequests', details: { retryAfterSeconds: 3 } });
    await clock.advance(2999);
    expect(source.watches.length).toBe(watches);
    await clock.advance(1);
    expect(source.watches.length).toBe(watches + 1);
    expect(source.lists).toBe(1);
    await informer.stop();
  });

  test('an HTTP 410 on the watch request relists too', async () => {
    const { clock, source, informer } = setup();
    informer.start();
    await flush();
    source.last().onDone(Object.assign(new Error('Gone'), { statusCode: 410 }));
    await clock.advance(0);
    expect(source.lists).toBe(2);
    await informer.stop();
  });

  test('a failing list is retried with backoff; the cache is not synced meanwhile', async () => {
    const { clock, source, informer, errors } = setup();
    source.listError = Object.assign(new Error('Internal'), { statusCode: 500 });
    const waiting = informer.waitForSync(2500);
    informer.start();
    await flush();
    expect(informer.hasSynced()).toBe(false);
    await clock.advance(1000);
    expect(source.lists).toBe(2);
    await clock.advance(1999);
    expect(source.lists).toBe(2);
    const rejected = expect(waiting).rejects.toThrow('did not sync');
    await clock.advance(1);
    await rejected;
    expect(source.lists).toBe(3);
    source.listError = undefined;
    await clock.advance(4000);
    expect(informer.hasSynced()).toBe(true);
    expect(errors.filter(([phase]) => phase === 'list')).toHaveLength(3);
    await informer.stop();
  });

  test("a forbidden list fails waitForSync at once, naming the informer and the server's reason; it keeps retrying", async () => {
    const { clock, source, informer } = setup();
    source.listError = {
      code: 403,
      body: JSON.stringify({
        kind: 'Status',
        code: 403,
        reason: 'Forbidden',
        message: 'ingresses.networking.internal.knative.dev is forbidden: User "x" cannot list resource "ingresses"',
      }),
    };
    const waiting = informer.waitForSync(60_000);
    informer.start();
    await expect(waiting).rejects.toThrow(/^informer: 403 Forbidden: .*cannot list resource "ingresses"/);
    await expect(informer.waitForSync(60_000)).rejects.toThrow('403 Forbidden');
    source.listError = undefined;
    await clock.advance(1000);
    expect(informer.hasSynced()).toBe(true);
    await expect(informer.waitForSync()).resolves.toBeUndefined();
    await informer.stop();
  });

  test('a server that closes every watch at once does not cause a reconnect storm', async () => {
    const { clock, source, informer } = setup();
    informer.start();
    await flush();
    for (let i = 0; i < 50; i++) {
      const w = source.last();
      if (!w.aborted) w.onDone(null);
      await clock.advance(100);
    }
    // 5 s of closes: reconnects after 1, 2 (and 4 pending) seconds, not 50.
    expect(source.watches.length).toBeLessThanOrEqual(4);
    await informer.stop();
  });

  test('a watch silent past its timeout is restarted by the watchdog', async () => {
    const { clock, source, informer, errors } = setup({ watchdogGraceMs: 10_000 });
    informer.start();
    await flush();
    await clock.advance(309_999);
    expect(source.watches).toHaveLength(1);
    await clock.advance(1);
    expect(source.watches[0]?.aborted).toBe(true);
    expect(errors.some(([, m]) => m.includes('silent'))).toBe(true);
    await clock.advance(1000);
    expect(source.watches).toHaveLength(2);
    await informer.stop();
  });

  test('periodic resync re-emits every cached object as an update', async () => {
    const { clock, source, informer, events } = setup({ resyncMs: 60_000 });
    source.items = [obj('a', 'one', '1'), obj('b', 'two', '2')];
    informer.start();
    await flush();
    events.length = 0;
    await clock.advance(60_000);
    expect(events).toEqual(['update one@1->1', 'update two@2->2', 'resync']);
    await clock.advance(60_000);
    expect(events).toHaveLength(6);
    await informer.stop();
    await clock.advance(120_000);
    expect(events).toHaveLength(6);
  });

  test('stop() aborts the watch and ignores its late callbacks', async () => {
    const { clock, source, informer, events, errors } = setup();
    informer.start();
    await flush();
    const w = source.last();
    await informer.stop();
    expect(w.aborted).toBe(true);
    w.onEvent('ADDED', obj('a', 'late', '3'));
    w.onDone(new Error('late'));
    await clock.advance(60_000);
    expect(events).toEqual([]);
    expect(errors).toEqual([]);
    expect(source.watches).toHaveLength(1);
  });

  test('stop() before the first sync rejects waiters; start() again resumes', async () => {
    const { source, informer } = setup();
    source.listError = new Error('down');
    const waiting = informer.waitForSync();
    informer.start();
    await flush();
    await informer.stop();
    await expect(waiting).rejects.toThrow('stopped');
    source.listError = undefined;
    informer.start();
    await informer.waitForSync();
    expect(informer.hasSynced()).toBe(true);
    await informer.stop();
  });

  test('a large list is cached in slices, serving the event loop in between; a stop meanwhile leaves it unsynced', async () => {
    const { source, informer, events } = setup();
    source.items = Array.from({ length: 2500 }, (_, i) => obj('a', `o${i}`, String(i + 1)));
    let addsBeforeTurn = -1;
    setImmediate(() => (addsBeforeTurn = events.length));
    informer.start();
    await informer.waitForSync();
    expect(addsBeforeTurn).toBeGreaterThan(0);
    expect(addsBeforeTurn).toBeLessThan(2500);
    expect(informer.list()).toHaveLength(2500);
    await informer.stop();

    const second = setup();
    second.source.items = source.items;
    const waiting = second.informer.waitForSync();
    second.informer.start();
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
    await second.informer.stop();
    await expect(waiting).rejects.toThrow('stopped');
    expect(second.events.length).toBeLessThan(2500);
    expect(second.informer.hasSynced()).toBe(false);
  });

  test('a throwing handler is reported and does not starve the others', async () => {
    const { source, informer, events, errors } = setup();
    informer.addHandlers({
      add: () => {
        throw new Error('handler bug');
      },
    });
    source.items = [obj('a', 'one', '1')];
    informer.start();
    await flush();
    expect(events).toEqual(['add one@1']);
    expect(errors).toEqual([['handler', 'handler bug']]);
    const late: string[] = [];
    informer.addHandlers({ add: (o) => late.push(o.metadata?.name ?? '') });
    expect(late).toEqual(['one']);
    await informer.stop();
  });
});
