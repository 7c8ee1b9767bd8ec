import { describeErrors } from '../../api/fielderror.js';
import type { HTTPIngressPath, KIngress } from '../../api/kingress.js';
import type { HTTPRoute } from '../../api/istio.js';
import { HASH_HEADER, HASH_OVERRIDE } from '../constants.js';
import { TranslateError } from '../error.js';
import { sortKeys } from '../metadata.js';
import type { HeaderOperations } from './headers.js';
import { parseRoutePolicy, type RoutePolicy } from './policy.js';
import type { RetryPolicy } from './retry.js';

export type RoutePolicyApplier = (route: HTTPRoute, path: HTTPIngressPath) => HTTPRoute;

/**
 * The KIngress's annotations parsed once, as a function over its routes. Validation has already
 * rejected bad values; should one get here anyway, the translation fails rather than half-apply it.
 */
export function routePolicyFor(ing: KIngress, clusterDomain: string): RoutePolicyApplier {
  const parsed = parseRoutePolicy(ing.metadata.annotations, ing.metadata.namespace ?? '');
  if (!parsed.ok) throw new TranslateError(describeErrors(parsed.error));
  const policy = parsed.value;
  if (Object.keys(policy).length === 0) return (route) => route;
  return (route, path) => applyRoutePolicy(route, path, policy, clusterDomain);
}

/**
 * The policy applied to one serving route, the way Higress applies its annotations to an Ingress's routes,
 * with Knative winning where the two meet:
 *  - probe routes are returned unchanged: a probe must reach the revision exactly as Knative expects
 *    (no retries, no timeout, no redirect, no rewrite);
 *  - request headers Knative sets (the path's and every split's `appendHeaders`) are not added, updated or
 *    removed by header-control annotations;
 *  - the path's `rewriteHost` wins over `upstream-vhost`;
 *  - a redirect route forwards nowhere, so it keeps only its match, headers and CORS policy.
 */
function applyRoutePolicy(
  route: HTTPRoute,
  path: HTTPIngressPath,
  policy: RoutePolicy,
  clusterDomain: string,
): HTTPRoute {
  if (isProbePath(path)) return route;
  const { name, match, route: destinations, rewrite: knativeRewrite, retries } = route;
  const headers = mergedHeaders(route, path, policy);
  const cors = policy.cors
    ? {
        allowOrigins: policy.cors.allowOrigins,
        allowMethods: policy.cors.allowMethods,
        allowHeaders: policy.cors.allowHeaders,
        ...(policy.cors.exposeHeaders ? { exposeHeaders: policy.cors.exposeHeaders } : {}),
        allowCredentials: policy.cors.allowCredentials,
        ...(policy.cors.maxAge ? { maxAge: policy.cors.maxAge } : {}),
      }
    : undefined;
  if (policy.redirect) {
    return {
      ...(name !== undefined ? { name } : {}),
      match,
      redirect: { ...policy.redirect },
      ...(headers ? { headers } : {}),
      ...(cors ? { corsPolicy: cors } : {}),
    };
  }
  const rewrite = rewriteOf(path, policy, knativeRewrite?.authority);
  const mirror = policy.mirror;
  return {
    ...(name !== undefined ? { name } : {}),
    match,
    ...(destinations ? { route: destinations } : {}),
    ...(headers ? { headers } : {}),
    ...(rewrite ? { rewrite } : {}),
    ...(policy.timeout ? { timeout: policy.timeout } : {}),
    retries: policy.retries ? retriesOf(policy.retries) : (retries ?? {}),
    ...(cors ? { corsPolicy: cors } : {}),
    ...(mirror
      ? {
          mirror: {
            host:
              'fqdn' in mirror.target
                ? mirror.target.fqdn
                : `${mirror.target.service.name}.${mirror.target.service.namespace}.svc.${clusterDomain}`,
            port: { number: mirror.port },
          },
          ...(mirror.percentage !== undefined ? { mirrorPercentage: { value: mirror.percentage } } : {}),
        }
      : {}),
  };
}

function retriesOf(r: RetryPolicy): NonNullable<HTTPRoute['retries']> {
  return { attempts: r.attempts, ...(r.perTryTimeout ? { perTryTimeout: r.perTryTimeout } : {}), retryOn: r.retryOn };
}

function isProbePath(path: HTTPIngressPath): boolean {
  return path.headers?.[HASH_HEADER]?.exact === HASH_OVERRIDE;
}

function rewriteOf(
  path: HTTPIngressPath,
  policy: RoutePolicy,
  knativeAuthority: string | undefined,
): HTTPRoute['rewrite'] {
  const r = policy.rewrite;
  const prefix = path.path || '/';
  const out: NonNullable<HTTPRoute['rewrite']> = {};
  // Higress keeps the separator when the matched prefix ends with one; an empty KIngress path matches like `/`.
  if (r?.path) out.uri = prefix.endsWith('/') && !r.path.endsWith('/') ? `${r.path}/` : r.path;
  else if (r?.target) out.uriRegexRewrite = { match: `^${escapeRegex(prefix)}(.*)`, rewrite: r.target };
  const authority = knativeAuthority ?? r?.host;
  if (authority) out.authority = authority;
  return (out.uri ?? out.uriRegexRewrite ?? out.authority) ? out : undefined;
}

function mergedHeaders(route: HTTPRoute, path: HTTPIngressPath, policy: RoutePolicy): HTTPRoute['headers'] {
  const control = policy.headers;
  if (!control) return route.headers;
  const knative = new Set<string>();
  for (const name of Object.keys(path.appendHeaders ?? {})) knative.add(name.toLowerCase());
  for (const split of path.splits ?? [])
    for (const name of Object.keys(split.appendHeaders ?? {})) knative.add(name.toLowerCase());
  const request = withoutKnative(control.request, knative);
  const knativeSet = route.headers?.request?.set;
  if (knativeSet) request.set = sortKeys({ ...request.set, ...knativeSet });
  const response = withoutKnative(control.response, new Set());
  const out: NonNullable<HTTPRoute['headers']> = {};
  if (request.add || request.set || request.remove) out.request = request;
  if (response.add || response.set || response.remove) out.response = response;
  return out.request || out.response ? out : undefined;
}

function withoutKnative(ops: HeaderOperations | undefined, knative: ReadonlySet<string>): HeaderOperations {
  const keep = (name: string) => !knative.has(name.toLowerCase());
  const pick = (m: Record<string, string> | undefined) => {
    const kept = Object.entries(m ?? {}).filter(([k]) => keep(k));
    return kept.length > 0 ? sortKeys(Object.fromEntries(kept)) : undefined;
  };
  const out: HeaderOperations = {};
  const add = pick(ops?.add);
  if (add) out.add = add;
  const set = pick(ops?.set);
  if (set) out.set = set;
  const remove = (ops?.remove ?? []).filter(keep);
  if (remove.length > 0) out.remove = remove;
  return out;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
