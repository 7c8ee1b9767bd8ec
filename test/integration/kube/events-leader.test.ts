// Event recorder and Lease leader election against a real kube-apiserver.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestNamespace, eventually, testKubeConfig } from '../../harness/kube.js';
import { EventRecorder, restEventSink } from '../../../src/kube/events.js';
import { LeaderElector, restLeaseStore } from '../../../src/kube/leader.js';
import { collectionPath, EVENT } from '../../../src/kube/resources.js';
import { RestClient } from '../../../src/kube/rest.js';
import { KubeWriter } from '../../../src/kube/writer.js';

let rest: RestClient;
let ns: string;

beforeAll(async () => {
  rest = new RestClient(testKubeConfig());
  ns = await createTestNamespace('kube-events');
});

afterAll(() => rest.close());

interface EventList {
  items: Array<{
    reason: string;
    type: string;
    message: string;
    count: number;
    reportingComponent: string;
    involvedObject: { uid?: string; kind?: string };
  }>;
}

describe('EventRecorder on a real API server', () => {
  test('records Events on a KIngress and folds repeats into a count', async () => {
    const ing = await new KubeWriter(rest).create<{
      apiVersion: string;
      kind: string;
      metadata: { name: string; namespace: string; uid?: string };
      spec: unknown;
    }>({
      apiVersion: 'networking.internal.knative.dev/v1alpha1',
      kind: 'Ingress',
      metadata: { name: 'evented', namespace: ns },
      spec: { rules: [] },
    });
    const errors: string[] = [];
    const recorder = new EventRecorder(restEventSink(rest), { onError: (_e, s) => errors.push(s) });
    await recorder.record(ing, 'Warning', 'NotOwned', 'VirtualService evented-ingress is not owned by this KIngress');
    await recorder.record(ing, 'Warning', 'NotOwned', 'VirtualService evented-ingress is not owned by this KIngress');
    await recorder.record(ing, 'Normal', 'Created', 'Created VirtualService evented-ingress');
    expect(errors).toEqual([]);
    const list = await rest.request<EventList>({ method: 'GET', path: collectionPath(EVENT, ns) });
    const byReason = Object.fromEntries(list.items.map((e) => [e.reason, e]));
    expect(byReason.NotOwned).toMatchObject({
      type: 'Warning',
      count: 2,
      reportingComponent: 'net-higress',
      involvedObject: { kind: 'Ingress', uid: ing.metadata.uid },
    });
    expect(byReason.Created?.count).toBe(1);
  });

  test('a rejected event is reported, not thrown', async () => {
    const errors: string[] = [];
    const recorder = new EventRecorder(restEventSink(rest), { onError: (_e, s) => errors.push(s) });
    await recorder.record(
      { kind: 'Ingress', metadata: { name: 'x', namespace: 'no-such-namespace-here' } },
      'Warning',
      'X',
      'y',
    );
    expect(errors).toHaveLength(1);
  });
});

describe('LeaderElector on a real API server', () => {
  test('one of two replicas leads; the other takes over when it stops', async () => {
    const log: string[] = [];
    const errors: unknown[] = [];
    const make = (id: string) =>
      new LeaderElector(restLeaseStore(rest), {
        namespace: ns,
        name: 'net-higress',
        identity: id,
        leaseDurationMs: 3000,
        renewDeadlineMs: 2000,
        retryPeriodMs: 200,
        onStartedLeading: () => log.push(`${id} started`),
        onStoppedLeading: () => log.push(`${id} stopped`),
        onError: (e) => errors.push(e),
      });
    const a = make('a');
    const b = make('b');
    a.start();
    await eventually('a leads', async () => (a.isLeader() ? true : undefined));
    b.start();
    const readLease = () =>
      rest.request<{ spec: { holderIdentity: string; renewTime: string; leaseDurationSeconds: number } }>({
        method: 'GET',
        path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/net-higress`,
      });
    // b stands by while a renews: a's renewals, not a fixed wait, measure that b had its chances to take over.
    await eventually('b sees a leading', async () => (b.observedLeader() === 'a' ? true : undefined));
    const renewals = new Set<string>();
    await eventually(
      'a renews twice while b retries',
      async () => {
        renewals.add((await readLease()).spec.renewTime);
        return renewals.size >= 3 ? true : undefined;
      },
      10_000,
      50,
    );
    expect(b.isLeader()).toBe(false);
    expect(log).toEqual(['a started']);

    const lease = await readLease();
    expect(lease.spec.holderIdentity).toBe('a');
    expect(lease.spec.renewTime).toMatch(/\.\d{6}Z$/);
    expect(lease.spec.leaseDurationSeconds).toBe(3);

    await a.stop();
    await eventually('b leads', async () => (b.isLeader() ? true : undefined), 5000);
    await b.stop();
    expect(log).toEqual(['a started', 'a stopped', 'b started', 'b stopped']);
    expect(errors).toEqual([]);
  });
});
