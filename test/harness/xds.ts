// What a gateway proxy receives from istiod, as xds-dump prints it (protojson: lowerCamelCase field names).
// Only the fields the conformance tests read are typed; the rest stays available as unknown JSON.

export interface HeaderValueOption {
  header: { key: string; value?: string };
  appendAction?: string;
}

export interface StringMatch {
  exact?: string;
  prefix?: string;
  suffix?: string;
  safeRegex?: { regex: string };
}

export interface HeaderMatcher {
  name: string;
  stringMatch?: StringMatch;
  exactMatch?: string;
  prefixMatch?: string;
  presentMatch?: boolean;
  invertMatch?: boolean;
}

export interface WeightedCluster {
  name: string;
  weight?: number;
  requestHeadersToAdd?: HeaderValueOption[];
}

export interface EnvoyRoute {
  name?: string;
  match: {
    prefix?: string;
    path?: string;
    pathSeparatedPrefix?: string;
    safeRegex?: { regex: string };
    headers?: HeaderMatcher[];
    caseSensitive?: boolean;
  };
  route?: {
    cluster?: string;
    weightedClusters?: { clusters: WeightedCluster[]; totalWeight?: number };
    hostRewriteLiteral?: string;
    timeout?: string;
    retryPolicy?: unknown;
    [k: string]: unknown;
  };
  redirect?: Record<string, unknown>;
  directResponse?: { status: number };
  requestHeadersToAdd?: HeaderValueOption[];
  [k: string]: unknown;
}

export interface VirtualHost {
  name: string;
  domains: string[];
  routes?: EnvoyRoute[];
  requireTls?: string;
  [k: string]: unknown;
}

export interface RouteConfiguration {
  name: string;
  virtualHosts?: VirtualHost[];
  [k: string]: unknown;
}

export interface Listener {
  name: string;
  address?: { socketAddress?: { address?: string; portValue?: number } };
  [k: string]: unknown;
}

export interface Cluster {
  name: string;
  type?: string;
  [k: string]: unknown;
}

export interface GatewayXds {
  listeners: Listener[];
  routes: RouteConfiguration[];
  clusters: Cluster[];
  /** Resources failing Envoy's protoc-gen-validate rules: an Envoy would reject (NACK) them. */
  invalid: Array<{ type: string; name: string; error: string }>;
}

export const listenerPorts = (xds: GatewayXds): number[] =>
  xds.listeners.map((l) => l.address?.socketAddress?.portValue ?? -1).sort((a, b) => a - b);

export const routeConfig = (xds: GatewayXds, name: string): RouteConfiguration | undefined =>
  xds.routes.find((r) => r.name === name);

/** The virtual host serving `host` in a route configuration (by domain, as Envoy picks it for an exact Host). */
export function virtualHostFor(rc: RouteConfiguration | undefined, host: string): VirtualHost | undefined {
  return rc?.virtualHosts?.find((vh) => vh.domains.includes(host));
}

/** Cluster names a route sends to (one, or each weighted cluster). */
export function routeClusters(r: EnvoyRoute): string[] {
  if (r.route?.cluster) return [r.route.cluster];
  return (r.route?.weightedClusters?.clusters ?? []).map((c) => c.name);
}

/** Istio's outbound cluster name for a Service host and port. */
export const outboundCluster = (host: string, port: number): string => `outbound|${port}||${host}`;
