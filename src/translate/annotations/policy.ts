import type { FieldError, Validated } from '../../api/fielderror.js';
import { err, ok } from '../../api/result.js';
import { parseCors, type CorsPolicy } from './cors.js';
import { parseHeaderControl, type HeaderControl } from './headers.js';
import { HIGRESS_PREFIX, NGINX_PREFIX, type Annotations } from './keys.js';
import { parseMirror, type MirrorPolicy } from './mirror.js';
import { parseRedirect, type RedirectPolicy } from './redirect.js';
import { parseRetries, type RetryPolicy } from './retry.js';
import { parseRewrite, type RewritePolicy } from './rewrite.js';
import { parseTimeout } from './timeout.js';
import { Problems } from './values.js';

/** What the route-level Higress annotations of a KIngress ask of its serving routes; all fields optional. */
export interface RoutePolicy {
  timeout?: string;
  retries?: RetryPolicy;
  cors?: CorsPolicy;
  headers?: HeaderControl;
  mirror?: MirrorPolicy;
  rewrite?: RewritePolicy;
  redirect?: RedirectPolicy;
}

/** Every annotation checked at once: either the whole policy or every bad value, never a part. */
export function parseRoutePolicy(annotations: Annotations | undefined, namespace: string): Validated<RoutePolicy> {
  const a = annotations ?? {};
  // Most KIngresses carry none of these annotations: one pass over the keys instead of a lookup per name.
  if (!hasRouteAnnotations(a)) return { ok: true, value: {} };
  const problems = new Problems();
  const policy: RoutePolicy = {};
  const timeout = parseTimeout(a, problems);
  if (timeout) policy.timeout = timeout;
  const retries = parseRetries(a, problems);
  if (retries) policy.retries = retries;
  const cors = parseCors(a, problems);
  if (cors) policy.cors = cors;
  const headers = parseHeaderControl(a, problems);
  if (headers) policy.headers = headers;
  const mirror = parseMirror(a, namespace, problems);
  if (mirror) policy.mirror = mirror;
  const rewrite = parseRewrite(a, problems);
  if (rewrite) policy.rewrite = rewrite;
  const redirect = parseRedirect(a, problems);
  if (redirect) policy.redirect = redirect;
  return problems.errors.length > 0 ? err(problems.errors) : ok(policy);
}

function hasRouteAnnotations(annotations: Annotations): boolean {
  for (const key in annotations) if (key.startsWith(HIGRESS_PREFIX) || key.startsWith(NGINX_PREFIX)) return true;
  return false;
}

/** The validation half, for validateIngress: the annotation errors of a KIngress, none when all are good. */
export function routeAnnotationErrors(annotations: Annotations | undefined, namespace: string): FieldError[] {
  const parsed = parseRoutePolicy(annotations, namespace);
  return parsed.ok ? [] : parsed.error;
}
