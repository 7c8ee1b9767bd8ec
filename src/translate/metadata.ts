import type { OwnerReference } from '../api/meta.js';
import { KINGRESS_API_VERSION, KINGRESS_KIND, type KIngress } from '../api/kingress.js';
import { INGRESS_LABEL, ROUTE_LABEL, ROUTE_NAMESPACE_LABEL } from './constants.js';

/** Controller reference to the KIngress: its children are garbage-collected with it. */
export function ingressOwnerReference(ing: KIngress): OwnerReference {
  return {
    apiVersion: KINGRESS_API_VERSION,
    kind: KINGRESS_KIND,
    name: ing.metadata.name,
    uid: ing.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** VirtualService labels keep only the route labels of the KIngress, plus the ingress label. */
export function virtualServiceLabels(ing: KIngress): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const key of [ROUTE_LABEL, ROUTE_NAMESPACE_LABEL]) {
    const value = ing.metadata.labels?.[key];
    if (value !== undefined) labels[key] = value;
  }
  labels[INGRESS_LABEL] = ing.metadata.name;
  return sortKeys(labels);
}

export function sortKeys<T>(map: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
