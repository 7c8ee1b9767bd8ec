/**
 * Gathers what target listing needs for one KIngress: the gateway Services of its selected config
 * gateways with their EndpointSlices, and the servers of every Gateway its routes are bound to.
 */
import type { EndpointSlice } from '../api/discovery.js';
import { VISIBILITY_CLUSTER_LOCAL, VISIBILITY_EXTERNAL } from '../api/kingress.js';
import { keyOf, type ObjectRef } from '../api/meta.js';
import { parseServiceURL, qualifiedName } from '../config/istio.js';
import type { DefaultedIngress } from '../translate/defaults.js';
import { qualifiedGatewayName } from '../translate/gateway.js';
import { expandedHosts } from '../translate/hosts.js';
import type { Desired } from '../translate/translate.js';
import {
  probeTargets,
  readyAddresses,
  type BoundGateway,
  type GatewayServer,
  type GatewayServiceState,
  type ProbeTarget,
  type ServicePorts,
  type VisibilityTargets,
} from './targets.js';

/** The prober's read-only view of the cluster; every read may wait for a watch to start. */
export interface GatewayCluster {
  service(ref: ObjectRef): Promise<ServicePorts | undefined>;
  /** Slices labelled `kubernetes.io/service-name=<name>` in the Service's namespace. */
  endpointSlices(service: ObjectRef): Promise<EndpointSlice[]>;
  /** Servers of a shared (config-istio) Gateway; undefined when it does not exist. */
  gatewayServers(ref: ObjectRef): Promise<GatewayServer[] | undefined>;
  /** Called with the Service key and its current slices whenever one of its EndpointSlices changes. */
  onEndpointsChanged(listener: (service: string, slices: readonly EndpointSlice[]) => void): void;
  stop(): Promise<void>;
}

export interface ListedTargets {
  targets: ProbeTarget[];
  /** Gateway Services named in config-istio that do not exist: nothing of theirs can be probed. */
  missingServices: string[];
}

const VISIBILITIES = [
  [VISIBILITY_EXTERNAL, 'external'],
  [VISIBILITY_CLUSTER_LOCAL, 'local'],
] as const;

export async function listProbeTargets(
  ing: DefaultedIngress,
  desired: Desired,
  cluster: GatewayCluster,
  clusterDomain: string,
): Promise<ListedTargets> {
  const generated = new Map(
    [...desired.gateways, ...desired.wildcardGateways].map((g) => [qualifiedGatewayName(g), g]),
  );
  const services = new Map<string, GatewayServiceState>();
  const missingServices: string[] = [];
  const visibilities: VisibilityTargets[] = [];

  for (const [visibility, which] of VISIBILITIES) {
    const hosts = (ing.spec.rules ?? []).filter((r) => r.visibility === visibility).flatMap((r) => r.hosts ?? []);
    const host = expandedHosts(hosts, clusterDomain)[0];
    if (host === undefined) continue;

    // Each config gateway is served by the pods of the Service it names.
    const serviceOf = new Map<string, string>();
    for (const gw of desired.selectedGateways[which]) {
      const parsed = parseServiceURL(gw.serviceURL);
      if (!parsed.ok) throw new Error(`failed to get gateway from configuration: ${parsed.error}`);
      const key = keyOf(parsed.value);
      serviceOf.set(qualifiedName(gw), key);
      if (services.has(key) || missingServices.includes(key)) continue;
      const service = await cluster.service(parsed.value);
      if (service) services.set(key, { service, slices: await cluster.endpointSlices(parsed.value) });
      else missingServices.push(key);
    }
    // Per-KIngress and wildcard Gateways select the same pods as the config gateways of their visibility.
    const allServices = [...new Set(serviceOf.values())];
    // No ready pod, nothing to probe: Ready at once, without reading any Gateway.
    if (!allServices.some((key) => services.get(key)?.slices.some((slice) => readyAddresses(slice).length > 0)))
      continue;

    const gateways: BoundGateway[] = [];
    for (const name of desired.gatewayNames[which]) {
      const own = generated.get(name);
      if (own) {
        gateways.push({ name, servers: own.spec.servers, services: allServices });
        continue;
      }
      const servers = await cluster.gatewayServers(parseQualifiedName(name));
      // A route bound to a missing Gateway is never served: waiting would be forever, so say why.
      if (!servers) throw new Error(`failed to get Gateway "${name}": not found`);
      const ownService = serviceOf.get(name);
      gateways.push({ name, servers, services: ownService === undefined ? allServices : [ownService] });
    }
    visibilities.push({ host, gateways });
  }
  return { targets: probeTargets(visibilities, services), missingServices };
}

function parseQualifiedName(name: string): ObjectRef {
  const slash = name.indexOf('/');
  if (slash < 0) throw new Error(`unexpected unqualified Gateway name "${name}"`);
  return { namespace: name.slice(0, slash), name: name.slice(slash + 1) };
}
