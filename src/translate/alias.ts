import type { ObjectRef } from '../api/meta.js';
import type { IstioConfig } from '../config/istio.js';
import type { DefaultedIngress } from './defaults.js';

/**
 * Destination hosts to replace by the gateway Service they alias: `<svc>.<ns>.svc.<domain>` → gateway host.
 *
 * A DomainMapping's KIngress rewrites the Host and sends to the KService's placeholder Service, an ExternalName
 * pointing at the KIngress's private load balancer (our local gateway Service). Istio resolves that alias to the
 * gateway Service's cluster, but a gateway running with Higress's cluster filter
 * (PILOT_FILTER_GATEWAY_CLUSTER_CONFIG) is only sent the clusters of hosts a VirtualService names, which is the
 * alias, not its target: the route arrives, its cluster never does, and the gateway answers 503. Naming the
 * gateway Service itself reaches the same pods and gets the cluster sent.
 *
 * Only paths that rewrite the Host (what DomainMappings do) are looked at, and only aliases of a gateway Service
 * named in config-istio are replaced: an ExternalName pointing anywhere else keeps Istio's own handling.
 */
export function gatewayAliases(
  ing: DefaultedIngress,
  istio: IstioConfig,
  externalName: ((ref: ObjectRef) => string | undefined) | undefined,
  clusterDomain: string,
): Map<string, string> {
  const out = new Map<string, string>();
  if (!externalName) return out;
  let gatewayHosts: Set<string> | undefined; // most KIngresses rewrite no Host: built only for one that does
  for (const rule of ing.spec.rules ?? []) {
    for (const path of rule.http?.paths ?? []) {
      if (!path.rewriteHost) continue;
      gatewayHosts ??= new Set([...istio.ingressGateways, ...istio.localGateways].map((g) => g.serviceURL));
      for (const split of path.splits ?? []) {
        const target = externalName({ namespace: split.serviceNamespace, name: split.serviceName })?.replace(/\.$/, '');
        if (target && gatewayHosts.has(target))
          out.set(`${split.serviceName}.${split.serviceNamespace}.svc.${clusterDomain}`, target);
      }
    }
  }
  return out;
}
