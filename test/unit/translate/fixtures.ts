import type { HTTPIngressPath, IngressRule, KIngress } from '../../../src/api/kingress.js';
import { defaultIngress, type DefaultedIngress } from '../../../src/translate/defaults.js';

/** Small builders for table tests; the golden render tests use full YAML fixtures instead. */
export function kingress(
  name: string,
  namespace: string | undefined,
  rules: IngressRule[],
  extra: Partial<KIngress['spec']> = {},
  labels?: Record<string, string>,
): KIngress {
  return {
    apiVersion: 'networking.internal.knative.dev/v1alpha1',
    kind: 'Ingress',
    metadata: { name, ...(namespace ? { namespace } : {}), uid: `${name}-uid`, ...(labels ? { labels } : {}) },
    spec: { rules, ...extra },
  };
}

export function split(
  serviceName: string,
  serviceNamespace: string,
  servicePort: number | string,
  percent?: number,
  appendHeaders?: Record<string, string>,
) {
  return {
    serviceName,
    serviceNamespace,
    servicePort,
    ...(percent !== undefined ? { percent } : {}),
    ...(appendHeaders ? { appendHeaders } : {}),
  };
}

export function rule(hosts: string[], visibility: string | undefined, paths: HTTPIngressPath[]): IngressRule {
  return { hosts, ...(visibility ? { visibility } : {}), http: { paths } };
}

/** Upstream's VS builder tests pass non-defaulted ingresses; this keeps them as written. */
export function asIs(ing: KIngress): DefaultedIngress {
  return ing as DefaultedIngress;
}

export { defaultIngress };
