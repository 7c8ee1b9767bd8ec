import { cloneJSON } from './clone.js';
import type { IngressRule, IngressSpec, KIngress } from '../api/kingress.js';
import { VISIBILITY_EXTERNAL } from '../api/kingress.js';

/** A KIngress after Knative's SetDefaults; the hash and every builder take this, never the raw object. */
export type DefaultedIngress = KIngress & { readonly __defaulted: true };

/** Knative's defaults: empty visibility → ExternalIP; a lone split with percent 0 → 100. Nothing else. */
export function defaultIngress(ing: KIngress): DefaultedIngress {
  const copy = cloneJSON(ing) as KIngress;
  copy.spec = defaultSpec(copy.spec);
  return copy as DefaultedIngress;
}

function defaultSpec(spec: IngressSpec): IngressSpec {
  if (spec.rules) spec.rules = spec.rules.map(defaultRule);
  return spec;
}

function defaultRule(rule: IngressRule): IngressRule {
  if (!rule.visibility) rule.visibility = VISIBILITY_EXTERNAL;
  for (const path of rule.http?.paths ?? []) {
    const only = path.splits?.length === 1 ? path.splits[0] : undefined;
    if (only && !only.percent) only.percent = 100;
  }
  return rule;
}
