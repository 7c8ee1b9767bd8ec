import type { KIngress } from '../api/kingress.js';
import { keyOf, refOf } from '../api/meta.js';
import { ORIGIN_SECRET_NAME_LABEL, ORIGIN_SECRET_NAMESPACE_LABEL } from '../translate/constants.js';
import type { KubeObject } from '../kube/types.js';

type Wire = KubeObject & {
  metadata?: KubeObject['metadata'] & {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: Array<{ kind: string; name: string; controller?: boolean; apiVersion: string }>;
  };
};

/** The KIngress controlling a VirtualService or Gateway, from its owner reference. */
export function ownerKey(obj: Wire): string | undefined {
  const owner = obj.metadata?.ownerReferences?.find(
    (o) => o.controller && o.kind === 'Ingress' && o.apiVersion.startsWith('networking.internal.knative.dev/'),
  );
  return owner && obj.metadata?.namespace ? keyOf({ namespace: obj.metadata.namespace, name: owner.name }) : undefined;
}

/** KIngresses affected by a Secret: those using it as TLS origin, or the origin a copy was made from. */
export function kingressesUsingSecret(secret: Wire, kingresses: readonly KIngress[]): string[] {
  const labels = secret.metadata?.labels ?? {};
  const originName = secret.metadata?.annotations?.[ORIGIN_SECRET_NAME_LABEL] ?? labels[ORIGIN_SECRET_NAME_LABEL];
  const originNamespace = labels[ORIGIN_SECRET_NAMESPACE_LABEL];
  const refs = [{ namespace: secret.metadata?.namespace ?? '', name: secret.metadata?.name ?? '' }];
  if (originName && originNamespace) refs.push({ namespace: originNamespace, name: originName });
  return kingresses
    .filter((ing) =>
      (ing.spec?.tls ?? []).some((t) => refs.some((r) => t.secretNamespace === r.namespace && t.secretName === r.name)),
    )
    .map((ing) => keyOf(refOf(ing)));
}
