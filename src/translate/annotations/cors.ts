import type { StringMatch } from '../../api/istio.js';
import { lookup, type Annotations, type Found } from './keys.js';
import { boolean, commaList, integer, INT32_MAX, text, TOKEN, type Problems } from './values.js';

export interface CorsPolicy {
  allowOrigins: StringMatch[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders?: string[];
  allowCredentials: boolean;
  maxAge?: string;
}

// Higress's (and ingress-nginx's) defaults once CORS is enabled.
const DEFAULT_METHODS = 'GET, PUT, POST, DELETE, PATCH, OPTIONS';
const DEFAULT_HEADERS =
  'DNT,X-CustomHeader,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Authorization';
const DEFAULT_MAX_AGE = 1728000;

/** `scheme://host[:port]`, the host optionally starting with `*.` (any subdomain). Nothing after the host. */
const ORIGIN =
  /^(https?):\/\/((\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:\d{1,5})?)$/;

/** `enable-cors: "true"` and the `cors-*` annotations (either prefix); the rest are ignored unless CORS is on. */
export function parseCors(annotations: Annotations, problems: Problems): CorsPolicy | undefined {
  const enable = lookup(annotations, 'enable-cors', 'both');
  if (!enable || !boolean(enable, problems)) return undefined;
  const list = (
    name: string,
    fallback: string | undefined,
    check: (item: string) => boolean,
    want: string,
  ): string[] | undefined => {
    const found = lookup(annotations, name, 'both');
    const value = found ? text(found, problems) : fallback;
    if (value === undefined) return undefined;
    const items = commaList(value);
    if (found && (items.length === 0 || !items.every(check))) return problems.add(found, want);
    return items;
  };
  const policy: CorsPolicy = {
    allowOrigins: originMatches(lookup(annotations, 'cors-allow-origin', 'both'), problems),
    allowMethods:
      list(
        'cors-allow-methods',
        DEFAULT_METHODS,
        (m) => TOKEN.test(m),
        'want a comma-separated list of HTTP methods',
      ) ?? [],
    allowHeaders:
      list(
        'cors-allow-headers',
        DEFAULT_HEADERS,
        (h) => TOKEN.test(h),
        'want a comma-separated list of header names',
      ) ?? [],
    allowCredentials: true,
  };
  const expose = list(
    'cors-expose-headers',
    undefined,
    (h) => TOKEN.test(h),
    'want a comma-separated list of header names',
  );
  if (expose) policy.exposeHeaders = expose;
  const credentials = lookup(annotations, 'cors-allow-credentials', 'both');
  if (credentials) policy.allowCredentials = boolean(credentials, problems) ?? true;
  const age = lookup(annotations, 'cors-max-age', 'both');
  const seconds = age ? integer(age, problems, 0, INT32_MAX, 'want whole seconds') : DEFAULT_MAX_AGE;
  // Istio wants a duration of at least 1ms; 0 means "no Access-Control-Max-Age".
  if (seconds) policy.maxAge = `${seconds}s`;
  return policy;
}

/**
 * `*` matches any origin; `https://*.example.com` any subdomain (Higress matches the host part only, so the
 * scheme is not checked for wildcards); anything else must be the exact origin.
 */
function originMatches(found: Found | undefined, problems: Problems): StringMatch[] {
  const value = found ? text(found, problems) : '*';
  if (value === undefined || !found) return [{ regex: '.*' }];
  const origins = commaList(value);
  if (origins[0] === '*') return [{ regex: '.*' }];
  const matches: StringMatch[] = [];
  for (const origin of origins) {
    const m = ORIGIN.exec(origin);
    if (!m || !validPort(m[7])) {
      problems.add(found, `origin "${origin}" is not a URL like https://example.com or https://*.example.com`);
      continue;
    }
    const host = m[2] ?? '';
    matches.push(host.startsWith('*.') ? { regex: `.*${host.slice(1).replaceAll('.', '\\.')}` } : { exact: origin });
  }
  if (origins.length === 0) problems.add(found, 'want * or a comma-separated list of origins');
  return matches;
}

function validPort(port: string | undefined): boolean {
  return port === undefined || (Number(port.slice(1)) >= 1 && Number(port.slice(1)) <= 65535);
}
