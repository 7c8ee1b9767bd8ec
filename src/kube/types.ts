import { keyOf } from '../api/meta.js';

/**
 * The smallest object shape the kube plumbing relies on. Objects stay in wire format (what the API
 * server sent: timestamps are strings, unknown fields kept), so callers can validate them with their
 * own schemas and write them back without losing fields.
 */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** The {@link keyOf} key of an object as the API server sent it. */
export function objectKey(obj: KubeObject): string {
  return keyOf({ namespace: obj.metadata?.namespace, name: obj.metadata?.name ?? '' });
}
