import { has, lookup, type Annotations } from './keys.js';
import { DNS_LABEL, integer, isDNSName, text, type Problems } from './values.js';

/** A Service (`namespace/name`, resolved with the cluster domain when applied) or an FQDN, plus a port. */
export interface MirrorPolicy {
  target: { service: { namespace: string; name: string } } | { fqdn: string };
  port: number;
  /** Percent of requests mirrored; absent = all of them. */
  percentage?: number;
}

const DEFAULT_FQDN_PORT = 80;

/**
 * `mirror-target-service: [namespace/]name:port` (namespace defaults to the KIngress's) or
 * `mirror-target-fqdn` + `mirror-target-fqdn-port` (default 80), and `mirror-percentage` (0..100; 100 = all).
 * Higress takes a missing Service port from the Service's first port; net-higress reads no Services, so it
 * asks for the port instead of guessing one.
 */
export function parseMirror(annotations: Annotations, namespace: string, problems: Problems): MirrorPolicy | undefined {
  if (!has(annotations, 'mirror-target-service', 'both') && !has(annotations, 'mirror-target-fqdn', 'both'))
    return undefined;
  const percentFound = lookup(annotations, 'mirror-percentage', 'both');
  const percent = percentFound ? integer(percentFound, problems, 0, 100, 'want a whole percentage 0..100') : undefined;
  const withPercent = (m: MirrorPolicy): MirrorPolicy =>
    percent !== undefined && percent < 100 ? { ...m, percentage: percent } : m;

  const fqdnFound = lookup(annotations, 'mirror-target-fqdn', 'both');
  if (fqdnFound) {
    const fqdn = text(fqdnFound, problems);
    if (fqdn === undefined) return undefined;
    if (!isDNSName(fqdn)) return problems.add(fqdnFound, 'want a DNS name');
    const portFound = lookup(annotations, 'mirror-target-fqdn-port', 'both');
    const port = portFound ? integer(portFound, problems, 1, 65535, 'want a port 1..65535') : DEFAULT_FQDN_PORT;
    return port === undefined ? undefined : withPercent({ target: { fqdn }, port });
  }

  const found = lookup(annotations, 'mirror-target-service', 'both');
  const value = found ? text(found, problems) : undefined;
  if (!found || value === undefined) return undefined;
  const m = /^(?:([^/:]+)\/)?([^/:]+):(\d+)$/.exec(value);
  const ns = m?.[1] ?? namespace;
  const name = m?.[2] ?? '';
  const port = Number(m?.[3]);
  if (!m)
    return problems.add(
      found,
      'want [namespace/]name:port (net-higress does not look up the Service for its first port)',
    );
  if (!DNS_LABEL.test(ns) || !DNS_LABEL.test(name))
    return problems.add(found, 'want a Service name and namespace (DNS labels)');
  if (!(port >= 1 && port <= 65535)) return problems.add(found, 'want a port 1..65535');
  return withPercent({ target: { service: { namespace: ns, name } }, port });
}
