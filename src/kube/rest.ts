import http from 'node:http';
import https from 'node:https';
import type tls from 'node:tls';
import { urlToHttpOptions } from 'node:url';
import { Http1Pool, type Http1Request, type ResponseHead, type ResponseSink } from './http1.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RestRequest {
  method: HttpMethod;
  /** Absolute API path, e.g. `/apis/networking.istio.io/v1beta1/namespaces/ns/virtualservices`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Defaults to application/json when there is a body; set it for patches. */
  contentType?: string;
  /** Defaults to application/json; e.g. a metadata-only list (see listwatch.ts). */
  accept?: string;
  timeoutMs?: number;
}

/**
 * Where the API server is and how to authenticate: what RestClient needs of a kubeconfig. Both our
 * lean loader (kube/kubeconfig.ts) and client-node's KubeConfig provide it.
 */
export interface KubeAccess {
  getCurrentCluster(): { server: string; skipTLSVerify: boolean; proxyUrl?: string } | null;
  /** Sets TLS material (ca, cert, key ...) and the Authorization header on the options of one request. */
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
}

/** A non-2xx answer: numeric `.code`, `.body` the response text (usually a JSON Status), like client-node's ApiException. */
class ApiError extends Error {
  override readonly name = 'ApiException';
  constructor(
    readonly code: number,
    readonly body: string,
    readonly headers: Record<string, string>,
  ) {
    super(`HTTP ${code}`);
  }
}

/** Where requests go, from the kubeconfig's server URL; `path` is its path prefix, if any. */
interface ServerOptions {
  url: string;
  protocol: string;
  hostname: string;
  port: string;
  /** The URL's host: brackets and port included. */
  host: string;
  path: string;
  auth?: string;
}

const TLS_FIELDS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'servername'] as const;

/**
 * Raw JSON requests and watches over keep-alive connections (Http1Pool, or Node's client and the kubeconfig's
 * agent behind a proxy). Objects stay in wire format (no Date conversion, no dropped unknown fields, exact
 * patch content types); client-node's generated APIs are not loaded at all (they cost the process about
 * 65 MiB), and client-node 1.4.0 would build a new agent (and TLS handshake) per request
 * (kubernetes-client/javascript#2893).
 */
export class RestClient {
  private pool: Http1Pool | undefined;
  private poolTLS: tls.ConnectionOptions | undefined;
  private server: ServerOptions | undefined;

  constructor(
    readonly access: KubeAccess,
    private readonly defaultTimeoutMs = 30_000,
  ) {}

  async request<T = unknown>(req: RestRequest): Promise<T> {
    const text = await this.requestText(req);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** The body of a 2xx answer as text, unparsed (a non-2xx answer rejects with ApiError). */
  async requestText(req: RestRequest): Promise<string> {
    const prepared = await this.prepare(req.path, req.query, req);
    const timeoutMs = req.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise<string>((resolve, reject) => {
      let head: ResponseHead = { status: 0, headers: {} };
      let text = '';
      const sink: ResponseSink = {
        head: (h) => (head = h),
        text: (t) => (text += t),
        end: (err) => {
          if (err) {
            const timedOut = (err as { code?: unknown }).code === 'ETIMEDOUT';
            reject(
              timedOut ? Object.assign(new Error(`${req.method} ${req.path} timed out`), { code: 'ETIMEDOUT' }) : err,
            );
          } else if (head.status < 200 || head.status > 299) reject(new ApiError(head.status, text, head.headers));
          else resolve(text);
        },
      };
      send(prepared, { method: req.method, ...prepared.request, idleTimeoutMs: timeoutMs }, sink);
    });
  }

  /**
   * A watch: `onEvent` for each event line, then `onDone` exactly once (null when the server ended the
   * stream, else the error; a non-200 answer is an Error with `.statusCode` and `.body`). abort() ends it
   * without calling onDone.
   */
  async watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    onEvent: (type: string, obj: unknown) => void,
    onDone: (err: unknown) => void,
    accept?: string,
  ): Promise<{ abort(): void }> {
    const prepared = await this.prepare(path, { ...query, watch: true }, { accept });
    let finished = false;
    let status = 0;
    let body = '';
    let partial = '';
    const event = (line: string) => {
      if (finished || line === '') return;
      let parsed: { type?: string; object?: unknown };
      try {
        parsed = JSON.parse(line) as typeof parsed;
      } catch {
        return; // a torn line at shutdown
      }
      onEvent(parsed.type ?? '', parsed.object);
    };
    const sink: ResponseSink = {
      head: (h) => (status = h.status),
      text: (t) => {
        if (status !== 200) {
          body += t;
          return;
        }
        // Events are one per line; a line may span many reads, and one read may hold many lines.
        partial += t;
        let from = 0;
        for (let nl = partial.indexOf('\n'); nl >= 0; nl = partial.indexOf('\n', from)) {
          event(partial.slice(from, partial.charCodeAt(nl - 1) === 13 ? nl - 1 : nl));
          from = nl + 1;
        }
        if (from > 0) partial = partial.slice(from);
      },
      end: (err) => {
        if (finished) return;
        if (!err && status === 200) event(partial);
        finished = true;
        if (err) onDone(err);
        else if (status !== 200)
          onDone(Object.assign(new Error(http.STATUS_CODES[status] ?? 'watch failed'), { statusCode: status, body }));
        else onDone(null);
      },
    };
    const handle = send(prepared, { method: 'GET', ...prepared.request }, sink);
    return {
      abort: () => {
        finished = true;
        handle.abort();
      },
    };
  }

  /** Drops idle keep-alive connections (call on shutdown so the process can exit). */
  close(): void {
    this.pool?.close();
    this.pool = undefined;
    this.poolTLS = undefined;
  }

  private async prepare(
    path: string,
    query: RestRequest['query'],
    { body, contentType, accept = 'application/json' }: Pick<RestRequest, 'body' | 'contentType' | 'accept'> = {},
  ) {
    const cluster = this.access.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    const server = this.serverOptions(cluster.server);
    let target = server.path + path;
    if (query) {
      const search = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) search.set(k, String(v));
      const qs = search.toString();
      if (qs !== '') target += `?${qs}`;
    }
    const opts: https.RequestOptions = { headers: {} };
    await this.access.applyToHTTPSOptions(opts);
    // Written as a string: it is encoded straight into the socket, with no Buffer copy of each body.
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string | number> = { Accept: accept };
    if (opts.headers && !Array.isArray(opts.headers)) Object.assign(headers, opts.headers);
    if (payload !== undefined) headers['Content-Type'] = contentType ?? 'application/json';
    const request = { path: target, headers, ...(payload !== undefined ? { body: payload } : {}) };
    if (cluster.proxyUrl) {
      const { protocol, hostname, port, auth } = server;
      return { request, viaAgent: { ...opts, protocol, hostname, port, auth } };
    }
    return { request, pool: this.sharedPool(server, opts, cluster.skipTLSVerify) };
  }

  /**
   * The server URL as request options, parsed once: a URL object per request, and Node turning it back into
   * options, cost more than the rest of preparing a request.
   */
  private serverOptions(server: string): ServerOptions {
    if (this.server?.url !== server) {
      const url = new URL(server);
      const o = urlToHttpOptions(url);
      this.server = {
        url: server,
        protocol: url.protocol,
        hostname: o.hostname ?? '',
        port: url.port,
        host: url.host,
        path: url.pathname.replace(/\/+$/, ''),
        ...(o.auth ? { auth: o.auth } : {}),
      };
    }
    return this.server;
  }

  /**
   * One pool per TLS identity, so a connection authenticated with one client certificate never carries a
   * request of another; rebuilt when rotated credentials change it.
   */
  private sharedPool(server: ServerOptions, opts: https.RequestOptions, skipTLSVerify: boolean): Http1Pool {
    const tlsOpts: tls.ConnectionOptions = {};
    for (const f of TLS_FIELDS) if (opts[f] !== undefined) Object.assign(tlsOpts, { [f]: opts[f] });
    if (skipTLSVerify) tlsOpts.rejectUnauthorized = false;
    else if (opts.rejectUnauthorized !== undefined) tlsOpts.rejectUnauthorized = opts.rejectUnauthorized;
    const t = this.pool?.target;
    if (!this.pool || t?.protocol !== server.protocol || t.host !== server.host || !sameTLS(tlsOpts, this.poolTLS)) {
      if (server.protocol !== 'http:' && server.protocol !== 'https:')
        throw new Error(`kubeconfig server URL has protocol ${server.protocol}; want https: or http:`);
      const old = this.pool;
      // Let requests still using the old identity finish before closing its connections.
      if (old) setTimeout(() => old.close(), 60_000).unref();
      this.pool = new Http1Pool({
        protocol: server.protocol,
        hostname: server.hostname,
        port: Number(server.port) || (server.protocol === 'https:' ? 443 : 80),
        host: server.host,
        ...(server.protocol === 'https:' ? { tls: tlsOpts } : {}),
      });
      this.poolTLS = tlsOpts;
    }
    return this.pool;
  }
}

type Prepared = Awaited<ReturnType<RestClient['prepare']>>;

/** Sends over the pool, or (behind a proxy) with Node's client and the kubeconfig's agent. */
function send(prepared: Prepared, req: Http1Request, sink: ResponseSink): { abort(): void } {
  if (prepared.pool) return prepared.pool.exchange(req, sink);
  const options = prepared.viaAgent;
  const request = options.protocol === 'http:' ? http.request : https.request;
  const headers = {
    ...req.headers,
    ...(req.body !== undefined ? { 'Content-Length': Buffer.byteLength(req.body) } : {}),
  };
  let ended = false;
  const end = (err: Error | null) => {
    if (!ended) sink.end(err);
    ended = true;
  };
  const call = request({ ...options, method: req.method, path: req.path, headers }, (res) => {
    sink.head({ status: res.statusCode ?? 0, headers: flatHeaders(res.headers) });
    res.setEncoding('utf8');
    res.on('data', (t: string) => sink.text(t));
    res.on('error', end);
    res.on('end', () => end(null));
    res.on('close', () =>
      end(res.complete ? null : Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })),
    );
  });
  if (req.idleTimeoutMs !== undefined)
    call.setTimeout(req.idleTimeoutMs, () =>
      call.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
    );
  call.on('error', end);
  call.end(req.body);
  return {
    abort: () => {
      ended = true;
      call.destroy();
    },
  };
}

/** Same TLS identity: the same fields, each the same object or equal bytes (no encoding per request). */
function sameTLS(a: tls.ConnectionOptions, b: tls.ConnectionOptions | undefined): boolean {
  if (!b) return false;
  const keys = Object.keys(a) as Array<keyof tls.ConnectionOptions>;
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => {
    const x = a[k];
    const y = b[k];
    if (x === y) return true;
    if (Buffer.isBuffer(x) && Buffer.isBuffer(y)) return x.equals(y);
    if (Array.isArray(x) && Array.isArray(y))
      return (
        x.length === y.length &&
        x.every((v, i) => v === y[i] || (Buffer.isBuffer(v) && Buffer.isBuffer(y[i]) && v.equals(y[i])))
      );
    return false;
  });
}

function flatHeaders(h: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
