import { isDNSName } from './annotations/values.js';

/**
 * What istiod accepts as a VirtualService or Gateway host, narrowed to what Knative Serving writes:
 * lower-case DNS names. A host istiod rejects takes every route of its VirtualService down with it,
 * so such a host is refused up front, naming the field, instead of being written and reported Ready.
 */
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MAX_HOST = 253;
const MAX_LABEL = 63;

/** Why `host` cannot be served, or undefined when it can. */
export function hostProblem(host: string): string | undefined {
  // Every host of every KIngress is checked: the common, valid one in one match, the message only when needed.
  if (isDNSName(host)) return undefined;
  if (host === '') return 'empty host';
  const quoted = JSON.stringify(host);
  // Hosts are matched without a port: `:authority` ports are stripped by the prefix match already.
  if (host.includes(':')) return `host ${quoted} has a port; give the host name only`;
  if (host.includes('*')) return `wildcard host ${quoted} is not supported; list each host`;
  if (host !== host.toLowerCase()) return `host ${quoted} has upper-case letters; hosts must be lower case`;
  if (host.length > MAX_HOST) return `host is ${host.length} characters long, at most ${MAX_HOST} allowed`;
  for (const label of host.split('.')) {
    if (label === '') return `host ${quoted} has an empty label`;
    if (label.length > MAX_LABEL)
      return `host ${quoted} has a label of ${label.length} characters, at most ${MAX_LABEL} allowed`;
    if (!LABEL.test(label)) {
      return `host ${quoted}: label ${JSON.stringify(label)} must consist of lower-case letters, digits and '-', starting and ending with a letter or digit`;
    }
  }
  return undefined;
}
