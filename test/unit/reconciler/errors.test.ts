import { describe, expect, test } from '@jest/globals';
import { Conditions, LOAD_BALANCER_READY, NETWORK_CONFIGURED } from '../../../src/reconciler/conditions.js';
import { notOwned, tooLarge, virtualServiceFailed } from '../../../src/reconciler/errors.js';

const ref = { apiVersion: 'networking.istio.io/v1beta1', kind: 'VirtualService', namespace: 'ns', name: 'x-ingress' };

describe('reconcile errors', () => {
  test.each([
    [
      'the API server body limit',
      'Request entity too large: limit is 3145728',
      "the API server's limit is 3145728 bytes",
    ],
    [
      'the gRPC limit towards etcd',
      'rpc error: code = ResourceExhausted desc = trying to send message larger than max (2130795 vs. 2097152)',
      "the API server's limit is 2097152 bytes",
    ],
    [
      'etcd, no number given',
      'etcdserver: request is too large',
      'etcd stores at most 1572864 bytes per object by default',
    ],
  ])('too large, %s: the size, the limit and what to do', (_what, server, limit) => {
    const err = tooLarge(ref, 2130525, server);
    expect(err.message).toBe(
      `VirtualService ns/x-ingress is 2130525 bytes, too large to store (${limit}): ${server}; split the KIngress into smaller ones`,
    );
    expect(err.details.readyReason).toBe('ObjectTooLarge');
  });

  test('wrapped as a VirtualService failure, the details and the inner marks survive', () => {
    const blocked = virtualServiceFailed(notOwned('VirtualService', 'x-ingress', 'x', ref));
    expect(blocked.details.blockedBy).toEqual(ref);
    const c = new Conditions(undefined, () => 't');
    c.initialize();
    blocked.mark?.(c);
    expect(c.get(NETWORK_CONFIGURED)?.reason).toBe('NotOwned');
    expect(c.get(LOAD_BALANCER_READY)?.reason).toBe('ReconcileVirtualServiceFailed');
    expect(virtualServiceFailed(tooLarge(ref, 1, 'x')).details.readyReason).toBe('ObjectTooLarge');
    expect(notOwned('Secret', 's', 'x').details.blockedBy).toBeUndefined();
  });
});
