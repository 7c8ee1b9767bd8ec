import type { KIngress } from '../api/kingress.js';
import type { ObjectRef } from '../api/meta.js';
import { parseServiceURL, type GatewayConfig } from '../config/istio.js';
import { INGRESS_CLASS_ANNOTATION } from '../translate/constants.js';
import { wildcardSecretCopyName } from '../translate/names.js';
import { deleteSecretCopy } from './apply.js';
import type { Existing, ReconcileDeps } from './deps.js';

/**
 * Delete the secret copies made for this KIngress's TLS origins, except those another live KIngress
 * still uses: net-istio deletes by origin labels alone, which makes shared TLS flap.
 */
export async function deleteUnneededSecretCopies(ing: KIngress, gateways: readonly GatewayConfig[], deps: ReconcileDeps): Promise<void> {
  const namespaces = new Set(gateways.map((g) => parseServiceURL(g.serviceURL)).flatMap((r) => (r.ok ? [r.value.namespace] : [])));
  const origins = uniqueOrigins(ing);
  for (const namespace of namespaces) {
    for (const origin of origins) {
      const copies = await deps.cluster.secretCopiesOf(namespace, origin);
      for (const copy of copies) if (!stillNeeded(copy, origin, ing, deps)) await deleteSecretCopy(copy, deps);
    }
  }
}

function stillNeeded(copy: Existing, origin: ObjectRef, self: KIngress, deps: ReconcileDeps): boolean {
  const name = copy.metadata.name ?? '';
  return deps.cluster.kingresses().some((other) => {
    if (other.metadata.uid === self.metadata.uid || other.metadata.deletionTimestamp) return false;
    if (other.metadata.annotations?.[INGRESS_CLASS_ANNOTATION] !== deps.options.ingressClass) return false;
    const uses = (other.spec.tls ?? []).some((t) => t.secretName === origin.name && t.secretNamespace === origin.namespace);
    // Non-wildcard copies are named after the KIngress; wildcard copies are shared by all users.
    return uses && (name === wildcardSecretCopyName(origin) || name.startsWith(`${other.metadata.name}-`));
  });
}

function uniqueOrigins(ing: KIngress): ObjectRef[] {
  const seen = new Map<string, ObjectRef>();
  for (const t of ing.spec.tls ?? []) {
    if (t.secretName && t.secretNamespace) seen.set(`${t.secretNamespace}/${t.secretName}`, { namespace: t.secretNamespace, name: t.secretName });
  }
  return [...seen.values()];
}
