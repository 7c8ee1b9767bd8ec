import type { Conditions } from './conditions.js';
import { LOAD_BALANCER_READY, NETWORK_CONFIGURED } from './conditions.js';

/** A reconcile failure that also says what it does to the KIngress conditions. */
export class ReconcileError extends Error {
  override readonly name = 'ReconcileError';
  constructor(message: string, readonly mark?: (c: Conditions) => void) {
    super(message);
  }
}

/** Knative's NotOwned: an object with our name exists and is not controlled by this KIngress. */
export function notOwned(kind: string, name: string, ingressName: string): ReconcileError {
  return new ReconcileError(
    `notowned: owner: ${ingressName} with Type *v1alpha1.Ingress does not own ${kind}: "${name}"`,
    (c) => c.markFalse(NETWORK_CONFIGURED, 'NotOwned', `There is an existing ${kind} "${name}" that we do not own.`),
  );
}

/** VirtualService failures are reported on LoadBalancerReady, as net-istio does. */
export function virtualServiceFailed(err: unknown): ReconcileError {
  const message = err instanceof Error ? err.message : String(err);
  const previous = err instanceof ReconcileError ? err.mark : undefined;
  return new ReconcileError(message, (c) => {
    previous?.(c);
    c.markFalse(LOAD_BALANCER_READY, 'ReconcileVirtualServiceFailed', message);
  });
}
