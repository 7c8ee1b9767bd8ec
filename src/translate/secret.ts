import type { Secret } from '../api/core.js';
import { refOf, type ObjectRef } from '../api/meta.js';
import {
  CERTIFICATE_UID_LABEL,
  INGRESS_LABEL,
  INGRESS_NAMESPACE_LABEL,
  ORIGIN_SECRET_NAME_LABEL,
  ORIGIN_SECRET_NAMESPACE_LABEL,
} from './constants.js';
import { sortKeys } from './metadata.js';
import { originSecretNameLabelValue } from './names.js';

/** Labels that tie a copy to its origin; cleanup finds copies by them. */
function originSecretLabels(origin: ObjectRef): Record<string, string> {
  return {
    [ORIGIN_SECRET_NAME_LABEL]: originSecretNameLabelValue(origin.name),
    [ORIGIN_SECRET_NAMESPACE_LABEL]: origin.namespace,
  };
}

/**
 * A copy of a TLS secret in the gateway's namespace, where Higress can read it. No owner reference:
 * owners cannot cross namespaces.
 */
export function makeSecretCopy(origin: Secret, name: string, namespace: string, madeFor?: ObjectRef): Secret {
  const ref = refOf(origin);
  const long = ref.name !== originSecretNameLabelValue(ref.name);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace,
      labels: {
        [CERTIFICATE_UID_LABEL]: origin.metadata.labels?.[CERTIFICATE_UID_LABEL] ?? '',
        ...originSecretLabels(ref),
        // Per-KIngress copies also say whose they are, so a copy the KIngress stops using can be found.
        ...(madeFor ? { [INGRESS_LABEL]: madeFor.name, [INGRESS_NAMESPACE_LABEL]: madeFor.namespace } : {}),
      },
      ...(long ? { annotations: { [ORIGIN_SECRET_NAME_LABEL]: ref.name } } : {}),
    },
    ...(origin.type !== undefined ? { type: origin.type } : {}),
    // Sorted: the copy must not depend on the key order the origin happened to be read with.
    data: sortKeys(origin.data ?? {}),
  };
}
