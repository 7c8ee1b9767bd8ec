import { afterEach, describe, expect, test } from '@jest/globals';
import { Blockers } from '../../../src/controller/blockers.js';
import { eventually } from '../../harness/kube.js';
import { FakeApiServer, isWatchRequest, type Obj } from './fakeapi.js';

const ref = {
  apiVersion: 'networking.istio.io/v1beta1',
  kind: 'VirtualService',
  namespace: 'default',
  name: 'hello-ingress',
};
const blocker = {
  apiVersion: ref.apiVersion,
  kind: ref.kind,
  metadata: { name: ref.name, namespace: ref.namespace },
  spec: {},
} as Obj;

let api: FakeApiServer | undefined;
let blockers: Blockers | undefined;
afterEach(async () => {
  await blockers?.stop();
  await api?.stop();
});

async function setup(): Promise<{ api: FakeApiServer; blockers: Blockers; retried: string[] }> {
  api = new FakeApiServer();
  const rest = await api.start();
  const retried: string[] = [];
  blockers = new Blockers(
    rest,
    (key) => retried.push(key),
    () => undefined,
  );
  return { api, blockers, retried };
}

const watches = (a: FakeApiServer) => a.requests('GET', '/virtualservices').filter(isWatchRequest).length;

describe('Blockers: a KIngress is retried when the object in its way goes', () => {
  test('followed once per KIngress, retried on delete, released', async () => {
    const s = await setup();
    s.api.put('virtualservices', blocker);
    s.blockers.follow('default/hello', ref);
    s.blockers.follow('default/hello', ref);
    expect(s.blockers.size()).toBe(1);
    await eventually('watching', async () => (watches(s.api) === 1 ? true : undefined));
    s.api.remove('virtualservices', 'default', 'hello-ingress');
    await eventually('retried', async () => (s.retried.length > 0 ? s.retried : undefined));
    expect(s.retried).toEqual(['default/hello']);
    s.blockers.release('default/hello');
    s.blockers.release('default/hello');
    expect(s.blockers.size()).toBe(0);
  });

  test('gone before the watch began: retried once the cache has synced', async () => {
    const s = await setup();
    s.blockers.follow('default/hello', ref);
    await eventually('retried', async () => (s.retried.length > 0 ? s.retried : undefined));
    expect(s.retried).toEqual(['default/hello']);
  });

  test('another object in the way replaces the one followed', async () => {
    const s = await setup();
    s.api.put('virtualservices', blocker);
    s.blockers.follow('default/hello', ref);
    s.blockers.follow('default/hello', { ...ref, kind: 'Gateway', name: 'hello-gw' });
    expect(s.blockers.size()).toBe(1);
    await eventually('gateway followed', async () =>
      s.api.requests('GET', '/gateways').find((r) => r.query.get('fieldSelector') === 'metadata.name=hello-gw'),
    );
  });
});
