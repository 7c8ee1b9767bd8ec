// The conformance oracle: from the VirtualServices and Gateways in the cluster, what a Higress gateway proxy
// must receive from Istio's pilot, route by route — and a comparison with what it did receive.
//
// Both sides are reduced to the same plain shape (GatewayRoute), so a test can `toEqual` one virtual host,
// or collect every difference of a few hundred KIngresses at once. Nothing here knows about KIngresses:
// feed it whatever net-higress wrote (any source of KIngresses), plus the chart's Gateways.
import type { Gateway, HTTPMatchRequest, HTTPRoute, Server, VirtualService } from '../../src/api/istio.js';
import {
  outboundCluster,
  routeClusters,
  type EnvoyRoute,
  type GatewayXds,
  type HeaderValueOption,
  type VirtualHost,
} from './xds.js';

/** One Envoy route, reduced to what net-higress decides. */
export interface GatewayRoute {
  name: string;
  authorityPrefix?: string;
  pathPrefix: string;
  headersExact: Record<string, string>;
  /** Single destination: one entry with weight 100. */
  clusters: Array<{ name: string; weight: number; set: Record<string, string> }>;
  /** Request headers set on the route (a single destination's headers are folded in here). */
  set: Record<string, string>;
  hostRewrite?: string;
  timeout?: string;
  retries: boolean;
  /** Anything in the Envoy route the reduction does not cover (so it cannot pass unnoticed). */
  other: string[];
}

export interface ExpectedVirtualHost {
  /** RDS name, e.g. `http.80` or `https.443.<port name>.<gateway>.<namespace>`. */
  routeConfig: string;
  /** Istio makes one virtual host per VirtualService and port: every VirtualService host the server accepts. */
  domains: string[];
  requireTls: boolean;
  routes: GatewayRoute[];
  /** `<namespace>/<name>` of the VirtualService, for messages. */
  from: string;
}

export interface OracleOptions {
  /** ExternalName Services the gateway resolves a destination through: host → concrete host. */
  aliases?: ReadonlyMap<string, string>;
}

export interface Verdict {
  virtualHosts: number;
  routes: number;
  clusters: number;
  problems: string[];
}

const OVERWRITE = 'OVERWRITE_IF_EXISTS_OR_ADD';

/**
 * Route configuration names istiod gives Gateway servers: `http.<port>` for plain HTTP,
 * `https.<port>.<port name>.<gateway>.<namespace>` for HTTPS. A server with TLS settings naming a host an earlier
 * one (of any of the Gateways, in order) already named on the same port is dropped by istiod: no name.
 */
export function routeConfigNames(gateways: readonly Gateway[]): Map<Server, string> {
  const out = new Map<Server, string>();
  const tlsHosts = new Map<number, Set<string>>();
  for (const gw of gateways) {
    for (const server of gw.spec.servers) {
      if (server.tls) {
        const known = tlsHosts.get(server.port.number) ?? new Set<string>();
        tlsHosts.set(server.port.number, known);
        if (server.hosts.some((h) => known.has(h))) continue;
        for (const h of server.hosts) known.add(h);
      }
      const https = server.port.protocol === 'HTTPS' && server.tls?.mode !== 'PASSTHROUGH';
      out.set(
        server,
        https
          ? `https.${server.port.number}.${server.port.name}.${gw.metadata.name}.${gw.metadata.namespace ?? ''}`
          : `http.${server.port.number}`,
      );
    }
  }
  return out;
}

function hostMatches(serverHost: string, host: string): boolean {
  const h = serverHost.includes('/') ? serverHost.slice(serverHost.indexOf('/') + 1) : serverHost;
  if (h === '*') return true;
  if (h.startsWith('*.')) return host.endsWith(h.slice(1));
  return h === host;
}

/** Every virtual host the VirtualServices put on the gateways, keyed `<route config>|<namespace>/<VirtualService>`. */
export function expectedVirtualHosts(
  vss: readonly VirtualService[],
  gateways: readonly Gateway[],
  opts: OracleOptions = {},
): Map<string, ExpectedVirtualHost> {
  const byName = new Map(gateways.map((g) => [`${g.metadata.namespace ?? ''}/${g.metadata.name}`, g]));
  const names = routeConfigNames(gateways);
  const out = new Map<string, ExpectedVirtualHost>();
  for (const vs of vss) {
    const from = `${vs.metadata.namespace ?? ''}/${vs.metadata.name}`;
    // Per route configuration: the domains and the Gateways (of this VirtualService) serving it.
    const ports = new Map<string, { domains: Set<string>; gateways: Set<string>; requireTls: boolean }>();
    for (const gwName of vs.spec.gateways) {
      const gw = byName.get(gwName);
      for (const server of gw?.spec.servers ?? []) {
        const domains = vs.spec.hosts.filter((h) => server.hosts.some((sh) => hostMatches(sh, h)));
        const rc = names.get(server);
        if (!gw || !rc || domains.length === 0) continue;
        const port = ports.get(rc) ?? { domains: new Set<string>(), gateways: new Set<string>(), requireTls: false };
        for (const d of domains) port.domains.add(d);
        port.gateways.add(gwName);
        port.requireTls ||= server.tls?.httpsRedirect === true;
        ports.set(rc, port);
      }
    }
    for (const [rc, port] of ports) {
      const routes = vs.spec.http.flatMap((r) =>
        r.match.filter((m) => m.gateways.some((g) => port.gateways.has(g))).map((m) => expectedRoute(r, m, opts)),
      );
      out.set(`${rc}|${from}`, {
        routeConfig: rc,
        domains: [...port.domains].sort(),
        requireTls: port.requireTls,
        routes,
        from,
      });
    }
  }
  return out;
}

function expectedRoute(r: HTTPRoute, m: HTTPMatchRequest & { name?: string }, opts: OracleOptions): GatewayRoute {
  // A redirect route (Higress annotations) has no destinations.
  const dests = r.route ?? [];
  const resolve = (host: string) => opts.aliases?.get(host) ?? host;
  const routeSet = { ...(r.headers?.request?.set ?? {}) };
  const clusters =
    dests.length === 1
      ? [
          {
            name: outboundCluster(resolve(dests[0]!.destination.host), dests[0]!.destination.port?.number ?? 0),
            weight: 100,
            set: {},
          },
        ]
      : // Istio leaves a weight-0 destination out of the weighted clusters.
        dests
          .filter((d) => (d.weight ?? 0) > 0)
          .map((d) => ({
            name: outboundCluster(resolve(d.destination.host), d.destination.port?.number ?? 0),
            weight: d.weight ?? 0,
            set: { ...(d.headers?.request?.set ?? {}) },
          }));
  if (dests.length === 1) Object.assign(routeSet, dests[0]!.headers?.request?.set ?? {});
  const headersExact: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) headersExact[k] = v.exact ?? '';
  return {
    name: m.name ? `${r.name ?? ''}.${m.name}` : (r.name ?? ''),
    ...(m.authority?.prefix !== undefined ? { authorityPrefix: m.authority.prefix } : {}),
    pathPrefix: m.uri?.prefix ?? '/',
    headersExact,
    clusters,
    set: routeSet,
    ...(r.rewrite?.authority ? { hostRewrite: r.rewrite.authority } : {}),
    // No timeout in the VirtualService: Istio disables Envoy's 15 s default.
    timeout: '0s',
    retries: r.retries?.attempts !== undefined ? r.retries.attempts > 0 : false,
    other: [],
  };
}

function setOf(opts: HeaderValueOption[] | undefined, other: string[], where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of opts ?? []) {
    if ((o.appendAction ?? 'APPEND_IF_EXISTS_OR_ADD') !== OVERWRITE)
      other.push(`${where} header ${o.header.key} with ${o.appendAction ?? 'append'}`);
    out[o.header.key] = o.header.value ?? '';
  }
  return out;
}

/** An Envoy route reduced to the shape of GatewayRoute. */
export function reduceRoute(r: EnvoyRoute): GatewayRoute {
  const other: string[] = [];
  let authorityPrefix: string | undefined;
  const headersExact: Record<string, string> = {};
  for (const h of r.match.headers ?? []) {
    const exact = h.stringMatch?.exact ?? h.exactMatch;
    const prefix = h.stringMatch?.prefix ?? h.prefixMatch;
    if (h.name === ':authority' && prefix !== undefined && !h.invertMatch) authorityPrefix = prefix;
    else if (exact !== undefined && !h.invertMatch) headersExact[h.name] = exact;
    else other.push(`header matcher ${JSON.stringify(h)}`);
  }
  const pathPrefix = r.match.prefix ?? r.match.pathSeparatedPrefix;
  if (pathPrefix === undefined) other.push(`path match ${JSON.stringify(r.match)}`);
  if (r.redirect) other.push(`redirect ${JSON.stringify(r.redirect)}`);
  if (r.directResponse) other.push(`direct response ${JSON.stringify(r.directResponse)}`);
  const set = setOf(r.requestHeadersToAdd, other, 'route');
  const wc = r.route?.weightedClusters?.clusters;
  const clusters = wc
    ? wc.map((c) => ({ name: c.name, weight: c.weight ?? 0, set: setOf(c.requestHeadersToAdd, other, c.name) }))
    : routeClusters(r).map((name) => ({ name, weight: 100, set: {} }));
  return {
    name: r.name ?? '',
    ...(authorityPrefix !== undefined ? { authorityPrefix } : {}),
    pathPrefix: pathPrefix ?? '',
    headersExact,
    clusters,
    set,
    ...(r.route?.hostRewriteLiteral ? { hostRewrite: r.route.hostRewriteLiteral } : {}),
    ...(r.route?.timeout !== undefined ? { timeout: r.route.timeout } : {}),
    retries: r.route?.retryPolicy !== undefined,
    other,
  };
}

/** The virtual host of a route configuration with exactly these domains. */
function receivedVirtualHost(
  xds: GatewayXds,
  routeConfig: string,
  domains: readonly string[],
): VirtualHost | undefined {
  const want = domains.join(',');
  return xds.routes
    .find((rc) => rc.name === routeConfig)
    ?.virtualHosts?.find((vh) => [...vh.domains].sort().join(',') === want);
}

/**
 * Compare what the proxy received with what the VirtualServices and Gateways say it must receive:
 * every expected virtual host present with exactly the expected routes in order, its TLS redirect, every
 * cluster a route names sent, no unexpected virtual host, no resource Envoy would reject.
 */
export function judge(
  xds: GatewayXds,
  vss: readonly VirtualService[],
  gateways: readonly Gateway[],
  opts: OracleOptions = {},
): Verdict {
  const problems: string[] = [];
  const expected = expectedVirtualHosts(vss, gateways, opts);
  const clusterNames = new Set(xds.clusters.map((c) => c.name));
  const named = new Set<string>();
  const seen = new Set<VirtualHost>();
  let routes = 0;
  for (const want of expected.values()) {
    const vh = receivedVirtualHost(xds, want.routeConfig, want.domains);
    const where = `${want.routeConfig} ${want.from}`;
    if (!vh) {
      problems.push(`${where}: no virtual host with domains ${JSON.stringify(want.domains)}`);
      continue;
    }
    seen.add(vh);
    if ((vh.requireTls === 'ALL') !== want.requireTls)
      problems.push(`${where}: requireTls ${vh.requireTls ?? 'NONE'}, want ${want.requireTls ? 'ALL' : 'NONE'}`);
    const got = (vh.routes ?? []).map(reduceRoute);
    routes += got.length;
    if (got.length !== want.routes.length)
      problems.push(`${where}: ${got.length} routes, want ${want.routes.length}: ${got.map((r) => r.name).join(', ')}`);
    want.routes.forEach((w, i) => {
      const g = got[i];
      if (g && JSON.stringify(g) !== JSON.stringify(w))
        problems.push(`${where} route ${i}:\n  want ${JSON.stringify(w)}\n  got  ${JSON.stringify(g)}`);
    });
    for (const r of vh.routes ?? []) for (const c of routeClusters(r)) named.add(c);
  }
  for (const c of named) if (!clusterNames.has(c)) problems.push(`cluster ${c} is named by a route but was not sent`);
  // Istio gives the hosts of an HTTPS-redirecting server that no VirtualService serves a redirect of their own.
  const redirectOnly = new Set(
    gateways.flatMap((g) => g.spec.servers.filter((sv) => sv.tls?.httpsRedirect).flatMap((sv) => sv.hosts)),
  );
  for (const want of expected.values()) for (const d of want.domains) redirectOnly.delete(d);
  for (const rc of xds.routes) {
    for (const vh of rc.virtualHosts ?? []) {
      if (seen.has(vh) || vh.name.startsWith('blackhole')) continue;
      if (vh.requireTls === 'ALL' && (vh.routes ?? []).length === 0 && vh.domains.every((d) => redirectOnly.has(d)))
        continue;
      problems.push(`${rc.name}: unexpected virtual host ${vh.name} (${JSON.stringify(vh.domains)})`);
    }
  }
  for (const bad of xds.invalid) problems.push(`Envoy would reject ${bad.type} ${bad.name}: ${bad.error}`);
  return { virtualHosts: expected.size, routes, clusters: named.size, problems };
}
