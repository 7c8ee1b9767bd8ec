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
  type StringMatch,
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
  /** What the Higress route annotations add; a key is present only when the route has it. */
  extras?: RouteExtras;
  /** Anything in the Envoy route the reduction does not cover (so it cannot pass unnoticed). */
  other: string[];
}

/** A route's policies beyond routing (Higress route annotations), as Envoy spells them. */
export interface RouteExtras {
  requestAdd?: Record<string, string>;
  requestRemove?: string[];
  responseSet?: Record<string, string>;
  responseAdd?: Record<string, string>;
  responseRemove?: string[];
  retryPolicy?: { retryOn: string; numRetries: number; perTryTimeout?: string; retriableStatusCodes?: number[] };
  cors?: {
    allowOriginStringMatch: StringMatch[];
    allowMethods: string;
    allowHeaders: string;
    exposeHeaders?: string;
    maxAge?: string;
    allowCredentials?: boolean;
  };
  mirror?: { cluster: string; numerator: number; denominator: string };
  regexRewrite?: { regex: string; substitution: string };
  prefixRewrite?: string;
  redirect?: { schemeRedirect?: string; hostRedirect?: string; pathRedirect?: string; responseCode: string };
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
const APPEND = 'APPEND_IF_EXISTS_OR_ADD';

/** Envoy's redirect response codes (protojson omits the default, 301). */
const REDIRECT_CODES: Record<number, string> = {
  302: 'FOUND',
  303: 'SEE_OTHER',
  307: 'TEMPORARY_REDIRECT',
  308: 'PERMANENT_REDIRECT',
};

/** The extras in one key order (both sides are compared as JSON), without empty ones; undefined when none. */
function orderedExtras(x: RouteExtras): RouteExtras | undefined {
  const keys: Array<keyof RouteExtras> = [
    'requestAdd',
    'requestRemove',
    'responseSet',
    'responseAdd',
    'responseRemove',
    'retryPolicy',
    'cors',
    'mirror',
    'regexRewrite',
    'prefixRewrite',
    'redirect',
  ];
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = x[k];
    if (
      v === undefined ||
      (Array.isArray(v) && v.length === 0) ||
      (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0)
    )
      continue;
    out[k] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Istio's translation of a retry condition list: HTTP status codes become retriable status codes (and
 * `retriable-status-codes` is added if missing), every other condition is passed to Envoy as written.
 */
function expectedRetryOn(retryOn: string | undefined): { retryOn: string; retriableStatusCodes?: number[] } {
  if (!retryOn)
    return {
      retryOn: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
      retriableStatusCodes: [503],
    };
  const codes: number[] = [];
  const conditions: string[] = [];
  for (const part of retryOn
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    if (/^\d+$/.test(part) && Number(part) >= 100 && Number(part) < 600) codes.push(Number(part));
    else conditions.push(part);
  }
  if (codes.length > 0 && !conditions.includes('retriable-status-codes')) conditions.push('retriable-status-codes');
  return { retryOn: conditions.join(','), ...(codes.length > 0 ? { retriableStatusCodes: codes } : {}) };
}

function expectedExtras(r: HTTPRoute, resolve: (host: string) => string): RouteExtras | undefined {
  const retries =
    r.retries?.attempts !== undefined && r.retries.attempts > 0
      ? (() => {
          const on = expectedRetryOn(r.retries.retryOn);
          return {
            retryOn: on.retryOn,
            numRetries: r.retries.attempts,
            ...(r.retries.perTryTimeout ? { perTryTimeout: r.retries.perTryTimeout } : {}),
            ...(on.retriableStatusCodes ? { retriableStatusCodes: on.retriableStatusCodes } : {}),
          };
        })()
      : undefined;
  const c = r.corsPolicy;
  const cors = c && {
    allowOriginStringMatch: c.allowOrigins.map((o): StringMatch =>
      o.regex !== undefined
        ? { safeRegex: { regex: o.regex } }
        : o.prefix !== undefined
          ? { prefix: o.prefix }
          : { exact: o.exact ?? '' },
    ),
    allowMethods: c.allowMethods.join(','),
    allowHeaders: c.allowHeaders.join(','),
    ...(c.exposeHeaders?.length ? { exposeHeaders: c.exposeHeaders.join(',') } : {}),
    ...(c.maxAge ? { maxAge: c.maxAge.replace(/s$/, '') } : {}),
    allowCredentials: c.allowCredentials,
  };
  // Istio writes a mirror percentage as a fraction of a million; no percentage mirrors everything.
  const mirror = r.mirror && {
    cluster: outboundCluster(resolve(r.mirror.host), r.mirror.port.number),
    numerator: Math.round((r.mirrorPercentage?.value ?? 100) * 10_000),
    denominator: 'MILLION',
  };
  const rw = r.rewrite;
  const d = r.redirect;
  return orderedExtras({
    requestAdd: r.headers?.request?.add,
    requestRemove: r.headers?.request?.remove,
    responseSet: r.headers?.response?.set,
    responseAdd: r.headers?.response?.add,
    responseRemove: r.headers?.response?.remove,
    retryPolicy: retries,
    cors,
    mirror,
    regexRewrite: rw?.uriRegexRewrite && { regex: rw.uriRegexRewrite.match, substitution: rw.uriRegexRewrite.rewrite },
    prefixRewrite: rw?.uri,
    redirect: d && {
      ...(d.scheme ? { schemeRedirect: d.scheme } : {}),
      ...(d.authority ? { hostRedirect: d.authority } : {}),
      ...(d.uri ? { pathRedirect: d.uri } : {}),
      responseCode: REDIRECT_CODES[d.redirectCode] ?? 'MOVED_PERMANENTLY',
    },
  });
}

/**
 * Route configuration names istiod gives Gateway servers: `http.<port>` for plain HTTP,
 * `https.<port>.<port name>.<gateway>.<namespace>` for HTTPS. A server with TLS settings naming a host an earlier
 * one (of any of the Gateways, in order) already named on the same port is dropped by istiod: no name.
 */
function routeConfigNames(gateways: readonly Gateway[]): Map<Server, string> {
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
function expectedVirtualHosts(
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
  const extras = expectedExtras(r, resolve);
  return {
    name: m.name ? `${r.name ?? ''}.${m.name}` : (r.name ?? ''),
    ...(m.authority?.prefix !== undefined ? { authorityPrefix: m.authority.prefix } : {}),
    pathPrefix: m.uri?.prefix ?? '/',
    headersExact,
    clusters,
    set: routeSet,
    ...(r.rewrite?.authority ? { hostRewrite: r.rewrite.authority } : {}),
    // No timeout in the VirtualService: Istio disables Envoy's 15 s default. A redirect has no upstream.
    ...(r.redirect ? {} : { timeout: r.timeout ?? '0s' }),
    retries: r.retries?.attempts !== undefined ? r.retries.attempts > 0 : false,
    ...(extras ? { extras } : {}),
    other: [],
  };
}

/** Headers set (overwritten); appended ones go to `add` if given, else count as unexpected. */
function setOf(
  opts: HeaderValueOption[] | undefined,
  other: string[],
  where: string,
  add?: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of opts ?? []) {
    const action = o.appendAction ?? APPEND;
    if (action === OVERWRITE) out[o.header.key] = o.header.value ?? '';
    else if (action === APPEND && add) add[o.header.key] = o.header.value ?? '';
    else other.push(`${where} header ${o.header.key} with ${o.appendAction ?? 'append'}`);
  }
  return out;
}

interface EnvoyCors {
  allowOriginStringMatch?: StringMatch[];
  allowMethods?: string;
  allowHeaders?: string;
  exposeHeaders?: string;
  maxAge?: string;
  allowCredentials?: boolean;
}
interface EnvoyRetryPolicy {
  retryOn?: string;
  numRetries?: number;
  perTryTimeout?: string;
  retriableStatusCodes?: number[];
}
interface EnvoyMirror {
  cluster: string;
  runtimeFraction?: { defaultValue?: { numerator?: number; denominator?: string } };
}

/** The Envoy route's annotation-driven policies, in RouteExtras's shape. */
function receivedExtras(r: EnvoyRoute, other: string[]): RouteExtras | undefined {
  const requestAdd: Record<string, string> = {};
  const responseAdd: Record<string, string> = {};
  const responseSet = setOf(r.responseHeadersToAdd as HeaderValueOption[] | undefined, other, 'response', responseAdd);
  setOf(r.requestHeadersToAdd, [], 'route', requestAdd);
  const rp = r.route?.retryPolicy as EnvoyRetryPolicy | undefined;
  const cors = (r.typedPerFilterConfig as Record<string, EnvoyCors> | undefined)?.['envoy.filters.http.cors'];
  const mirrors = (r.route?.requestMirrorPolicies ?? []) as EnvoyMirror[];
  if (mirrors.length > 1) other.push(`${mirrors.length} mirror policies`);
  const m = mirrors[0];
  const rx = r.route?.regexRewrite as { pattern: { regex: string }; substitution: string } | undefined;
  const d = r.redirect as
    { schemeRedirect?: string; hostRedirect?: string; pathRedirect?: string; responseCode?: string } | undefined;
  return orderedExtras({
    requestAdd,
    requestRemove: r.requestHeadersToRemove as string[] | undefined,
    responseSet,
    responseAdd,
    responseRemove: r.responseHeadersToRemove as string[] | undefined,
    retryPolicy: rp && {
      retryOn: rp.retryOn ?? '',
      numRetries: rp.numRetries ?? 0,
      ...(rp.perTryTimeout ? { perTryTimeout: rp.perTryTimeout } : {}),
      ...(rp.retriableStatusCodes ? { retriableStatusCodes: rp.retriableStatusCodes } : {}),
    },
    cors: cors && {
      allowOriginStringMatch: cors.allowOriginStringMatch ?? [],
      allowMethods: cors.allowMethods ?? '',
      allowHeaders: cors.allowHeaders ?? '',
      ...(cors.exposeHeaders ? { exposeHeaders: cors.exposeHeaders } : {}),
      ...(cors.maxAge ? { maxAge: cors.maxAge } : {}),
      ...(cors.allowCredentials !== undefined ? { allowCredentials: cors.allowCredentials } : {}),
    },
    mirror: m && {
      cluster: m.cluster,
      numerator: m.runtimeFraction?.defaultValue?.numerator ?? 0,
      denominator: m.runtimeFraction?.defaultValue?.denominator ?? 'HUNDRED',
    },
    regexRewrite: rx && { regex: rx.pattern.regex, substitution: rx.substitution },
    prefixRewrite: r.route?.prefixRewrite as string | undefined,
    redirect: d && {
      ...(d.schemeRedirect ? { schemeRedirect: d.schemeRedirect } : {}),
      ...(d.hostRedirect ? { hostRedirect: d.hostRedirect } : {}),
      ...(d.pathRedirect ? { pathRedirect: d.pathRedirect } : {}),
      responseCode: d.responseCode ?? 'MOVED_PERMANENTLY',
    },
  });
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
  if (r.directResponse) other.push(`direct response ${JSON.stringify(r.directResponse)}`);
  const set = setOf(r.requestHeadersToAdd, other, 'route', {});
  const extras = receivedExtras(r, other);
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
    ...(extras ? { extras } : {}),
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
