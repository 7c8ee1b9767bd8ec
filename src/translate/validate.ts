import type { FieldError, Validated } from '../api/fielderror.js';
import type { HTTPIngressPath, IngressBackendSplit, IngressRule, IngressTLS } from '../api/kingress.js';
import { err, ok } from '../api/result.js';
import {
  HTTP_OPTION_ENABLED,
  HTTP_OPTION_REDIRECTED,
  VISIBILITY_CLUSTER_LOCAL,
  VISIBILITY_EXTERNAL,
} from '../api/kingress.js';
import { routeAnnotationErrors } from './annotations/policy.js';
import type { DefaultedIngress } from './defaults.js';
import { hostProblem } from './hostname.js';
import { validateHeaderNames, validateHeaderValues } from './headers.js';

const MISSING = 'missing field(s)';

/**
 * Knative's KIngress validation (normally done by Serving's webhook) plus a visibility check and header checks
 * (what the gateway accepts), so a hand-written KIngress gets every problem at once with the path to find it.
 */
export function validateIngress(ing: DefaultedIngress): Validated<DefaultedIngress> {
  const errors: FieldError[] = [];
  const spec = ing.spec;
  const namespace = ing.metadata.namespace ?? '';
  const rules = spec.rules ?? [];
  if (rules.length === 0 && (spec.tls ?? []).length === 0 && !spec.httpOption) {
    errors.push({ path: 'spec', message: MISSING });
  } else if (rules.length === 0) {
    errors.push({ path: 'spec.rules', message: MISSING });
  }
  const seen = new Map<string, string>();
  for (let i = 0; i < rules.length; i++)
    validateRule(rules[i] as IngressRule, `spec.rules[${i}]`, namespace, seen, errors);
  const tls = spec.tls ?? [];
  for (let i = 0; i < tls.length; i++) validateTLS(tls[i] as IngressTLS, `spec.tls[${i}]`, errors);
  const option = spec.httpOption ?? '';
  if (option !== '' && option !== HTTP_OPTION_ENABLED && option !== HTTP_OPTION_REDIRECTED) {
    errors.push({
      path: 'spec.httpOption',
      message: `invalid value "${option}", want "${HTTP_OPTION_ENABLED}" or "${HTTP_OPTION_REDIRECTED}"`,
    });
  }
  errors.push(...routeAnnotationErrors(ing.metadata.annotations, namespace));
  return errors.length === 0 ? ok(ing) : err(errors);
}

/** `seen` maps each host to where it first appeared: one host in two rules makes two conflicting routes. */
function validateRule(
  rule: IngressRule,
  at: string,
  namespace: string,
  seen: Map<string, string>,
  errors: FieldError[],
): void {
  if (!rule.hosts?.length && !rule.visibility && !rule.http) {
    errors.push({ path: at, message: MISSING });
    return;
  }
  const vis = rule.visibility ?? '';
  if (vis !== VISIBILITY_EXTERNAL && vis !== VISIBILITY_CLUSTER_LOCAL) {
    errors.push({
      path: `${at}.visibility`,
      message: `invalid value "${vis}", want "${VISIBILITY_EXTERNAL}" or "${VISIBILITY_CLUSTER_LOCAL}"`,
    });
  }
  const hosts = rule.hosts ?? [];
  for (let i = 0; i < hosts.length; i++) {
    const host = hosts[i] as string;
    const where = `${at}.hosts[${i}]`;
    const problem = hostProblem(host);
    const first = seen.get(host);
    if (problem !== undefined) errors.push({ path: where, message: problem });
    else if (first !== undefined)
      errors.push({ path: where, message: `host ${JSON.stringify(host)} is already in ${first}` });
    else seen.set(host, where);
  }
  if (!rule.http) {
    errors.push({ path: `${at}.http`, message: MISSING });
    return;
  }
  const paths = rule.http.paths ?? [];
  if (paths.length === 0) errors.push({ path: `${at}.http.paths`, message: MISSING });
  for (let j = 0; j < paths.length; j++)
    validatePath(paths[j] as HTTPIngressPath, `${at}.http.paths[${j}]`, namespace, errors);
}

function validatePath(path: HTTPIngressPath, at: string, namespace: string, errors: FieldError[]): void {
  // Paths are URI prefixes; one without the leading slash never matches a request.
  if (path.path && !path.path.startsWith('/'))
    errors.push({ path: `${at}.path`, message: `invalid value ${JSON.stringify(path.path)}, must start with "/"` });
  const splits = path.splits ?? [];
  if (splits.length === 0) {
    errors.push({ path: `${at}.splits`, message: MISSING });
    return;
  }
  validateHeaderNames(Object.keys(path.headers ?? {}), `${at}.headers`, errors);
  validateHeaderValues(path.appendHeaders, `${at}.appendHeaders`, errors);
  const before = errors.length;
  let total = 0;
  for (let k = 0; k < splits.length; k++) {
    const split = splits[k] as IngressBackendSplit;
    validateSplit(split, `${at}.splits[${k}]`, namespace, errors);
    total += split.percent ?? 0;
  }
  if (errors.length > before) return; // a sum over broken splits would only repeat the same problem
  if (total !== 100) errors.push({ path: `${at}.splits`, message: `percents sum to ${total}, want 100` });
}

function validateSplit(split: IngressBackendSplit, at: string, namespace: string, errors: FieldError[]): void {
  const percent = split.percent ?? 0;
  if (percent < 0 || percent > 100)
    errors.push({ path: `${at}.percent`, message: `invalid value ${percent}, want 0..100` });
  if (!split.serviceNamespace) errors.push({ path: `${at}.serviceNamespace`, message: MISSING });
  else if (split.serviceNamespace !== namespace) {
    errors.push({
      path: `${at}.serviceNamespace`,
      message: `service namespace must match ingress namespace ("${split.serviceNamespace}" != "${namespace}")`,
    });
  }
  if (!split.serviceName) errors.push({ path: `${at}.serviceName`, message: MISSING });
  const port = split.servicePort;
  if (port === 0 || port === '') errors.push({ path: `${at}.servicePort`, message: MISSING });
  else if (!isServicePort(port))
    errors.push({
      path: `${at}.servicePort`,
      message: `invalid value ${JSON.stringify(port)}, want a port number from 1 to 65535 or a port name`,
    });
  validateHeaderValues(split.appendHeaders, `${at}.appendHeaders`, errors);
}

/** A number (or a numeric string, read as a number like IntOrString does) must be a real port; a name is left to the Service. */
function isServicePort(port: number | string): boolean {
  if (typeof port === 'string' && !/^[+-]?\d+$/.test(port)) return true;
  const n = Number(port);
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

function validateTLS(tls: IngressTLS, at: string, errors: FieldError[]): void {
  if (!tls.hosts?.length && !tls.secretName && !tls.secretNamespace) {
    errors.push({ path: at, message: MISSING });
    return;
  }
  (tls.hosts ?? []).forEach((host, i) => {
    const problem = hostProblem(host);
    if (problem !== undefined) errors.push({ path: `${at}.hosts[${i}]`, message: problem });
  });
  if (!tls.secretName) errors.push({ path: `${at}.secretName`, message: MISSING });
  if (!tls.secretNamespace) errors.push({ path: `${at}.secretNamespace`, message: MISSING });
}
