import http from 'node:http';
import https from 'node:https';
import { ApiException, type KubeConfig } from '@kubernetes/client-node';

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

const TLS_FIELDS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'servername'] as const;

/**
 * Raw JSON requests authenticated by client-node's KubeConfig. Used instead of the generated APIs
 * where objects must stay in wire format (no Date conversion, no dropped unknown fields, exact
 * patch content types), and to reuse one keep-alive agent: client-node 1.4.0 builds a new agent
 * (and TLS handshake) per request (kubernetes-client/javascript#2893).
 * Errors are ApiException (numeric `.code`, `.body` the response text), like the generated APIs.
 */
export class RestClient {
  private agent: http.Agent | undefined;
  private agentKey = '';

  constructor(
    readonly kc: KubeConfig,
    private readonly defaultTimeoutMs = 30_000,
  ) {}

  async request<T = unknown>(req: RestRequest): Promise<T> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    const url = new URL(cluster.server.replace(/\/+$/, '') + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const opts: https.RequestOptions = { headers: {} };
    await this.kc.applyToHTTPSOptions(opts);
    const agent = cluster.proxyUrl ? opts.agent : this.sharedAgent(url, opts, cluster.skipTLSVerify);
    const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    const headers: http.OutgoingHttpHeaders = { Accept: 'application/json' };
    if (opts.headers && !Array.isArray(opts.headers)) Object.assign(headers, opts.headers);
    if (payload) {
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = payload.length;
    }
    const send = url.protocol === 'http:' ? http.request : https.request;
    return new Promise<T>((resolve, reject) => {
      const call = send(url, { ...opts, method: req.method, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const code = res.statusCode ?? 0;
          if (code < 200 || code > 299) {
            reject(new ApiException(code, 'Unsuccessful HTTP Request', text, flatHeaders(res.headers)));
            return;
          }
          try {
            resolve((text === '' ? undefined : JSON.parse(text)) as T);
          } catch (err) {
            reject(err);
          }
        });
      });
      call.setTimeout(req.timeoutMs ?? this.defaultTimeoutMs, () => {
        call.destroy(Object.assign(new Error(`${req.method} ${req.path} timed out`), { code: 'ETIMEDOUT' }));
      });
      call.on('error', reject);
      call.end(payload);
    });
  }

  /** Drops idle keep-alive sockets (call on shutdown so the process can exit). */
  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
    this.agentKey = '';
  }

  /** One keep-alive agent per TLS identity; rebuilt when rotated credentials change it. */
  private sharedAgent(url: URL, opts: https.RequestOptions, skipTLSVerify: boolean): http.Agent {
    const tls: https.AgentOptions = { keepAlive: true };
    for (const f of TLS_FIELDS) if (opts[f] !== undefined) Object.assign(tls, { [f]: opts[f] });
    if (skipTLSVerify) tls.rejectUnauthorized = false;
    else if (opts.rejectUnauthorized !== undefined) tls.rejectUnauthorized = opts.rejectUnauthorized;
    const parts = Object.entries(tls).map(([k, v]) => `${k}=${Buffer.isBuffer(v) ? v.toString('base64') : String(v)}`);
    const key = [url.protocol, ...parts].join('\n');
    if (!this.agent || key !== this.agentKey) {
      const old = this.agent;
      // Let requests still using the old identity finish before closing its sockets.
      if (old) setTimeout(() => old.destroy(), 60_000).unref();
      this.agent = url.protocol === 'http:' ? new http.Agent({ keepAlive: true }) : new https.Agent(tls);
      this.agentKey = key;
    }
    return this.agent;
  }
}

function flatHeaders(h: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
