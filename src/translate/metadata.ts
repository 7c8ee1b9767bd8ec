import type { OwnerReference } from '../api/meta.js';
import { KINGRESS_API_VERSION, KINGRESS_KIND, type KIngress } from '../api/kingress.js';
import { INGRESS_LABEL, ROUTE_LABEL, ROUTE_NAMESPACE_LABEL } from './constants.js';
import { sortUTF16 } from './hosts.js';

/**
 * Controller reference to the KIngress: its children are garbage-collected with it. A KIngress that was
 * never stored (no uid, e.g. rendered from a hand-written file) cannot own anything: the API server
 * rejects an empty uid, so no reference is written.
 */
export function ingressOwnerReferences(ing: KIngress): { ownerReferences?: OwnerReference[] } {
  return controllerReference(KINGRESS_API_VERSION, KINGRESS_KIND, ing.metadata.name, ing.metadata.uid);
}

export function controllerReference(
  apiVersion: string,
  kind: string,
  name: string,
  uid: string | undefined,
): { ownerReferences?: OwnerReference[] } {
  return uid ? { ownerReferences: [{ apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true }] } : {};
}

/** The keys of virtualServiceLabels, sorted once: its maps are then built in order, never re-sorted. */
const VIRTUAL_SERVICE_LABELS = [ROUTE_LABEL, ROUTE_NAMESPACE_LABEL, INGRESS_LABEL].sort();

/** VirtualService labels keep only the route labels of the KIngress, plus the ingress label. */
export function virtualServiceLabels(ing: KIngress): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const key of VIRTUAL_SERVICE_LABELS) {
    const value = key === INGRESS_LABEL ? ing.metadata.name : ing.metadata.labels?.[key];
    if (value !== undefined) labels[key] = value;
  }
  return labels;
}

/** The map with its keys in sorted order (output is then independent of input order); the map itself if already so. */
export function sortKeys<T>(map: Readonly<Record<string, T>>): Record<string, T> {
  const keys = Object.keys(map);
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = (keys[i - 1] as string) < (keys[i] as string);
  if (sorted) return map;
  const out: Record<string, T> = {};
  for (const k of sortUTF16(keys)) out[k] = map[k] as T;
  return out;
}
