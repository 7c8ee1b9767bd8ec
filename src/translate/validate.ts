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
  const seen = new Map<string, number>();
  for (let i = 0; i < rules.length; i++) validateRule(rules[i] as IngressRule, i, namespace, seen, errors);
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

// Field paths are built only for an error: a valid KIngress (nearly every one) needs none of them.
const rulePath = (i: number) => `spec.rules[${i}]`;
const hostPath = (i: number, h: number) => `${rulePath(i)}.hosts[${h}]`;
const httpPath = (i: number, j: number) => `${rulePath(i)}.http.paths[${j}]`;

/** `seen` maps each host to where it first appeared (rule and host index, packed): one host in two rules makes two conflicting routes. */
function validateRule(
  rule: IngressRule,
  i: number,
  namespace: string,
  seen: Map<string, number>,
  errors: FieldError[],
): void {
  if (!rule.hosts?.length && !rule.visibility && !rule.http) {
    errors.push({ path: rulePath(i), message: MISSING });
    return;
  }
  const vis = rule.visibility ?? '';
  if (vis !== VISIBILITY_EXTERNAL && vis !== VISIBILITY_CLUSTER_LOCAL) {
    errors.push({
      path: `${rulePath(i)}.visibility`,
      message: `invalid value "${vis}", want "${VISIBILITY_EXTERNAL}" or "${VISIBILITY_CLUSTER_LOCAL}"`,
    });
  }
  const hosts = rule.hosts ?? [];
  for (let h = 0; h < hosts.length; h++) {
    const host = hosts[h] as string;
    const problem = hostProblem(host);
    const first = seen.get(host);
    if (problem !== undefined) errors.push({ path: hostPath(i, h), message: problem });
    else if (first !== undefined)
      errors.push({
        path: hostPath(i, h),
        message: `host ${JSON.stringify(host)} is already in ${hostPath(Math.floor(first / HOSTS_PER_RULE), first % HOSTS_PER_RULE)}`,
      });
    else seen.set(host, i * HOSTS_PER_RULE + h);
  }
  if (!rule.http) {
    errors.push({ path: `${rulePath(i)}.http`, message: MISSING });
    return;
  }
  const paths = rule.http.paths ?? [];
  if (paths.length === 0) errors.push({ path: `${rulePath(i)}.http.paths`, message: MISSING });
  for (let j = 0; j < paths.length; j++) validatePath(paths[j] as HTTPIngressPath, i, j, namespace, errors);
}

/** Packs a rule and host index into one number for `seen`; far above any list the API server accepts. */
const HOSTS_PER_RULE = 2 ** 20;

function validatePath(path: HTTPIngressPath, i: number, j: number, namespace: string, errors: FieldError[]): void {
  // Paths are URI prefixes; one without the leading slash never matches a request.
  if (path.path && !path.path.startsWith('/'))
    errors.push({
      path: `${httpPath(i, j)}.path`,
      message: `invalid value ${JSON.stringify(path.path)}, must start with "/"`,
    });
  const splits = path.splits ?? [];
  if (splits.length === 0) {
    errors.push({ path: `${httpPath(i, j)}.splits`, message: MISSING });
    return;
  }
  if (path.headers) validateHeaderNames(Object.keys(path.headers), () => `${httpPath(i, j)}.headers`, errors);
  if (path.appendHeaders) validateHeaderValues(path.appendHeaders, () => `${httpPath(i, j)}.appendHeaders`, errors);
  const before = errors.length;
  let total = 0;
  for (let k = 0; k < splits.length; k++) {
    const split = splits[k] as IngressBackendSplit;
    validateSplit(split, () => `${httpPath(i, j)}.splits[${k}]`, namespace, errors);
    total += split.percent ?? 0;
  }
  if (errors.length > before) return; // a sum over broken splits would only repeat the same problem
  if (total !== 100) errors.push({ path: `${httpPath(i, j)}.splits`, message: `percents sum to ${total}, want 100` });
}

function validateSplit(split: IngressBackendSplit, at: () => string, namespace: string, errors: FieldError[]): void {
  const percent = split.percent ?? 0;
  if (percent < 0 || percent > 100)
    errors.push({ path: `${at()}.percent`, message: `invalid value ${percent}, want 0..100` });
  if (!split.serviceNamespace) errors.push({ path: `${at()}.serviceNamespace`, message: MISSING });
  else if (split.serviceNamespace !== namespace) {
    errors.push({
      path: `${at()}.serviceNamespace`,
      message: `service namespace must match ingress namespace ("${split.serviceNamespace}" != "${namespace}")`,
    });
  }
  if (!split.serviceName) errors.push({ path: `${at()}.serviceName`, message: MISSING });
  const port = split.servicePort;
  if (port === 0 || port === '') errors.push({ path: `${at()}.servicePort`, message: MISSING });
  else if (!isServicePort(port))
    errors.push({
      path: `${at()}.servicePort`,
      message: `invalid value ${JSON.stringify(port)}, want a port number from 1 to 65535 or a port name`,
    });
  if (split.appendHeaders) validateHeaderValues(split.appendHeaders, () => `${at()}.appendHeaders`, errors);
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
