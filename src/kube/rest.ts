import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import { urlToHttpOptions } from 'node:url';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RestRequest {
  method: HttpMethod;
  /** Absolute API path, e.g. `/apis/networking.istio.io/v1beta1/namespaces/ns/virtualservices`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Defaults to application/json when there is a body; set it for patches. */
  contentType?: string;
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
  path: string;
  auth?: string;
}

const TLS_FIELDS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'servername'] as const;

/**
 * Raw JSON requests and watches over one keep-alive agent. Objects stay in wire format (no Date
 * conversion, no dropped unknown fields, exact patch content types); client-node's generated APIs
 * are not loaded at all (they cost the process about 65 MiB), and client-node 1.4.0 would build a
 * new agent (and TLS handshake) per request (kubernetes-client/javascript#2893).
 */
export class RestClient {
  private agent: http.Agent | undefined;
  private agentTLS: https.AgentOptions | undefined;
  private agentProtocol = '';
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
    const { options, payload } = await this.prepare(req.path, req.query, req.body, req.contentType);
    const send = options.protocol === 'http:' ? http.request : https.request;
    return new Promise<string>((resolve, reject) => {
      const call = send({ ...options, method: req.method }, (res) => {
        // Decoded chunk by chunk into V8 strings. A list page is about 1 MB: joined into one Buffer it was a
        // malloc'd block that, once freed, raised glibc's mmap threshold and left the next ones resident (RSS
        // settled after a restart at 5,000 KIngresses: 123 MiB then, 111-113 now). A fixed MALLOC_MMAP_THRESHOLD_
        // did the same for 50 % more CPU.
        res.setEncoding('utf8');
        let text = '';
        res.on('data', (c: string) => (text += c));
        res.on('error', reject);
        res.on('end', () => {
          const code = res.statusCode ?? 0;
          if (code < 200 || code > 299) reject(new ApiError(code, text, flatHeaders(res.headers)));
          else resolve(text);
        });
      });
      call.setTimeout(req.timeoutMs ?? this.defaultTimeoutMs, () => {
        call.destroy(Object.assign(new Error(`${req.method} ${req.path} timed out`), { code: 'ETIMEDOUT' }));
      });
      call.on('error', reject);
      call.end(payload);
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
  ): Promise<{ abort(): void }> {
    const { options } = await this.prepare(path, { ...query, watch: true });
    const send = options.protocol === 'http:' ? http.request : https.request;
    let finished = false;
    const done = (err: unknown) => {
      if (finished) return;
      finished = true;
      onDone(err);
    };
    const call = send({ ...options, method: 'GET' }, (res) => {
      if (res.statusCode !== 200) {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          done(
            Object.assign(new Error(http.STATUS_CODES[res.statusCode ?? 500] ?? 'watch failed'), {
              statusCode: res.statusCode,
              body,
            }),
          ),
        );
        res.on('error', done);
        return;
      }
      res.socket.setKeepAlive(true, 30_000);
      const lines = createInterface({ input: res, crlfDelay: Infinity });
      lines.on('line', (line) => {
        if (finished || line === '') return;
        let event: { type?: string; object?: unknown };
        try {
          event = JSON.parse(line) as typeof event;
        } catch {
          return; // a torn line at shutdown
        }
        onEvent(event.type ?? '', event.object);
      });
      // readline re-emits the stream's errors (an aborted watch too) on itself.
      lines.on('error', done);
      res.on('error', done);
      res.on('close', () => done(null));
    });
    call.on('error', done);
    call.end();
    return {
      abort: () => {
        finished = true;
        call.destroy();
      },
    };
  }

  /** Drops idle keep-alive sockets (call on shutdown so the process can exit). */
  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
    this.agentTLS = undefined;
  }

  private async prepare(path: string, query: RestRequest['query'], body?: unknown, contentType?: string) {
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
    const agent = cluster.proxyUrl ? opts.agent : this.sharedAgent(server.protocol, opts, cluster.skipTLSVerify);
    // Written as a string: Node encodes it straight into the socket, with no Buffer copy of each body.
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: http.OutgoingHttpHeaders = { Accept: 'application/json' };
    if (opts.headers && !Array.isArray(opts.headers)) Object.assign(headers, opts.headers);
    if (payload) {
      headers['Content-Type'] = contentType ?? 'application/json';
      headers['Content-Length'] = Buffer.byteLength(payload);
    }
    const { protocol, hostname, port, auth } = server;
    return { options: { ...opts, protocol, hostname, port, auth, path: target, headers, agent }, payload };
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
        path: url.pathname.replace(/\/+$/, ''),
        ...(o.auth ? { auth: o.auth } : {}),
      };
    }
    return this.server;
  }

  /** One keep-alive agent per TLS identity; rebuilt when rotated credentials change it. */
  private sharedAgent(protocol: string, opts: https.RequestOptions, skipTLSVerify: boolean): http.Agent {
    const tls: https.AgentOptions = { keepAlive: true };
    for (const f of TLS_FIELDS) if (opts[f] !== undefined) Object.assign(tls, { [f]: opts[f] });
    if (skipTLSVerify) tls.rejectUnauthorized = false;
    else if (opts.rejectUnauthorized !== undefined) tls.rejectUnauthorized = opts.rejectUnauthorized;
    if (!this.agent || protocol !== this.agentProtocol || !sameTLS(tls, this.agentTLS)) {
      const old = this.agent;
      // Let requests still using the old identity finish before closing its sockets.
      if (old) setTimeout(() => old.destroy(), 60_000).unref();
      this.agent = protocol === 'http:' ? new http.Agent({ keepAlive: true }) : new IdentityAgent(tls);
      this.agentTLS = tls;
      this.agentProtocol = protocol;
    }
    return this.agent;
  }
}

/**
 * An agent of one TLS identity (sharedAgent makes a new one when it changes), so its sockets and TLS sessions
 * are pooled by host and port alone. https.Agent's own pool key appends the CA, certificate and key, decoded
 * from their Buffers to text on every request and again when its socket is freed: 5-10 % of a request's CPU.
 */
class IdentityAgent extends https.Agent {
  override getName(options?: http.ClientRequestArgs): string {
    return http.Agent.prototype.getName.call(this, options);
  }
}

/** Same TLS identity: the same fields, each the same object or equal bytes (no encoding per request). */
function sameTLS(a: https.AgentOptions, b: https.AgentOptions | undefined): boolean {
  if (!b) return false;
  const keys = Object.keys(a) as Array<keyof https.AgentOptions>;
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
