import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseListenAddress, type ListenAddress } from './address.js';

export type Readiness = { ready: true } | { ready: false; reason: string };

/** The part of `Metrics` the server needs; a fake is enough in tests. */
export interface MetricsSource {
  metricsText(): Promise<string>;
  readonly contentType: string;
}

export interface HealthServerOptions {
  metricsAddress: string;
  /**
   * Omitted, or the same address as `metricsAddress`, means one server for all three paths.
   * Two `:0` addresses still mean two servers: port 0 asks for any free port, not a shared one.
   */
  healthAddress?: string;
  metrics: MetricsSource;
  /** Liveness: false only when the process should be restarted. */
  isAlive: () => boolean;
  /** Readiness: caches synced and (leading or standing by); the reason is the 503 body. */
  isReady: () => Readiness;
}

export interface HealthServer {
  /** Bound ports (the real ones when the address asked for port 0). */
  readonly metricsPort: number;
  readonly healthPort: number;
  close(): Promise<void>;
}

type Handler = (res: ServerResponse) => Promise<void> | void;

/** Serves `/metrics`, `/healthz` and `/readyz`; resolves once every socket is listening. */
export async function startHealthServer(opts: HealthServerOptions): Promise<HealthServer> {
  const metricsAt = listenAddress('metrics', opts.metricsAddress);
  const healthAt = opts.healthAddress === undefined ? metricsAt : listenAddress('health', opts.healthAddress);
  const metrics: Record<string, Handler> = { '/metrics': (res) => serveMetrics(res, opts.metrics) };
  const health: Record<string, Handler> = {
    '/healthz': (res) => serveHealth(res, opts.isAlive),
    '/readyz': (res) => serveReady(res, opts.isReady),
  };

  if (sameAddress(metricsAt, healthAt)) {
    const server = await listen({ ...metrics, ...health }, metricsAt);
    const port = boundPort(server);
    return { metricsPort: port, healthPort: port, close: () => closeServer(server) };
  }
  const metricsServer = await listen(metrics, metricsAt);
  let healthServer: Server;
  try {
    healthServer = await listen(health, healthAt);
  } catch (err) {
    await closeServer(metricsServer);
    throw err;
  }
  return {
    metricsPort: boundPort(metricsServer),
    healthPort: boundPort(healthServer),
    close: async () => {
      await Promise.all([closeServer(metricsServer), closeServer(healthServer)]);
    },
  };
}

/** A readiness function that names the first check that fails, e.g. `{ 'caches synced': ... }`. */
export function readyWhen(checks: Readonly<Record<string, () => boolean>>): () => Readiness {
  return () => {
    for (const [name, check] of Object.entries(checks)) {
      if (!check()) return { ready: false, reason: `not ${name}` };
    }
    return { ready: true };
  };
}

function listenAddress(what: string, address: string): ListenAddress {
  const parsed = parseListenAddress(address);
  if (!parsed.ok) throw new Error(`${what} address: ${parsed.error}`);
  return parsed.value;
}

function sameAddress(a: ListenAddress, b: ListenAddress): boolean {
  return a === b || (a.host === b.host && a.port === b.port && a.port !== 0);
}

function listen(routes: Readonly<Record<string, Handler>>, at: ListenAddress): Promise<Server> {
  const server = createServer((req, res) => {
    void handle(routes, req, res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

async function handle(
  routes: Readonly<Record<string, Handler>>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
  if (!route) return reply(res, 404, 'not found\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return reply(res, 405, 'method not allowed\n');
  }
  try {
    await route(res);
  } catch (err) {
    // A failing check is an answer ("not ok"), never a crashed server.
    if (!res.headersSent) reply(res, 500, `error: ${err instanceof Error ? err.message : String(err)}\n`);
    else res.destroy();
  }
}

async function serveMetrics(res: ServerResponse, metrics: MetricsSource): Promise<void> {
  const text = await metrics.metricsText();
  reply(res, 200, text, metrics.contentType);
}

function serveHealth(res: ServerResponse, isAlive: () => boolean): void {
  if (isAlive()) reply(res, 200, 'ok\n');
  else reply(res, 503, 'not alive\n');
}

function serveReady(res: ServerResponse, isReady: () => Readiness): void {
  const state = isReady();
  if (state.ready) reply(res, 200, 'ok\n');
  else reply(res, 503, `${state.reason}\n`);
}

function reply(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function boundPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/** Also drops connections still open (a slow scrape, a stuck client) so shutdown is never held up. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}
