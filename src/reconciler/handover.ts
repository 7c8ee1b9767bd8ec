import { VISIBILITY_CLUSTER_LOCAL, VISIBILITY_EXTERNAL, type KIngress } from '../api/kingress.js';
import { gatewayServiceRefs } from '../config/istio.js';
import { INGRESS_CLASS_ANNOTATION } from '../translate/constants.js';
import { gatewayName } from '../translate/names.js';
import type { Existing, ReconcileDeps } from './deps.js';
import { isControlledBy } from './ownership.js';

/** Which children of a KIngress finalization may delete or release. */
export interface Children {
  virtualService: (vs: Existing) => boolean;
  gateway: (gw: Existing) => boolean;
  secretCopy: (copy: Existing) => boolean;
}

/** A KIngress of ours being deleted: everything it controls, and every copy made for it. */
export function allChildren(ing: KIngress): Children {
  const controlled = (o: Existing) => isControlledBy(o.metadata, ing.metadata.uid);
  return { virtualService: controlled, gateway: controlled, secretCopy: () => true };
}

/**
 * A KIngress whose class is not ours. Every Knative layer puts the same finalizer on a KIngress and the same
 * labels and controller reference on what it writes, so none of those says the objects are ours: a second
 * net-higress with another class, or net-istio, puts them there too. Only our own marks count:
 * VirtualServices that carry our class (they copy the KIngress's annotations as they were when written),
 * Gateways named after one of our gateway Services, and copies in our gateway Services' namespaces.
 */
export function handedOverChildren(ing: KIngress, deps: ReconcileDeps): Children {
  const { istio } = deps.config();
  const ourClass = deps.options.ingressClass;
  // Per-KIngress Gateways of both visibilities are made for the external gateway Services, as are copies.
  const services = gatewayServiceRefs(istio.ingressGateways);
  const gatewayNames = new Set(
    services.flatMap((svc) =>
      [VISIBILITY_EXTERNAL, VISIBILITY_CLUSTER_LOCAL].map((v) => gatewayName(ing.metadata.name, v, svc)),
    ),
  );
  const copyNamespaces = new Set(services.map((svc) => svc.namespace));
  const controlled = (o: Existing) => isControlledBy(o.metadata, ing.metadata.uid);
  return {
    virtualService: (vs) => controlled(vs) && vs.metadata.annotations?.[INGRESS_CLASS_ANNOTATION] === ourClass,
    gateway: (gw) => controlled(gw) && gatewayNames.has(gw.metadata.name ?? ''),
    secretCopy: (copy) => copyNamespaces.has(copy.metadata.namespace ?? ''),
  };
}

/** From the caches: does the KIngress still have a child that `children` lets us finalize? */
export function holdsChildren(ing: KIngress, children: Children, deps: ReconcileDeps): boolean {
  const namespace = ing.metadata.namespace ?? '';
  const name = ing.metadata.name;
  return (
    deps.cluster.virtualServicesOf(namespace, name).some(children.virtualService) ||
    deps.cluster.gatewaysOf(namespace, name).some(children.gateway) ||
    deps.cluster.secretCopiesMadeFor({ namespace, name }).some(children.secretCopy)
  );
}
