// Faults: KIngresses that cannot converge. A foreign VirtualService holds the name; a VirtualService is too
// large for etcd; another writer strips our ownerReference. Each is reported once and backs off: its status
// is not rewritten on every failed attempt (which would re-enqueue it and defeat the backoff).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestNamespace, eventually } from '../../harness/kube.js';
import { TestEnv, type Wire } from '../operator/env.js';
import { isReady } from '../operator/env.js';
import { figure, StatusWrites } from './support.js';

const env = new TestEnv();
let ns: string;
const watchers: StatusWrites[] = [];
/**
 * Status writes are counted over a stuck KIngress's first failed attempts, while its backoff is still short. An
 * attempt on the oversized one sends megabytes and takes seconds, hence fewer of those; either way a write per
 * attempt (the failure this guards against) would be more writes than the two allowed.
 */
const ATTEMPTS = { taken: 8, huge: 4 };

beforeAll(async () => {
  await env.setup();
  ns = await createTestNamespace('stuck');
  await env.startOperator();
});
afterAll(async () => {
  for (const w of watchers) await w.stop();
  await env.teardown();
});

async function watchStatus(name: string): Promise<StatusWrites> {
  const w = new StatusWrites();
  watchers.push(w);
  await w.start(ns, name);
  return w;
}

const condition = async (name: string, type: string) => env.conditions(await env.kingress(ns, name))[type];
const failedReconciles = (name: string, since: number) =>
  env.logs.lines
    .slice(since)
    .filter((l) => l.msg === 'reconcile failed, will retry' && l.fields?.kingress === `${ns}/${name}`).length;

/** A KIngress whose one external rule has `n` paths (Serving never makes these; a hand-written one can). */
function manyPaths(name: string, n: number): Wire {
  const ing = env.servingKIngress(ns, name, [{ revision: `${name}-00001`, percent: 100 }]);
  const rules = ing.spec?.rules as Array<{ http: { paths: Array<Record<string, unknown>> } }>;
  const split = rules[0]!.http.paths[0]!;
  rules[0]!.http.paths = Array.from({ length: n }, (_v, i) => ({ ...split, path: `/api/v1/resource-${i}` }));
  rules.splice(1);
  return ing;
}

describe('stuck KIngresses back off', () => {
  test('a foreign VirtualService and an oversized one: NotOwned / ObjectTooLarge once, then (almost) no status writes', async () => {
    const foreign: Wire = {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: { name: 'taken-ingress', namespace: ns, labels: { team: 'someone-else' } },
      spec: { hosts: ['mine.example.com'], http: [{ route: [{ destination: { host: 'mine.svc' } }] }] },
    };
    await env.client.create(foreign);
    const takenWrites = await watchStatus('taken');
    const hugeWrites = await watchStatus('huge');
    const t0 = Date.now();
    const logMark = env.logs.lines.length;
    await env.client.create(env.servingKIngress(ns, 'taken', [{ revision: 't-00001', percent: 100 }]));
    await env.client.create(manyPaths('huge', 2000));

    await eventually(
      'taken: NotOwned',
      async () => ((await condition('taken', 'NetworkConfigured'))?.[1] === 'NotOwned' ? true : undefined),
      30_000,
    );
    const tooLarge = await eventually(
      'huge: ObjectTooLarge',
      async () => {
        const ready = await condition('huge', 'Ready');
        return ready?.[1] === 'ObjectTooLarge' ? ready : undefined;
      },
      60_000,
    );
    expect(tooLarge[0]).toBe('False');
    // The size, the limit, and what to do.
    expect(tooLarge[2]).toMatch(
      /^VirtualService .*\/huge-ingress is \d+ bytes, too large to store \(.*(limit is|at most) \d+ bytes.*\): .*split the KIngress/,
    );
    figure('oversized KIngress (2,000 paths) Ready message', tooLarge[2]);

    // Each failed attempt used to stamp a new lastTransitionTime, so most attempts wrote the status, and
    // each write re-enqueued the KIngress at once, past its backoff. Counted until both failed often enough.
    await eventually(
      `${ATTEMPTS.taken} failed reconciles of taken, ${ATTEMPTS.huge} of huge`,
      async () =>
        failedReconciles('taken', logMark) >= ATTEMPTS.taken && failedReconciles('huge', logMark) >= ATTEMPTS.huge
          ? true
          : undefined,
      120_000,
      50,
    );
    const taken = takenWrites.since(t0);
    const huge = hugeWrites.since(t0);
    figure(
      `status writes over the first ${ATTEMPTS.taken} failed reconciles, foreign VirtualService`,
      `${taken} (${failedReconciles('taken', logMark)} failed reconciles)`,
    );
    figure(
      `status writes over the first ${ATTEMPTS.huge} failed reconciles, oversized VirtualService`,
      `${huge} (${failedReconciles('huge', logMark)} failed reconciles)`,
    );
    expect(taken).toBeLessThanOrEqual(2);
    expect(huge).toBeLessThanOrEqual(2);

    // The foreign VirtualService goes: its deletion is watched, so Ready follows at once, not after the backoff.
    const t1 = Date.now();
    await env.client.delete({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      namespace: ns,
      name: 'taken-ingress',
    });
    await eventually(
      'taken Ready after the foreign VirtualService is deleted',
      async () => (isReady(await env.kingress(ns, 'taken')) ? true : undefined),
      15_000,
    );
    figure('foreign VirtualService deleted -> Ready', `${Date.now() - t1} ms`);
    expect((await env.virtualService(ns, 'taken-ingress'))?.metadata.ownerReferences?.[0]?.name).toBe('taken');
  });

  test('another writer strips our ownerReference: NotOwned, the VirtualService is left alone', async () => {
    await env.client.create(env.servingKIngress(ns, 'stripped', [{ revision: 's-00001', percent: 100 }]));
    await eventually(
      'stripped Ready',
      async () => (isReady(await env.kingress(ns, 'stripped')) ? true : undefined),
      30_000,
    );
    const vs = await env.virtualService(ns, 'stripped-ingress');
    const { ownerReferences: _gone, ...metadata } = vs!.metadata;
    const taken = await env.client.update({ ...vs!, metadata });
    const ready = await eventually(
      'stripped: NotOwned',
      async () => {
        const c = await condition('stripped', 'NetworkConfigured');
        return c?.[1] === 'NotOwned' ? await condition('stripped', 'Ready') : undefined;
      },
      30_000,
    );
    expect(ready?.[0]).toBe('False');
    expect((await env.virtualService(ns, 'stripped-ingress'))?.metadata.resourceVersion).toBe(
      taken.metadata.resourceVersion,
    );
  });
});
