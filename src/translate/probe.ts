import type { HTTPIngressPath } from '../api/kingress.js';
import { HASH_HEADER, HASH_OVERRIDE } from './constants.js';
import { withField } from './clone.js';
import { withRules, type DefaultedIngress } from './defaults.js';

/**
 * Knative's InsertProbe: each rule gets, before its paths, a copy of every path that matches
 * `K-Network-Hash: override` and sets that header to the hash, so a probe proves this generation is served.
 * Returns a new KIngress; the input is not modified.
 */
export function insertProbe(ing: DefaultedIngress, hash: string): DefaultedIngress {
  const rules = ing.spec.rules?.map((rule) => {
    const paths = rule.http?.paths;
    if (!rule.http || !paths) return rule;
    const probed = paths.map((p) => probePath(p, hash));
    for (const p of paths) probed.push(p);
    return withField(rule, 'http', withField(rule.http, 'paths', probed));
  });
  return withRules(ing, rules);
}

/** A probe copy made by insertProbe: it is the only kind of path that matches `K-Network-Hash: override`. */
export function isProbePath(path: HTTPIngressPath): boolean {
  return path.headers?.[HASH_HEADER]?.exact === HASH_OVERRIDE;
}

function probePath(path: HTTPIngressPath, hash: string): HTTPIngressPath {
  // Object.assign + plain stores: spreads with a computed key were the hottest line of translation.
  const headers: NonNullable<HTTPIngressPath['headers']> = Object.assign({}, path.headers);
  headers[HASH_HEADER] = { exact: HASH_OVERRIDE };
  const appendHeaders: Record<string, string> = Object.assign({}, path.appendHeaders);
  appendHeaders[HASH_HEADER] = hash;
  const probe = withField(path, 'headers', headers);
  probe.appendHeaders = appendHeaders;
  return probe;
}
