import { describe, expect, test } from '@jest/globals';
import type { Condition } from '../../../src/api/kingress.js';
import { Conditions, LOAD_BALANCER_READY, NETWORK_CONFIGURED, READY } from '../../../src/reconciler/conditions.js';
import { sameStatus, StatusBuilder } from '../../../src/reconciler/status.js';

let tick = 0;
const now = () => `2026-01-01T00:00:${String(tick++).padStart(2, '0')}Z`;
const view = (c: Conditions) =>
  Object.fromEntries(c.list().map((x) => [x.type, [x.status, x.reason ?? '', x.message ?? '']]));

describe('Knative living condition set', () => {
  test('initialize: all Unknown, sorted by type', () => {
    const c = new Conditions(undefined, now);
    c.initialize();
    expect(c.list().map((x) => [x.type, x.status])).toEqual([
      [LOAD_BALANCER_READY, 'Unknown'],
      [NETWORK_CONFIGURED, 'Unknown'],
      [READY, 'Unknown'],
    ]);
  });

  test('initialize with Ready True adds missing dependents as True', () => {
    const c = new Conditions([{ type: READY, status: 'True' }], now);
    c.initialize();
    expect(view(c)[NETWORK_CONFIGURED]?.[0]).toBe('True');
  });

  test('Ready becomes True only when every dependent is', () => {
    const c = new Conditions(undefined, now);
    c.initialize();
    c.markTrue(NETWORK_CONFIGURED);
    expect(view(c)[READY]?.[0]).toBe('Unknown');
    c.markTrue(LOAD_BALANCER_READY);
    expect(view(c)[READY]).toEqual(['True', '', '']);
  });

  test('a dependent set Unknown makes Ready Unknown with its reason', () => {
    const c = new Conditions(undefined, now);
    c.initialize();
    c.markTrue(NETWORK_CONFIGURED);
    c.markUnknown(LOAD_BALANCER_READY, 'Uninitialized', 'Waiting for load balancer to be ready');
    expect(view(c)[READY]).toEqual(['Unknown', 'Uninitialized', 'Waiting for load balancer to be ready']);
  });

  test('NotOwned, then a failed VirtualService, then the reconcile error: Ready False ReconcileIngressFailed', () => {
    const c = new Conditions(undefined, now);
    c.initialize();
    c.markFalse(NETWORK_CONFIGURED, 'NotOwned', 'There is an existing VirtualService "x" that we do not own.');
    c.markFalse(LOAD_BALANCER_READY, 'ReconcileVirtualServiceFailed', 'notowned: ...');
    c.markUnknown(READY, 'ReconcileIngressFailed', 'Ingress reconciliation failed');
    expect(view(c)).toEqual({
      [LOAD_BALANCER_READY]: ['False', 'ReconcileVirtualServiceFailed', 'notowned: ...'],
      [NETWORK_CONFIGURED]: ['False', 'NotOwned', 'There is an existing VirtualService "x" that we do not own.'],
      [READY]: ['False', 'ReconcileIngressFailed', 'Ingress reconciliation failed'],
    });
  });

  test('a plain reconcile error leaves Ready Unknown with ReconcileIngressFailed', () => {
    const c = new Conditions(undefined, now);
    c.initialize();
    c.markUnknown(READY, 'ReconcileIngressFailed', 'Ingress reconciliation failed');
    expect(view(c)[READY]).toEqual(['Unknown', 'ReconcileIngressFailed', 'Ingress reconciliation failed']);
    expect(view(c)[NETWORK_CONFIGURED]).toEqual(['Unknown', '', '']);
  });

  test('lastTransitionTime moves only when the condition changes', () => {
    const existing: Condition[] = [
      { type: READY, status: 'True', lastTransitionTime: 'then' },
      { type: NETWORK_CONFIGURED, status: 'True', lastTransitionTime: 'then' },
      { type: LOAD_BALANCER_READY, status: 'True', lastTransitionTime: 'then' },
    ];
    const c = new Conditions(existing, now);
    c.initialize();
    c.markTrue(NETWORK_CONFIGURED);
    c.markTrue(LOAD_BALANCER_READY);
    expect(c.list().map((x) => x.lastTransitionTime)).toEqual(['then', 'then', 'then']);
    c.markUnknown(LOAD_BALANCER_READY, 'Uninitialized', 'w');
    expect(c.get(LOAD_BALANCER_READY)?.lastTransitionTime).not.toBe('then');
  });

  test('failing the same way again rebuilds the stored conditions, transition times included', () => {
    const first = new Conditions(undefined, now);
    first.initialize();
    const fail = (c: Conditions) => {
      c.markFalse(NETWORK_CONFIGURED, 'NotOwned', 'There is an existing VirtualService "x" that we do not own.');
      c.markFalse(LOAD_BALANCER_READY, 'ReconcileVirtualServiceFailed', 'notowned: ...');
      // Ready passes through Unknown on its way back to False: no transition as far as the stored status goes.
      c.markUnknown(READY, 'ReconcileIngressFailed', 'Ingress reconciliation failed');
    };
    fail(first);
    const again = new Conditions(first.list(), now);
    again.initialize();
    fail(again);
    expect(again.list()).toEqual(first.list());
  });

  test('a new reason or message with the same status keeps the transition time', () => {
    const c = new Conditions(
      [{ type: READY, status: 'False', reason: 'A', message: 'a', lastTransitionTime: 'then' }],
      now,
    );
    c.markFalse(READY, 'B', 'b');
    expect(c.get(READY)).toEqual({
      type: READY,
      status: 'False',
      reason: 'B',
      message: 'b',
      lastTransitionTime: 'then',
    });
  });
});

describe('sameStatus', () => {
  test('transition times are volatile; everything else counts', () => {
    const status = (t: string, reason = 'R') => ({
      observedGeneration: 1,
      conditions: [{ type: READY, status: 'False' as const, reason, lastTransitionTime: t }],
    });
    expect(sameStatus(status('a'), status('b'))).toBe(true);
    expect(sameStatus(status('a'), status('a', 'S'))).toBe(false);
    expect(sameStatus({}, status('a'))).toBe(false);
  });
});

describe('StatusBuilder pre-processing', () => {
  const ing = (generation: number, observedGeneration: number, ready: boolean) => ({
    apiVersion: 'networking.internal.knative.dev/v1alpha1' as const,
    kind: 'Ingress' as const,
    metadata: { name: 'x', namespace: 'n', generation },
    spec: {},
    status: {
      observedGeneration,
      conditions: [{ type: READY, status: ready ? ('True' as const) : ('Unknown' as const), lastTransitionTime: 't' }],
    },
  });
  test('a new generation resets Ready to Unknown and is observed', () => {
    const s = new StatusBuilder(ing(2, 1, true), () => new Date(0));
    expect(s.wasReady).toBe(false);
    expect(s.conditions.get(READY)).toMatchObject({
      status: 'Unknown',
      reason: 'NewObservedGenFailure',
      message: 'unsuccessfully observed a new generation',
    });
    expect(s.build().observedGeneration).toBe(2);
  });
  test('ready at this generation', () => {
    expect(new StatusBuilder(ing(3, 3, true), () => new Date(0)).wasReady).toBe(true);
    expect(new StatusBuilder(ing(3, 3, false), () => new Date(0)).wasReady).toBe(false);
  });
  test('load balancers are written when ready', () => {
    const s = new StatusBuilder(ing(1, 0, false), () => new Date(0));
    s.conditions.markTrue(NETWORK_CONFIGURED);
    s.markLoadBalancerReady(
      [{ domainInternal: 'higress-gateway.higress-system.svc.cluster.local' }],
      [{ meshOnly: true }],
    );
    expect(s.build()).toMatchObject({
      observedGeneration: 1,
      publicLoadBalancer: { ingress: [{ domainInternal: 'higress-gateway.higress-system.svc.cluster.local' }] },
      privateLoadBalancer: { ingress: [{ meshOnly: true }] },
    });
    expect(s.conditions.isTrue(READY)).toBe(true);
  });
});
