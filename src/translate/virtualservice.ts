import type { HTTPIngressPath, IngressBackendSplit, IngressRule } from '../api/kingress.js';
import { VISIBILITY_CLUSTER_LOCAL, VISIBILITY_EXTERNAL, type Visibility } from '../api/kingress.js';
import {
  ISTIO_API_VERSION,
  type HTTPMatchRequest,
  type HTTPRoute,
  type HTTPRouteDestination,
  type VirtualService,
} from '../api/istio.js';
import { routePolicyFor } from './annotations/apply.js';
import { MESH_GATEWAY } from './constants.js';
import type { DefaultedIngress } from './defaults.js';
import { literalHeaderValue } from './headers.js';
import { distinctHostPrefixes, expandedHosts, isClusterLocalHost, sortedUnique } from './hosts.js';
import { ingressOwnerReferences, sortKeys, virtualServiceLabels } from './metadata.js';
import { ingressVirtualServiceName, meshVirtualServiceName, probeRouteName } from './names.js';
import { isProbePath } from './probe.js';

/** Qualified (`ns/name`) gateway names per visibility. */
export interface GatewayNames {
  external: readonly string[];
  local: readonly string[];
}

export interface VirtualServiceOptions {
  clusterDomain: string;
  /** Namespace of children of a KIngress that has none (Knative's system namespace). */
  systemNamespace: string;
  /** net-istio always makes a `-mesh` VirtualService; Higress runs no sidecars, so we only do on request. */
  meshVirtualService: boolean;
  /** Destination hosts the gateway must be given as another host (see gatewayAliases). */
  destinationAliases?: ReadonlyMap<string, string>;
}

/** The VirtualServices of a KIngress whose probe routes were already inserted: [mesh?, ingress?]. */
export function makeVirtualServices(
  probed: DefaultedIngress,
  gateways: GatewayNames,
  opts: VirtualServiceOptions,
): VirtualService[] {
  const out: VirtualService[] = [];
  const mesh = opts.meshVirtualService ? makeMeshVirtualService(probed, gateways, opts) : undefined;
  if (mesh) out.push(mesh);
  const ingress = makeIngressVirtualService(probed, gateways, opts);
  if (ingress) out.push(ingress);
  return out;
}

/** Bound to the `mesh` gateway, for cluster-local hosts; hosts are only expanded when a local gateway exists. */
function makeMeshVirtualService(
  ing: DefaultedIngress,
  gateways: GatewayNames,
  opts: VirtualServiceOptions,
): VirtualService | undefined {
  const local = ruleHosts(ing).filter((h) => isClusterLocalHost(h, opts.clusterDomain));
  const hosts = gateways.local.length > 0 ? expandedHosts(local, opts.clusterDomain) : sortedUnique(local);
  if (hosts.length === 0) return undefined;
  const mesh = [MESH_GATEWAY];
  return virtualService(ing, meshVirtualServiceName(ing.metadata.name), hosts, { external: mesh, local: mesh }, opts);
}

/** Every rule bound to the gateways of its visibility; absent when no rule has a gateway to be served on. */
function makeIngressVirtualService(
  ing: DefaultedIngress,
  gateways: GatewayNames,
  opts: VirtualServiceOptions,
): VirtualService | undefined {
  const all = rules(ing);
  const hasPublic = all.some((r) => r.visibility === VISIBILITY_EXTERNAL);
  const hasLocal = all.some((r) => r.visibility === VISIBILITY_CLUSTER_LOCAL);
  const required = (hasPublic ? gateways.external.length : 0) + (hasLocal ? gateways.local.length : 0);
  if (required === 0) return undefined;
  const hosts = expandedHosts(ruleHosts(ing), opts.clusterDomain);
  return virtualService(ing, ingressVirtualServiceName(ing.metadata.name), hosts, gateways, opts);
}

function virtualService(
  ing: DefaultedIngress,
  name: string,
  hosts: string[],
  gateways: GatewayNames,
  opts: VirtualServiceOptions,
): VirtualService {
  const hostSet = new Set(hosts);
  const routeName = `${ing.metadata.namespace ?? ''}/${ing.metadata.name}`;
  const byVisibility = {
    [VISIBILITY_EXTERNAL]: sortedUnique(gateways.external),
    [VISIBILITY_CLUSTER_LOCAL]: sortedUnique(gateways.local),
  };
  const used = new Set<string>();
  // Higress route annotations (timeout, retries, CORS, ...) on the serving routes; probe routes stay as Knative needs them.
  const withPolicy = routePolicyFor(ing, opts.clusterDomain);
  // Plain loops: flatMap, filter and their closures were a tenth of building a VirtualService.
  const http: HTTPRoute[] = [];
  // A probe copy keeps its path's splits (insertProbe): both routes get the same destinations, built once.
  const destinationsOf = new Map<readonly IngressBackendSplit[], HTTPRouteDestination[]>();
  for (const rule of rules(ing)) {
    const served: string[] = [];
    for (const h of rule.hosts ?? []) if (hostSet.has(h)) served.push(h);
    if (served.length === 0) continue;
    const gws = byVisibility[rule.visibility as Visibility] ?? [];
    for (const g of gws) used.add(g);
    // The same for every path of the rule (probe copies included): computed once.
    const prefixes = distinctHostPrefixes(served, opts.clusterDomain);
    for (const path of rule.http?.paths ?? []) {
      const splits = path.splits ?? [];
      let destinations = destinationsOf.get(splits);
      if (destinations === undefined) {
        destinations = routeDestinations(splits, opts);
        destinationsOf.set(splits, destinations);
      }
      http.push(withPolicy(httpRoute(routeName, prefixes, path, gws, destinations), path));
    }
  }
  return {
    apiVersion: ISTIO_API_VERSION,
    kind: 'VirtualService',
    metadata: {
      name,
      namespace: ing.metadata.namespace || opts.systemNamespace,
      labels: virtualServiceLabels(ing),
      ...(ing.metadata.annotations ? { annotations: sortKeys(ing.metadata.annotations) } : {}),
      ...ingressOwnerReferences(ing),
    },
    spec: {
      hosts,
      gateways: sortedUnique(used),
      http,
    },
  };
}

function httpRoute(
  name: string,
  authorityPrefixes: string[],
  path: HTTPIngressPath,
  gateways: string[],
  destinations: HTTPRouteDestination[],
): HTTPRoute {
  const headers = headerMatches(path);
  // Optional fields are assigned in place, in output order: spreading conditional literals was the costliest
  // line of a translation.
  const route: HTTPRoute = {
    // Higress WasmPlugin `matchRules.ingress` selects routes by this name (net-istio sets none); probe routes
    // get a name of their own, which no such rule matches (names.ts).
    name: isProbePath(path) ? probeRouteName(name) : name,
    match: authorityPrefixes.map((prefix) => match(prefix, path, gateways, headers)),
    route: destinations,
  };
  if (nonEmpty(path.appendHeaders)) route.headers = setHeaders(path.appendHeaders);
  if (path.rewriteHost) route.rewrite = { authority: path.rewriteHost };
  // An empty retry policy disables the gateway's default retries, as Knative expects.
  route.retries = {};
  return route;
}

function routeDestinations(
  splits: readonly IngressBackendSplit[],
  opts: VirtualServiceOptions,
): HTTPRouteDestination[] {
  const aliases = opts.destinationAliases;
  return splits.map((split): HTTPRouteDestination => {
    const host = `${split.serviceName}.${split.serviceNamespace}.svc.${opts.clusterDomain}`;
    const destination: HTTPRouteDestination = {
      // Most KIngresses have no alias: the map is not even consulted (a lookup hashes a fresh string).
      destination: {
        host: (aliases?.size ? aliases.get(host) : undefined) ?? host,
        port: portSelector(split.servicePort),
      },
    };
    if (split.percent) destination.weight = split.percent;
    if (nonEmpty(split.appendHeaders)) destination.headers = setHeaders(split.appendHeaders);
    return destination;
  });
}

function setHeaders(headers: Record<string, string>): NonNullable<HTTPRoute['headers']> {
  return { request: { set: literalValues(headers) } };
}

function match(
  authorityPrefix: string,
  path: HTTPIngressPath,
  gateways: string[],
  headers: HTTPMatchRequest['headers'],
): HTTPMatchRequest {
  const m: HTTPMatchRequest = { gateways, authority: { prefix: authorityPrefix } };
  if (path.path) m.uri = { prefix: path.path };
  if (headers) m.headers = headers;
  return m;
}

/** Exact matches on every header of the path: all must match (AND). */
function headerMatches(path: HTTPIngressPath): HTTPMatchRequest['headers'] {
  if (!nonEmpty(path.headers)) return undefined;
  const out: NonNullable<HTTPMatchRequest['headers']> = {};
  for (const [k, v] of Object.entries(sortKeys(path.headers))) out[k] = { exact: v.exact };
  return out;
}

/**
 * A numeric port (or numeric string, as IntOrString reads it) selects that port. A named port has no
 * number to give: the selector stays empty, as net-istio's zero number serialises, and Istio then
 * uses the Service's only port. Out-of-range numbers never get here (validation refuses them).
 */
function portSelector(port: number | string): { number?: number } {
  const n = typeof port === 'number' ? port : /^[+-]?\d+$/.test(port) ? Number(port) : 0;
  return n > 0 ? { number: n } : {};
}

/** Sorted by name, every `%` escaped; the input is left alone (sortKeys may return it as is). */
function literalValues(headers: Record<string, string>): Record<string, string> {
  const sorted = sortKeys(headers);
  for (const name in sorted) {
    if (!(sorted[name] as string).includes('%')) continue;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(sorted)) out[k] = literalHeaderValue(v);
    return out;
  }
  return sorted;
}

function rules(ing: DefaultedIngress): IngressRule[] {
  return ing.spec.rules ?? [];
}

/** Every host of every rule, in rule order. */
function ruleHosts(ing: DefaultedIngress): string[] {
  const out: string[] = [];
  for (const rule of rules(ing)) for (const h of rule.hosts ?? []) out.push(h);
  return out;
}

function nonEmpty<T>(map: Record<string, T> | undefined): map is Record<string, T> {
  if (map === undefined) return false;
  for (const _ in map) return true;
  return false;
}
