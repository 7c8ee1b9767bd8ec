import type { HTTPIngressPath, IngressRule, KIngress } from '../api/kingress.js';
import { VISIBILITY_EXTERNAL } from '../api/kingress.js';
import { withField } from './clone.js';

/** A KIngress after Knative's SetDefaults; the hash and every builder take this, never the raw object. */
export type DefaultedIngress = KIngress & { readonly __defaulted: true };

/**
 * Knative's defaults: empty visibility → ExternalIP; a lone split with percent 0 → 100. Nothing else.
 * The input is not modified; unchanged parts are shared with it (nothing downstream mutates).
 */
export function defaultIngress(ing: KIngress): DefaultedIngress {
  return withRules(ing, ing.spec.rules?.map(defaultRule)) as DefaultedIngress;
}

/** A copy of the KIngress and its spec, with `rules` in place of the spec's own when given. */
export function withRules<T extends KIngress>(ing: T, rules: IngressRule[] | undefined): T {
  const spec = Object.assign({}, ing.spec);
  if (rules) spec.rules = rules;
  return withField<KIngress, 'spec'>(ing, 'spec', spec) as T;
}

function defaultRule(rule: IngressRule): IngressRule {
  const out = withField(rule, 'visibility', rule.visibility || VISIBILITY_EXTERNAL);
  const paths = rule.http?.paths;
  if (rule.http && paths) out.http = withField(rule.http, 'paths', paths.map(defaultPath));
  return out;
}

function defaultPath(path: HTTPIngressPath): HTTPIngressPath {
  const only = path.splits?.length === 1 ? path.splits[0] : undefined;
  return only && !only.percent ? withField(path, 'splits', [withField(only, 'percent', 100)]) : path;
}
