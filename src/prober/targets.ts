/**
 * Probe targets (pure): which gateway pods to probe, on which port, with which Host/SNI.
 * Knative's status prober leaves target listing to the implementation. net-istio lists the Services whose
 * labels match the Gateway selector, then their Endpoints; we take the gateway Service config-istio names
 * and its EndpointSlices: the config already names the Service, and Endpoints is deprecated.
 */
import type { EndpointSlice } from '../api/discovery.js';

export type Scheme = 'http' | 'https';

/** One gateway pod, asked for one host at one Gateway server. */
export interface ProbeTarget {
  /** `namespace/name` of the gateway Service the pod was found through. */
  service: string;
  podIP: string;
  /** Where the pod listens: the EndpointSlice port behind the Service port. */
  podPort: number;
  scheme: Scheme;
  /** Host header and TLS SNI, without the port. */
  host: string;
  /** The Gateway server port; the Host header carries it, as net-istio's probe URL does. */
  port: number;
}

/** A Gateway server as far as probing cares; our generated Servers and shared Gateways read from the cluster both fit. */
export interface GatewayServer {
  port: { number: number; protocol: string };
  tls?: { httpsRedirect?: boolean; mode?: string } | undefined;
}

/** A Gateway bound by the KIngress's routes of one visibility, and the gateway Services whose pods serve it. */
export interface BoundGateway {
  name: string;
  servers: readonly GatewayServer[];
  services: readonly string[];
}

export interface VisibilityTargets {
  /** First sorted expanded host of the rules of this visibility; undefined when there are none. */
  host: string | undefined;
  gateways: readonly BoundGateway[];
}

/** A gateway Service as far as port mapping needs it. */
export interface ServicePorts {
  labels: Readonly<Record<string, string>>;
  ports: ReadonlyArray<{ name?: string | undefined; port: number }>;
}

export interface GatewayServiceState {
  service: ServicePorts;
  slices: readonly EndpointSlice[];
}

/** Istio: on a Service with this label, a Gateway server's number is the pods' port, not a Service port. */
export const DISABLE_PORT_TRANSLATION_LABEL = 'experimental.istio.io/disable-gateway-port-translation';

/** http for HTTP/HTTP2 unless it only redirects to HTTPS; https unless it needs client certificates; else not probed. */
export function serverScheme(server: GatewayServer): Scheme | undefined {
  const protocol = server.port.protocol.toUpperCase();
  if (protocol === 'HTTP' || protocol === 'HTTP2') return server.tls?.httpsRedirect === true ? undefined : 'http';
  if (protocol === 'HTTPS') return server.tls?.mode === 'MUTUAL' ? undefined : 'https';
  return undefined;
}

/**
 * Ready pods behind a Gateway server number: the Service port with that number, then the port of the same
 * name in each EndpointSlice (the resolved target port). With port translation disabled (our cluster-local
 * gateway Service: 80 → 8081, Gateway server 8081) the number already is the pods' port.
 */
export function podEndpoints(state: GatewayServiceState, serverPort: number): Array<{ ip: string; port: number }> {
  const translated = state.service.labels[DISABLE_PORT_TRANSLATION_LABEL] !== 'true';
  const servicePort = translated ? state.service.ports.find((p) => p.port === serverPort) : undefined;
  if (translated && !servicePort) return [];
  const out: Array<{ ip: string; port: number }> = [];
  for (const slice of state.slices) {
    const port = translated
      ? (slice.ports ?? []).find((p) => (p.name ?? '') === (servicePort?.name ?? ''))?.port
      : (slice.ports ?? []).find((p) => p.port === serverPort)?.port;
    if (port === undefined || port === null) continue;
    for (const ip of readyAddresses(slice)) out.push({ ip, port });
  }
  return out;
}

/**
 * The first address of every ready endpoint. An endpoint's addresses are fungible (one pod), so the first
 * stands for it; a missing `ready` means unknown, which the API asks consumers to treat as ready.
 */
export function readyAddresses(slice: EndpointSlice): string[] {
  if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') return [];
  const out: string[] = [];
  for (const ep of slice.endpoints ?? []) {
    const ip = ep.addresses[0];
    if (ip !== undefined && ep.conditions?.ready !== false) out.push(ip);
  }
  return out;
}

/** Every (pod × Gateway server) to probe, deduplicated: servers of several Gateways often share a port. */
export function probeTargets(
  visibilities: readonly VisibilityTargets[],
  services: ReadonlyMap<string, GatewayServiceState>,
): ProbeTarget[] {
  const out = new Map<string, ProbeTarget>();
  for (const { host, gateways } of visibilities) {
    if (host === undefined) continue;
    for (const gw of gateways) {
      for (const server of gw.servers) {
        const scheme = serverScheme(server);
        if (!scheme) continue;
        for (const service of gw.services) {
          const state = services.get(service);
          if (!state) continue;
          for (const { ip, port } of podEndpoints(state, server.port.number)) {
            const target: ProbeTarget = { service, podIP: ip, podPort: port, scheme, host, port: server.port.number };
            out.set(targetKey(target), target);
          }
        }
      }
    }
  }
  return [...out.values()];
}

export function targetKey(t: ProbeTarget): string {
  return `${t.scheme}://${t.host}:${t.port} via ${t.service} at ${t.podIP}:${t.podPort}`;
}
