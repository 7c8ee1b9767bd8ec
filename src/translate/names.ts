import { createHash } from 'node:crypto';
import type { ObjectRef } from '../api/meta.js';
import { VISIBILITY_CLUSTER_LOCAL } from '../api/kingress.js';

/** Object names exactly as net-istio makes them, so tools built for net-istio keep finding them. */

const MAX_NAME = 63;

/** knative/pkg kmeta.ChildName: parent + suffix, or a 63-char name with an md5 of the parent when too long. */
export function childName(parent: string, suffix: string): string {
  if (parent.length <= MAX_NAME - suffix.length) return parent + suffix;
  const md5 = createHash('md5').update(parent, 'utf8').digest('hex');
  return parent.slice(0, 31 - suffix.length) + md5 + suffix;
}

export const ingressVirtualServiceName = (ingressName: string): string => childName(ingressName, '-ingress');
export const meshVirtualServiceName = (ingressName: string): string => childName(ingressName, '-mesh');

/**
 * HTTP route names, which Istio passes to Envoy as the route name (`<http.name>`, no match names are set) and
 * Higress WasmPlugin `matchRules[].ingress` compares for equality. Serving routes are `<ns>/<name>`, so a plugin
 * can target a Knative service. Probe routes get a name that no `ingress` entry for a service equals and that
 * does not even start with one (a route-prefix rule on `<ns>/` or `<ns>/<name>` misses it too): a plugin on a
 * service then never answers the Knative probe in the service's place.
 */
export const servingRouteName = (ingressNamespace: string, ingressName: string): string =>
  `${ingressNamespace}/${ingressName}`;
export const probeRouteName = (servingName: string): string => `knative-probe/${servingName}`;

export function adler32(s: string): number {
  let a = 1;
  let b = 0;
  for (const byte of Buffer.from(s, 'utf8')) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const DNS1123_LABEL = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

function isDNS1123Label(s: string): boolean {
  return s.length <= MAX_NAME && DNS1123_LABEL.test(s);
}

/** The KIngress name if it is a DNS-1123 label, else its Adler-32 in decimal. */
function safeIngressName(ingressName: string): string {
  return isDNS1123Label(ingressName) ? ingressName : String(adler32(ingressName));
}

/** Per-KIngress Gateway name: `<name>-<adler32(svcNs/svcName[-local])>`, name cut to fit 63 chars. */
export function gatewayName(ingressName: string, visibility: string, gatewayService: ObjectRef): string {
  const key = `${gatewayService.namespace}/${gatewayService.name}${visibility === VISIBILITY_CLUSTER_LOCAL ? '-local' : ''}`;
  const checksum = String(adler32(key));
  const prefix = safeIngressName(ingressName).slice(0, MAX_NAME - checksum.length - 1);
  return `${prefix}-${checksum}`;
}

/** Shared Gateway of a wildcard certificate: `wildcard-<adler32hex(secret-svcNs-svcName)>`. */
export function wildcardGatewayName(secretName: string, gatewayService: ObjectRef): string {
  return `wildcard-${adler32(`${secretName}-${gatewayService.namespace}-${gatewayService.name}`).toString(16)}`;
}

/** Port name of a per-KIngress TLS server; it is also how servers are attributed to a KIngress. */
export function tlsPortNamePrefix(ingressNamespace: string, ingressName: string): string {
  return `${ingressNamespace}/${safeIngressName(ingressName)}`;
}

export function tlsPortName(ingressNamespace: string, ingressName: string, index: number): string {
  return `${tlsPortNamePrefix(ingressNamespace, ingressName)}:${index}`;
}

export function secretCopyName(ingressName: string, originUID: string): string {
  return `${ingressName}-${originUID}`;
}

export function wildcardSecretCopyName(origin: ObjectRef): string {
  return `${origin.namespace}--${origin.name}-wildcard`;
}

/** A label value for a secret name; names over 63 chars are cut and suffixed with their Adler-32. */
export function originSecretNameLabelValue(secretName: string): string {
  if (secretName.length <= MAX_NAME) return secretName;
  const checksum = String(adler32(secretName));
  return `${secretName.slice(0, MAX_NAME - checksum.length - 1)}-${checksum}`;
}
