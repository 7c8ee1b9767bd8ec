import { HIGRESS_PREFIX, NGINX_PREFIX, type Annotations } from './keys.js';

/**
 * Higress annotations that do nothing on a Knative service written by net-higress, and why. net-higress writes
 * VirtualServices and Gateways only: what Higress builds from a DestinationRule, an EnvoyFilter, its fork's
 * route filters or extra routes is not available, and Knative owns the routing (paths, splits, tags, HTTPS
 * redirection) itself.
 */
const BOTH: Record<string, string> = {
  ...reason('needs a DestinationRule', [
    'load-balance',
    'upstream-hash-by',
    'affinity',
    'affinity-mode',
    'affinity-canary-behavior',
    'session-cookie-name',
    'session-cookie-path',
    'session-cookie-max-age',
    'session-cookie-expires',
    'backend-protocol',
    'proxy-ssl-secret',
    'proxy-ssl-verify',
    'proxy-ssl-name',
    'proxy-ssl-server-name',
  ]),
  ...reason('needs an Envoy filter', [
    'whitelist-source-range',
    'auth-type',
    'auth-secret',
    'auth-secret-type',
    'auth-realm',
    'default-backend',
    'custom-http-errors',
  ]),
  ...reason('configures the Gateway', ['auth-tls-secret', 'ssl-cipher', 'ssl-passthrough']),
  ...reason('Knative owns the routing', [
    'canary',
    'canary-by-header',
    'canary-by-header-value',
    'canary-by-header-pattern',
    'canary-by-cookie',
    'canary-weight',
    'canary-weight-total',
    'use-regex',
    'app-root',
  ]),
  ...reason('use networking.knative.dev/http-protocol: redirected', ['ssl-redirect', 'force-ssl-redirect']),
};
const HIGRESS_ONLY: Record<string, string> = {
  ...reason('needs an Envoy filter', ['route-limit-rpm', 'route-limit-rps', 'route-limit-burst-multiplier']),
  ...reason('Knative owns the routing', ['full-path-regex', 'ignore-path-case', 'match-method', 'destination']),
  ...reason("needs Higress's own route conversion", ['rpc-destination-name']),
};
/** Higress's header, query and pseudo-header match annotations, e.g. `higress.io/exact-match-header-x-user`. */
const MATCH = /^(exact|prefix|regex)-match-(header|query|pseudo-header)-./;

function reason(why: string, names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, why]));
}

function underEitherPrefix(name: string): string | undefined {
  return BOTH[name] ?? (name.startsWith('mcp-server') ? "needs Higress's own route conversion" : undefined);
}

function underHigressPrefix(name: string): string | undefined {
  return underEitherPrefix(name) ?? HIGRESS_ONLY[name] ?? (MATCH.test(name) ? 'Knative owns the routing' : undefined);
}

/** Every such annotation present, with why it is ignored, sorted by key. */
export function unsupportedAnnotations(annotations: Annotations | undefined): Array<{ key: string; why: string }> {
  const out: Array<{ key: string; why: string }> = [];
  for (const key in annotations) {
    const why = key.startsWith(NGINX_PREFIX)
      ? underEitherPrefix(key.slice(NGINX_PREFIX.length))
      : key.startsWith(HIGRESS_PREFIX)
        ? underHigressPrefix(key.slice(HIGRESS_PREFIX.length))
        : undefined;
    if (why) out.push({ key, why });
  }
  // Sorted once found: nearly every KIngress has none, and sorting all its keys was most of the work.
  return out.length > 1 ? out.sort((a, b) => (a.key < b.key ? -1 : 1)) : out;
}

/** One line for an Event or a note: `not supported on Knative services, ignored: key (why), ...`. */
export function describeUnsupported(found: ReadonlyArray<{ key: string; why: string }>): string {
  return `annotations not supported on Knative services, ignored: ${found.map((f) => `${f.key} (${f.why})`).join(', ')}`;
}
