import type { Gateway, Server } from '../api/istio.js';
import { HTTP_SERVER_PORT_NAME } from './constants.js';
import { compareBytes } from './hosts.js';
import { tlsPortNamePrefix } from './names.js';

/**
 * Editing of shared (installed) Gateways. Old net-istio releases put per-KIngress TLS servers on
 * them; finalization removes those, so upgrades from net-istio leave nothing behind.
 */
export const PLACEHOLDER_SERVER: Readonly<Server> = {
  hosts: ['place-holder.place-holder'],
  port: { name: 'place-holder', number: 9999, protocol: 'HTTP' },
};

/** Servers of a KIngress: port name `<ns>/<name>:<i>`. */
export function serversOfIngress(gw: Gateway, ingressNamespace: string, ingressName: string): Server[] {
  const prefix = tlsPortNamePrefix(ingressNamespace, ingressName);
  return gw.spec.servers
    .filter((s) => {
      const parts = s.port.name.split(':');
      return parts.length === 2 && parts[0] === prefix;
    })
    .sort(byPortName);
}

/** Replace `existing` servers with `want`; a Gateway never ends up with no server (placeholder). */
export function updateGatewayServers(gw: Gateway, want: readonly Server[], existing: readonly Server[]): Gateway {
  const drop = new Set(existing.map((s) => s.port.name));
  const kept = gw.spec.servers.filter((s) => !drop.has(s.port.name) && !isPlaceholder(s));
  const servers = [...kept, ...want];
  if (servers.length === 0)
    servers.push({ ...PLACEHOLDER_SERVER, hosts: [...PLACEHOLDER_SERVER.hosts], port: { ...PLACEHOLDER_SERVER.port } });
  return { ...gw, spec: { ...gw.spec, servers: servers.sort(byPortName) } };
}

/** First server named `http-server` or `http`. */
export function httpServerOf(gw: Gateway): Server | undefined {
  return gw.spec.servers.find((s) => s.port.name === HTTP_SERVER_PORT_NAME || s.port.name === 'http');
}

function isPlaceholder(s: Server): boolean {
  return (
    s.port.name === PLACEHOLDER_SERVER.port.name &&
    s.port.number === PLACEHOLDER_SERVER.port.number &&
    s.port.protocol === PLACEHOLDER_SERVER.port.protocol &&
    s.hosts.length === 1 &&
    s.hosts[0] === PLACEHOLDER_SERVER.hosts[0]
  );
}

function byPortName(a: Server, b: Server): number {
  return compareBytes(a.port.name, b.port.name);
}
