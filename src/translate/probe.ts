import { cloneJSON } from './clone.js';
import type { HTTPIngressPath } from '../api/kingress.js';
import { HASH_HEADER, HASH_OVERRIDE } from './constants.js';
import type { DefaultedIngress } from './defaults.js';

/**
 * Knative's InsertProbe: each rule gets, before its paths, a copy of every path that matches
 * `K-Network-Hash: override` and sets that header to the hash, so a probe proves this generation is served.
 */
export function insertProbe(ing: DefaultedIngress, hash: string): DefaultedIngress {
  const copy = cloneJSON(ing);
  for (const rule of copy.spec.rules ?? []) {
    if (!rule.http?.paths) continue;
    const probes = rule.http.paths.map((path) => probePath(path, hash));
    rule.http.paths = [...probes, ...rule.http.paths];
  }
  return copy;
}

function probePath(path: HTTPIngressPath, hash: string): HTTPIngressPath {
  const probe = cloneJSON(path);
  probe.headers = { ...probe.headers, [HASH_HEADER]: { exact: HASH_OVERRIDE } };
  probe.appendHeaders = { ...probe.appendHeaders, [HASH_HEADER]: hash };
  return probe;
}
