import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string | undefined;
  accept: string | undefined;
  authorization: string | undefined;
  body: unknown;
}

export type StubHandler = (req: SeenRequest, res: http.ServerResponse) => void;

/** A loopback HTTP server standing in for the API server, to check what requests look like. */
export class StubServer {
  readonly seen: SeenRequest[] = [];
  connections = 0;
  handler: StubHandler = (_req, res) => json(res, 200, {});
  private server: http.Server | undefined;

  async start(): Promise<KubeConfig> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://stub');
        const text = Buffer.concat(chunks).toString('utf8');
        const seen: SeenRequest = {
          method: req.method ?? '',
          path: url.pathname,
          query: url.searchParams,
          contentType: req.headers['content-type'],
          accept: req.headers.accept,
          authorization: req.headers.authorization,
          body: text ? JSON.parse(text) : undefined,
        };
        this.seen.push(seen);
        this.handler(seen, res);
      });
    });
    this.server.on('connection', () => {
      this.connections += 1;
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'stub', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'test-token' }],
      contexts: [{ name: 'stub', cluster: 'stub', user: 'u' }],
      currentContext: 'stub',
    });
    return kc;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

export function json(res: http.ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

export function status(res: http.ServerResponse, code: number, reason: string, message: string): void {
  json(res, code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });
}
