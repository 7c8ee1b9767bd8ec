import { tlsSecretRef, type KIngress } from '../api/kingress.js';
import { keyOf, type ObjectRef } from '../api/meta.js';
import { gatewayServiceRefs, type GatewayConfig } from '../config/istio.js';
import { errorMessage, isNotFound } from '../kube/errors.js';
import {
  INGRESS_CLASS_ANNOTATION,
  INGRESS_LABEL,
  INGRESS_NAMESPACE_LABEL,
  ORIGIN_SECRET_NAME_LABEL,
  ORIGIN_SECRET_NAMESPACE_LABEL,
} from '../translate/constants.js';
import { wildcardSecretCopyName } from '../translate/names.js';
import { ANY_NAMESPACE, refusedSecretReferences } from '../translate/secretpolicy.js';
import { deleteSecretCopy } from './apply.js';
import type { Existing, ReconcileDeps } from './deps.js';
import { ReconcileError } from './errors.js';

/**
 * Delete the secret copies made for this KIngress's TLS origins, except those another live KIngress
 * still uses: net-istio deletes by origin labels alone, which makes shared TLS flap.
 */
export async function deleteUnneededSecretCopies(
  ing: KIngress,
  gateways: readonly GatewayConfig[],
  deps: ReconcileDeps,
): Promise<void> {
  const namespaces = new Set(gatewayServiceRefs(gateways).map((svc) => svc.namespace));
  const origins = uniqueOrigins(ing);
  for (const namespace of namespaces) {
    for (const origin of origins) {
      const copies = await deps.cluster.secretCopiesOf(namespace, origin);
      for (const copy of copies) if (!stillNeeded(copy, origin, ing, deps)) await deleteSecretCopy(copy, deps);
    }
  }
}

function stillNeeded(copy: Existing, origin: ObjectRef, self: KIngress, deps: ReconcileDeps): boolean {
  return otherUsers(copy, origin, self, deps).length > 0;
}

/**
 * Live KIngresses of ours, other than `self`, that use `copy` of `origin`. Non-wildcard copies are named
 * after the KIngress (`<name>-<origin uid>`), so same-named KIngresses of two namespaces share one;
 * wildcard copies are shared by all users.
 */
function otherUsers(copy: Existing, origin: ObjectRef, self: KIngress, deps: ReconcileDeps): KIngress[] {
  const name = copy.metadata.name ?? '';
  const allowed = deps.options.tlsSecretNamespaces ?? [];
  return deps.cluster.kingresses().filter((other) => {
    if (other.metadata.uid === self.metadata.uid || other.metadata.deletionTimestamp) return false;
    if (other.metadata.annotations?.[INGRESS_CLASS_ANNOTATION] !== deps.options.ingressClass) return false;
    const uses = (other.spec.tls ?? []).some(
      (t) => t.secretName === origin.name && t.secretNamespace === origin.namespace,
    );
    if (!uses || refusedSecretReferences(other, allowed).length > 0) return false;
    return name === wildcardSecretCopyName(origin) || name.startsWith(`${other.metadata.name}-`);
  });
}

/**
 * The namespace a per-KIngress copy is labelled with (`ingressNamespace`). Same-named KIngresses of two
 * namespaces using one Secret share one copy; if each wrote its own namespace, the two reconcilers would
 * rewrite the label back and forth forever. So the label is stable: whoever it names keeps it while it
 * still uses the copy, and only then does the next user take it over (one write). `desired` is the
 * namespace of the KIngress being reconciled.
 */
export function copyIngressNamespace(existing: Existing, desired: string, self: KIngress, deps: ReconcileDeps): string {
  const labels = existing.metadata.labels ?? {};
  const current = labels[INGRESS_NAMESPACE_LABEL];
  const origin = originOf(existing);
  if (current === undefined || current === desired || labels[INGRESS_LABEL] !== self.metadata.name || !origin)
    return desired;
  const holder = otherUsers(existing, origin, self, deps).some((o) => (o.metadata.namespace ?? '') === current);
  return holder ? current : desired;
}

/**
 * A per-KIngress copy `self` no longer needs (removed from its TLS, or `self` is being deleted): handed to
 * another same-named KIngress still using it (the first by namespace, relabelled once), else deleted.
 */
export async function releaseSecretCopy(copy: Existing, self: KIngress, deps: ReconcileDeps): Promise<void> {
  const origin = originOf(copy);
  const heir = origin
    ? otherUsers(copy, origin, self, deps)
        .map((o) => o.metadata.namespace ?? '')
        .sort()[0]
    : undefined;
  if (heir === undefined) {
    await deleteSecretCopy(copy, deps);
    return;
  }
  const labels = { ...copy.metadata.labels, [INGRESS_NAMESPACE_LABEL]: heir };
  try {
    await deps.writer.update({ apiVersion: 'v1', kind: 'Secret', ...copy, metadata: { ...copy.metadata, labels } });
  } catch (err) {
    if (isNotFound(err)) return;
    throw new ReconcileError(
      `failed to update Secret ${copy.metadata.namespace ?? ''}/${copy.metadata.name ?? ''}: ${errorMessage(err)}`,
      undefined,
      {},
      err,
    );
  }
}

/**
 * Copies made for `ing` from a Secret it may no longer use (the allowed namespaces were narrowed since):
 * the gateway must stop serving that certificate, so they go (or pass to a KIngress that may use them).
 */
export async function releaseRefusedCopies(ing: KIngress, deps: ReconcileDeps): Promise<void> {
  const own = ing.metadata.namespace ?? '';
  const allowed = deps.options.tlsSecretNamespaces ?? [];
  if (allowed.includes(ANY_NAMESPACE)) return;
  for (const copy of deps.cluster.secretCopiesMadeFor({ namespace: own, name: ing.metadata.name })) {
    const origin = originOf(copy);
    if (origin && origin.namespace !== own && !allowed.includes(origin.namespace))
      await releaseSecretCopy(copy, ing, deps);
  }
}

/** The origin Secret a copy was made from, by its labels (the full name is annotated when too long for a label). */
function originOf(copy: Existing): ObjectRef | undefined {
  const name =
    copy.metadata.annotations?.[ORIGIN_SECRET_NAME_LABEL] ?? copy.metadata.labels?.[ORIGIN_SECRET_NAME_LABEL];
  const namespace = copy.metadata.labels?.[ORIGIN_SECRET_NAMESPACE_LABEL];
  return name && namespace ? { namespace, name } : undefined;
}

function uniqueOrigins(ing: KIngress): ObjectRef[] {
  const seen = new Map<string, ObjectRef>();
  for (const t of ing.spec.tls ?? []) {
    if (!t.secretName || !t.secretNamespace) continue;
    const ref = tlsSecretRef(t);
    seen.set(keyOf(ref), ref);
  }
  return [...seen.values()];
}
