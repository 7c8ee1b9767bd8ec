// Stand-ins for Higress gateway pods in front of Knative's activator. Each pod "loads" the Istio config
// (VirtualServices and Gateways, watched on the real API server) after its own delay, like a pod getting
// an xDS push; until then it answers 404 for a host. With a config loaded it routes like Envoy would for
// what net-higress writes: Gateway server (port, protocol, hosts, https redirect) → VirtualService route
// (gateways, authority prefix, header matches) → the route's request header `set`; the backend is
// Knative's probe handler, which echoes the K-Network-Hash it receives.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Server, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Informer } from '../../../src/kube/informer.js';
import { createInformer } from '../../../src/kube/listwatch.js';
import { GATEWAY, VIRTUAL_SERVICE } from '../../../src/kube/resources.js';
import type { RestClient } from '../../../src/kube/rest.js';
import type { KubeObject } from '../../../src/kube/types.js';

/** A pod's listeners: container port, the Gateway server port it implements, and protocol. */
export const LISTENERS = [
  { kind: 'http', containerPort: 8080, serverPort: 80, tls: false },
  { kind: 'local', containerPort: 8081, serverPort: 8081, tls: false },
  { kind: 'https', containerPort: 8443, serverPort: 443, tls: true },
] as const;
export type ListenerKind = (typeof LISTENERS)[number]['kind'];
type Listener = (typeof LISTENERS)[number];

interface ServerSpec {
  hosts?: string[];
  port: { number: number; protocol: string };
  tls?: { httpsRedirect?: boolean };
}
interface GatewayObj {
  metadata: { name: string; namespace: string };
  spec: { servers?: ServerSpec[] };
}
interface MatchSpec {
  gateways?: string[];
  authority?: { prefix?: string; exact?: string };
  headers?: Record<string, { exact?: string }>;
}
interface RouteSpec {
  name?: string;
  match?: MatchSpec[];
  headers?: { request?: { set?: Record<string, string> } };
}

/**
 * Higress's key-auth plugin with `global_auth: false`, as far as a probe can tell: a request on a route whose
 * Envoy route name equals a `matchRules[].ingress` entry, or whose host (port stripped) equals a
 * `matchRules[].domain` entry, needs an `x-api-key` of an allowed consumer: none → 401, not allowed → 403.
 */
export interface KeyAuthPlugin {
  routes: string[];
  domains: string[];
  allowed: string[];
}
interface VirtualServiceObj {
  metadata: { name: string; namespace: string };
  spec: { hosts?: string[]; http?: RouteSpec[] };
}
export interface Config {
  virtualServices: VirtualServiceObj[];
  gateways: GatewayObj[];
}

/** What the control plane would push: the VirtualServices and Gateways of some namespaces, as watched. */
export class ConfigFeed {
  private readonly informers: Array<{ kind: 'vs' | 'gw'; informer: Informer<KubeObject> }> = [];
  private readonly subscribers = new Set<() => void>();

  constructor(rest: RestClient, vsNamespaces: string[], gatewayNamespaces: string[]) {
    for (const ns of vsNamespaces)
      this.informers.push({
        kind: 'vs',
        informer: createInformer(rest, VIRTUAL_SERVICE, { namespace: ns, resyncMs: 0 }),
      });
    for (const ns of gatewayNamespaces)
      this.informers.push({ kind: 'gw', informer: createInformer(rest, GATEWAY, { namespace: ns, resyncMs: 0 }) });
    for (const { informer } of this.informers) {
      const changed = () => {
        for (const s of this.subscribers) s();
      };
      informer.addHandlers({ add: changed, update: changed, delete: changed });
    }
  }

  async start(): Promise<void> {
    for (const { informer } of this.informers) informer.start();
    await Promise.all(this.informers.map(({ informer }) => informer.waitForSync(30_000)));
  }

  async stop(): Promise<void> {
    await Promise.all(this.informers.map(({ informer }) => informer.stop()));
  }

  subscribe(fn: () => void): void {
    this.subscribers.add(fn);
  }

  snapshot(): Config {
    const of = (kind: 'vs' | 'gw') => this.informers.filter((i) => i.kind === kind).flatMap((i) => i.informer.list());
    return {
      virtualServices: of('vs') as unknown as VirtualServiceObj[],
      gateways: of('gw') as unknown as GatewayObj[],
    };
  }
}

export interface RequestRecord {
  at: number;
  pod: string;
  listener: ListenerKind;
  host: string;
  sni: string | undefined;
  probe: boolean;
  status: number;
  /** The K-Network-Hash echoed, if any. */
  hash: string | undefined;
}

const HASH = 'k-network-hash';

export class StandInPod {
  /** How long after a config change this pod starts serving it. */
  delayMs = 0;
  /** HTTPS answers 503 while set: e.g. its certificate is not loaded yet. */
  httpsUnavailable = false;
  /** A key-auth WasmPlugin loaded on this pod. */
  keyAuth: KeyAuthPlugin | undefined;
  /** First time this pod served a probe route setting each hash. */
  readonly servingSince = new Map<string, number>();
  readonly requests: RequestRecord[] = [];
  private loaded: Config = { virtualServices: [], gateways: [] };
  private frozen = false;
  private missed = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly servers: Array<http.Server | https.Server> = [];

  constructor(
    readonly ip: string,
    private readonly feed: ConfigFeed,
    tls: { key: Buffer; cert: Buffer },
    sockets: Map<number, Server>,
  ) {
    feed.subscribe(() => this.configChanged());
    for (const listener of LISTENERS) {
      const handler = (req: IncomingMessage, res: ServerResponse) => this.handle(listener, req, res);
      const server = listener.tls ? https.createServer(tls, handler) : http.createServer(handler);
      this.servers.push(server);
      // Connections accepted on the namespace's socket are served by this process's HTTP(S) server.
      sockets.get(listener.containerPort)?.on('connection', (socket: Socket) => server.emit('connection', socket));
    }
    this.load(feed.snapshot());
  }

  /** Stops taking config: keeps serving what it has (an old hash), as a lagging pod does. */
  freeze(): void {
    this.frozen = true;
  }

  unfreeze(): void {
    this.frozen = false;
    if (this.missed) this.configChanged();
    this.missed = false;
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.servers) s.closeAllConnections();
  }

  probes(listener?: ListenerKind): RequestRecord[] {
    return this.requests.filter((r) => r.probe && (listener === undefined || r.listener === listener));
  }

  private configChanged(): void {
    if (this.frozen) {
      this.missed = true;
      return;
    }
    // The push carries the config of now; the pod applies it after its delay.
    const snapshot = this.feed.snapshot();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.frozen) this.load(snapshot);
      else this.missed = true;
    }, this.delayMs);
    this.timers.add(timer);
  }

  private load(config: Config): void {
    this.loaded = config;
    const now = Date.now();
    for (const vs of config.virtualServices) {
      for (const route of vs.spec.http ?? []) {
        const hash = route.headers?.request?.set?.['K-Network-Hash'];
        if (hash && !this.servingSince.has(hash)) this.servingSince.set(hash, now);
      }
    }
  }

  private handle(listener: Listener, req: IncomingMessage, res: ServerResponse): void {
    const hostHeader = req.headers.host ?? '';
    const host = hostHeader.replace(/:\d+$/, '');
    const probe = req.headers['k-network-probe'] === 'probe';
    const sni = listener.tls ? (req.socket as TLSSocket).servername || undefined : undefined;
    const reply = (status: number, headers: Record<string, string> = {}, body = '') => {
      this.requests.push({
        at: Date.now(),
        pod: this.ip,
        listener: listener.kind,
        host: hostHeader,
        sni,
        probe,
        status,
        hash: headers['K-Network-Hash'],
      });
      res.writeHead(status, headers).end(body);
    };
    if (listener.tls && this.httpsUnavailable) return reply(503, {}, 'no healthy upstream');

    const candidates = this.loaded.gateways.flatMap((gw) =>
      (gw.spec.servers ?? [])
        .filter((s) => s.port.number === listener.serverPort && protocolMatches(s.port.protocol, listener.tls))
        .map((s) => ({
          gateway: `${gw.metadata.namespace}/${gw.metadata.name}`,
          server: s,
          score: hostScore(s.hosts ?? [], host),
        }))
        .filter((c) => c.score >= 0),
    );
    // As Istio builds virtual hosts: the most specific server host wins (a redirect for this exact host beats `*`).
    const best = Math.max(-1, ...candidates.map((c) => c.score));
    const servers = candidates.filter((c) => c.score === best);
    const routable = new Set(servers.filter((s) => !s.server.tls?.httpsRedirect).map((s) => s.gateway));
    if (routable.size === 0 && servers.length > 0) return reply(301, { Location: `https://${host}${req.url ?? '/'}` });

    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
    for (const vs of this.loaded.virtualServices) {
      if (!(vs.spec.hosts ?? []).includes(host)) continue;
      for (const route of vs.spec.http ?? []) {
        if (!(route.match ?? []).some((m) => matches(m, routable, hostHeader, headers))) continue;
        const auth = this.keyAuth;
        // Istio names the Envoy route after the HTTP route (we set no match names); the plugin compares it for equality.
        if (auth && (auth.routes.includes(route.name ?? '') || auth.domains.includes(host))) {
          const key = headers['x-api-key'];
          if (!key) return reply(401, { 'WWW-Authenticate': 'Key realm=MSE Gateway' });
          if (!auth.allowed.includes(key)) return reply(403);
        }
        for (const [k, v] of Object.entries(route.headers?.request?.set ?? {})) headers[k.toLowerCase()] = v;
        // Knative's probe handler (activator / queue-proxy): echo the hash, never reach the app.
        if (!probe) return reply(200, {}, 'Hello World!');
        const hash = headers[HASH];
        if (!hash) return reply(400, {}, 'a probe request must contain a non-empty "K-Network-Hash" header');
        return reply(200, { 'K-Network-Hash': hash });
      }
    }
    return reply(404);
  }
}

function protocolMatches(protocol: string, tls: boolean): boolean {
  const p = protocol.toUpperCase();
  return tls ? p === 'HTTPS' : p === 'HTTP' || p === 'HTTP2';
}

/** 2 for an exact host, 1 for a `*.suffix` match, 0 for `*`, -1 for no match. */
function hostScore(serverHosts: string[], host: string): number {
  return Math.max(
    -1,
    ...serverHosts.map((h) => {
      const bare = h.includes('/') ? h.slice(h.indexOf('/') + 1) : h;
      if (bare === host) return 2;
      if (bare.startsWith('*.') && host.endsWith(bare.slice(1))) return 1;
      return bare === '*' ? 0 : -1;
    }),
  );
}

function matches(
  m: MatchSpec,
  gateways: ReadonlySet<string>,
  authority: string,
  headers: Record<string, string>,
): boolean {
  if (!(m.gateways ?? []).some((g) => gateways.has(g))) return false;
  if (m.authority?.prefix !== undefined && !authority.startsWith(m.authority.prefix)) return false;
  if (m.authority?.exact !== undefined && authority !== m.authority.exact) return false;
  return Object.entries(m.headers ?? {}).every(
    ([k, v]) => v.exact === undefined || headers[k.toLowerCase()] === v.exact,
  );
}
