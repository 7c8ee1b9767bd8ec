import type { FieldError } from '../api/fielderror.js';
import type { KIngress } from '../api/kingress.js';

/** In `--tls-secret-namespaces`, allows a Secret of any namespace (net-istio's behaviour). */
export const ANY_NAMESPACE = '*';
export const SECRET_NOT_ALLOWED = 'SecretNotAllowed';

/**
 * A KIngress may name a TLS Secret of another namespace, and the operator would copy it into the gateway
 * namespace, where its Gateway serves it: a tenant could serve (and so use) another tenant's or the
 * system's certificate and key. Knative's CRD calls such a reference "undefined and not supported", and
 * Serving itself always names a Secret of the KIngress's own namespace (Route and DomainMapping
 * certificates, cluster-local-domain-tls, namespace wildcard certificates are all made there). So only
 * the KIngress's own namespace is allowed, plus what a platform engineer lists.
 * Decided from the spec alone, before any Secret is read: a refused Secret is never looked up.
 */
export function refusedSecretReferences(ing: KIngress, allowed: readonly string[]): FieldError[] {
  if (allowed.includes(ANY_NAMESPACE)) return [];
  const own = ing.metadata.namespace ?? '';
  const errors: FieldError[] = [];
  (ing.spec.tls ?? []).forEach((tls, i) => {
    const namespace = tls.secretNamespace ?? '';
    if (namespace === '' || namespace === own || allowed.includes(namespace)) return;
    errors.push({
      path: `spec.tls[${i}].secretNamespace`,
      message:
        `Secret ${namespace}/${tls.secretName ?? ''} is not in the KIngress's namespace "${own}" and namespace "${namespace}" ` +
        'is not allowed for TLS Secrets (a platform engineer can allow it with --tls-secret-namespaces)',
    });
  });
  return errors;
}
