import type { Conditions } from './conditions.js';
import { LOAD_BALANCER_READY, NETWORK_CONFIGURED } from './conditions.js';
import type { TypedObjectRef } from '../api/meta.js';

export interface ReconcileErrorDetails {
  /** The object in the way (one we do not own): the controller watches it and retries when it goes. */
  blockedBy?: TypedObjectRef;
  /** Ready takes this reason and the error's message instead of the generic ReconcileIngressFailed. */
  readyReason?: string;
}

/** A reconcile failure that also says what it does to the KIngress conditions. */
export class ReconcileError extends Error {
  override readonly name = 'ReconcileError';
  /** `cause`: the API error behind it, so a 409 from a stale cache is still seen as a conflict (isConflict). */
  constructor(
    message: string,
    readonly mark?: (c: Conditions) => void,
    readonly details: ReconcileErrorDetails = {},
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/**
 * Knative's NotOwned: an object with our name exists and is not controlled by this KIngress. With
 * `blockedBy` the controller follows that object and retries as soon as it is deleted.
 */
export function notOwned(kind: string, name: string, ingressName: string, blockedBy?: TypedObjectRef): ReconcileError {
  return new ReconcileError(
    `notowned: owner: ${ingressName} with Type *v1alpha1.Ingress does not own ${kind}: "${name}"`,
    (c) => c.markFalse(NETWORK_CONFIGURED, 'NotOwned', `There is an existing ${kind} "${name}" that we do not own.`),
    blockedBy ? { blockedBy } : {},
  );
}

/** etcd's default --max-request-bytes: what a stored object may weigh unless the cluster raised it. */
const ETCD_DEFAULT_MAX_REQUEST_BYTES = 1_572_864;

/**
 * The API server refused an object for its size. Retrying cannot help until the KIngress changes, so
 * the status says so once, with the size and the limit, and the failure backs off like any other.
 */
export function tooLarge(ref: TypedObjectRef, bytes: number, serverMessage: string): ReconcileError {
  // `limit is 3145728` (the API server's body limit), `(2130795 vs. 2097152)` (its gRPC limit towards etcd).
  const stated = (/limit is (\d+)/i.exec(serverMessage) ?? /\(\d+ vs\. (\d+)\)/.exec(serverMessage))?.[1];
  const limit = stated
    ? `the API server's limit is ${stated} bytes`
    : `etcd stores at most ${ETCD_DEFAULT_MAX_REQUEST_BYTES} bytes per object by default`;
  const message =
    `${ref.kind} ${ref.namespace}/${ref.name} is ${bytes} bytes, too large to store (${limit}): ${serverMessage}; ` +
    'split the KIngress into smaller ones';
  return new ReconcileError(message, (c) => c.markFalse(NETWORK_CONFIGURED, 'ObjectTooLarge', message), {
    readyReason: 'ObjectTooLarge',
  });
}

/** VirtualService failures are reported on LoadBalancerReady, as net-istio does. */
export function virtualServiceFailed(err: unknown): ReconcileError {
  const message = err instanceof Error ? err.message : String(err);
  const inner = err instanceof ReconcileError ? err : undefined;
  return new ReconcileError(
    message,
    (c) => {
      inner?.mark?.(c);
      c.markFalse(LOAD_BALANCER_READY, 'ReconcileVirtualServiceFailed', message);
    },
    inner?.details,
    err,
  );
}
