import net from 'node:net';
import tls from 'node:tls';
import { StringDecoder } from 'node:string_decoder';

/** Where a pool connects: one server, one TLS identity. */
export interface Http1Target {
  protocol: 'http:' | 'https:';
  /** Without brackets, as net.connect takes it. */
  hostname: string;
  port: number;
  /** The Host header: the server URL's host, brackets and port included. */
  host: string;
  tls?: tls.ConnectionOptions;
}

export interface ResponseHead {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
}

/** What one exchange reports: the head once, the body as text while it decodes, then the end exactly once. */
export interface ResponseSink {
  head(head: ResponseHead): void;
  text(text: string): void;
  end(err: Error | null): void;
}

export interface Http1Request {
  method: string;
  /** Path and query, already encoded. */
  path: string;
  headers: Record<string, string | number>;
  body?: string;
  /** Fails the exchange after this long without a byte either way; none for a watch. */
  idleTimeoutMs?: number;
}

/** Idle connections older than this are closed rather than reused, well before a server drops them (Go's: 90 s). */
const IDLE_REUSE_MS = 30_000;
const MAX_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_LINE = 1024;

/**
 * Keep-alive HTTP/1.1 connections to one server, one exchange at a time on each. Node's http client spent
 * about 200 µs of CPU on each API request here against 110 µs for these (4 workers posting 4 KB objects to
 * the real kube-apiserver): its ClientRequest, agent bookkeeping and stream plumbing are most of an
 * operator's CPU beyond the floor's. What it does not do (proxies, Expect, upgrades) the API server never
 * needs of us; RestClient keeps Node's client for kubeconfigs with a proxy.
 */
export class Http1Pool {
  private readonly idle: Connection[] = [];
  private readonly open = new Set<Connection>();
  private session: Buffer | undefined;
  private closed = false;

  constructor(readonly target: Http1Target) {}

  /** Sends one request; `abort()` ends it (the connection with it) and reports nothing more. */
  exchange(req: Http1Request, sink: ResponseSink): { abort(): void } {
    const head = requestHead(req, this.target.host);
    let current: Connection | undefined;
    let aborted = false;
    const attempt = (retry: boolean) => {
      const conn = this.take();
      current = conn;
      conn.send(head, req.body, req.idleTimeoutMs, {
        ...sink,
        end: (err) => {
          if (aborted) return;
          // A reused connection the server closed while idle fails before any answer; a GET can be sent again.
          if (err && retry && conn.reused && !conn.answered && req.method === 'GET') return attempt(false);
          this.release(conn);
          sink.end(err);
        },
      });
    };
    if (this.closed) {
      queueMicrotask(() => sink.end(new Error('HTTP client closed')));
      return { abort: () => undefined };
    }
    attempt(true);
    return {
      abort: () => {
        aborted = true;
        current?.destroy();
      },
    };
  }

  /** Closes every connection; exchanges still running end with an error. */
  close(): void {
    this.closed = true;
    for (const conn of [...this.open]) conn.destroy();
    this.idle.length = 0;
  }

  /** Open connections (idle ones included). */
  get size(): number {
    return this.open.size;
  }

  private take(): Connection {
    for (let conn = this.idle.pop(); conn; conn = this.idle.pop()) {
      if (conn.usable() && Date.now() - conn.idleSince < IDLE_REUSE_MS) {
        conn.reused = true;
        return conn;
      }
      conn.destroy();
    }
    const conn = new Connection(this.connect(), (c) => this.forget(c));
    this.open.add(conn);
    return conn;
  }

  private release(conn: Connection): void {
    if (this.closed || !conn.reusable()) {
      conn.destroy();
      return;
    }
    conn.idleSince = Date.now();
    this.idle.push(conn);
  }

  private forget(conn: Connection): void {
    this.open.delete(conn);
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
  }

  private connect(): net.Socket {
    const { protocol, hostname, port } = this.target;
    if (protocol === 'http:') return net.connect({ host: hostname, port });
    const offered = this.session;
    const socket = tls.connect({
      ...this.target.tls,
      host: hostname,
      port,
      ...(this.target.tls?.servername === undefined && net.isIP(hostname) === 0 ? { servername: hostname } : {}),
      ...(offered ? { session: offered } : {}),
    });
    // Resumed sessions spare later connections a full handshake, as https.Agent's session cache does; like it,
    // a connection that fails forgets the session it offered.
    socket.on('session', (s: Buffer) => (this.session = s));
    socket.once('error', () => {
      if (this.session === offered) this.session = undefined;
    });
    return socket;
  }
}

function requestHead(req: Http1Request, host: string): string {
  // What goes on the wire must not be able to start a header or a request of its own.
  if (/[^\x21-\x7e]/.test(req.path)) throw new TypeError('request path has a character other than printable ASCII');
  let head = `${req.method} ${req.path} HTTP/1.1\r\nHost: ${host}\r\n`;
  for (const [name, value] of Object.entries(req.headers)) {
    const text = String(value);
    // The value is never quoted: it may be a bearer token.
    if (/[^\t\x20-\x7e]/.test(text) || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
      throw new TypeError(
        `request header ${JSON.stringify(name)} has a line break, a character other than ASCII, or an invalid name`,
      );
    head += `${name}: ${text}\r\n`;
  }
  if (req.body !== undefined) head += `Content-Length: ${Buffer.byteLength(req.body)}\r\n`;
  return `${head}\r\n`;
}

/** One socket: writes a request, reads its response with a ResponseReader, then waits for the next. */
class Connection {
  idleSince = 0;
  reused = false;
  /** A byte of the current exchange's response has arrived. */
  answered = false;
  private reader: ResponseReader | undefined;
  private sink: ResponseSink | undefined;
  private gone = false;
  private keepAlive = true;

  constructor(
    readonly socket: net.Socket,
    private readonly onGone: (c: Connection) => void,
  ) {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.on('data', (chunk: Buffer) => this.data(chunk));
    socket.on('timeout', () => this.fail(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    socket.on('error', (err) => this.fail(err));
    socket.on('end', () => this.closedByPeer());
    socket.on('close', () => this.closedByPeer());
  }

  send(head: string, body: string | undefined, idleTimeoutMs: number | undefined, sink: ResponseSink): void {
    this.sink = sink;
    this.answered = false;
    this.reader = new ResponseReader();
    this.socket.ref();
    if (idleTimeoutMs !== undefined) this.socket.setTimeout(idleTimeoutMs);
    // One write: head and body leave in as few TLS records as Node makes of one string.
    this.socket.write(body === undefined ? head : head + body);
  }

  usable(): boolean {
    return !this.gone && !this.socket.destroyed && this.socket.writable;
  }

  reusable(): boolean {
    return this.keepAlive && this.reader === undefined && this.usable();
  }

  destroy(): void {
    this.gone = true;
    this.sink = undefined;
    this.socket.destroy();
    this.onGone(this);
  }

  private data(chunk: Buffer): void {
    const reader = this.reader;
    const sink = this.sink;
    if (!reader || !sink) {
      // Bytes nobody asked for: the connection's framing can no longer be trusted.
      this.destroy();
      return;
    }
    this.answered = true;
    let done: boolean;
    try {
      done = reader.feed(chunk, sink);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    if (done) this.finish(reader);
  }

  private finish(reader: ResponseReader): void {
    const sink = this.sink;
    this.keepAlive = reader.keepAlive && !reader.excess;
    this.reader = undefined;
    this.sink = undefined;
    this.socket.setTimeout(0);
    this.socket.unref();
    sink?.end(null);
  }

  private closedByPeer(): void {
    const reader = this.reader;
    if (reader?.endsAtClose() && this.sink) {
      this.keepAlive = false;
      reader.flush(this.sink);
      this.finish(reader);
    }
    this.fail(Object.assign(new Error('connection closed before the response ended'), { code: 'ECONNRESET' }));
  }

  private fail(err: Error): void {
    const sink = this.sink;
    this.reader = undefined;
    this.destroy();
    sink?.end(err);
  }
}

type BodyState =
  | { kind: 'head' }
  | { kind: 'length'; left: number }
  | { kind: 'chunk-size' }
  | { kind: 'chunk-data'; left: number }
  | { kind: 'chunk-end' }
  | { kind: 'trailer' }
  | { kind: 'close' };

/** HTTP/1.1 response framing: status line and headers, then a body by Content-Length, chunks, or to the close. */
class ResponseReader {
  keepAlive = true;
  /** Bytes arrived past the end of the response (we never pipeline, so the server broke framing). */
  excess = false;
  private state: BodyState = { kind: 'head' };
  private line = '';
  private headBytes = 0;
  /** The head being read: set by its status line, handed on at its blank line. */
  private head: ResponseHead | undefined;
  private readonly decoder = new StringDecoder('utf8');

  /** True when the response is complete. */
  feed(chunk: Buffer, sink: ResponseSink): boolean {
    let at = 0;
    while (at < chunk.length) {
      const s = this.state;
      switch (s.kind) {
        case 'head':
        case 'chunk-size':
        case 'trailer': {
          const nl = chunk.indexOf(10, at);
          const end = nl < 0 ? chunk.length : nl + 1;
          this.line += chunk.toString('latin1', at, end);
          // Head and trailers are bounded as a whole, not line by line: a server could send lines without end.
          if (s.kind !== 'chunk-size') this.headBytes += end - at;
          at = end;
          if (s.kind === 'chunk-size' ? this.line.length > MAX_CHUNK_LINE : this.headBytes > MAX_HEAD_BYTES)
            throw new Error(`response ${s.kind === 'chunk-size' ? 'chunk line' : 'head'} too long`);
          if (nl < 0) break;
          if (s.kind === 'head') {
            this.headLine(sink);
            // A head that says there is no body (204, Content-Length: 0) ends the response.
            if (this.state.kind === 'length' && this.state.left === 0) return this.done(chunk, at, sink);
          } else if (s.kind === 'chunk-size') this.chunkSizeLine();
          else if (this.line === '\r\n' || this.line === '\n') return this.done(chunk, at, sink);
          else this.line = '';
          break;
        }
        case 'length':
        case 'chunk-data': {
          const take = Math.min(s.left, chunk.length - at);
          sink.text(this.decoder.write(chunk.subarray(at, at + take)));
          at += take;
          s.left -= take;
          if (s.left === 0) {
            if (s.kind === 'length') return this.done(chunk, at, sink);
            this.state = { kind: 'chunk-end' };
          }
          break;
        }
        case 'chunk-end': {
          // The CRLF after a chunk's data.
          const c = chunk[at++];
          if (c === 10) this.state = { kind: 'chunk-size' };
          else if (c !== 13) throw new Error('malformed chunked response');
          break;
        }
        case 'close':
          sink.text(this.decoder.write(chunk.subarray(at)));
          at = chunk.length;
          break;
      }
    }
    return false;
  }

  endsAtClose(): boolean {
    return this.state.kind === 'close';
  }

  flush(sink: ResponseSink): void {
    const tail = this.decoder.end();
    if (tail) sink.text(tail);
  }

  private done(chunk: Buffer, at: number, sink: ResponseSink): true {
    this.excess = at < chunk.length;
    this.flush(sink);
    return true;
  }

  private headLine(sink: ResponseSink): void {
    const line = this.line.replace(/\r?\n$/, '');
    this.line = '';
    if (!this.head) {
      const m = /^HTTP\/1\.([01]) (\d{3})/.exec(line);
      if (!m) throw new Error('malformed response status line');
      this.head = { status: Number(m[2]), headers: {} };
      if (m[1] === '0') this.keepAlive = false;
      return;
    }
    if (line !== '') {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new Error('malformed response header');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const prev = this.head.headers[name];
      this.head.headers[name] = prev === undefined ? value : `${prev}, ${value}`;
      return;
    }
    const head = this.head;
    this.head = undefined;
    // 1xx answers (100 Continue, 103 Early Hints) come before the real one.
    if (head.status < 200) return;
    this.startBody(head);
    sink.head(head);
  }

  private startBody(head: ResponseHead): void {
    const h = head.headers;
    if (/\bclose\b/i.test(h.connection ?? '')) this.keepAlive = false;
    if (head.status === 204 || head.status === 304) this.state = { kind: 'length', left: 0 };
    else if (/\bchunked\s*$/i.test(h['transfer-encoding'] ?? '')) this.state = { kind: 'chunk-size' };
    else if (h['content-length'] !== undefined) {
      if (!/^\d+$/.test(h['content-length'])) throw new Error('malformed Content-Length');
      this.state = { kind: 'length', left: Number(h['content-length']) };
    } else {
      this.keepAlive = false;
      this.state = { kind: 'close' };
    }
  }

  private chunkSizeLine(): void {
    const size = this.line.replace(/[;\r\n].*$/s, '').trim();
    this.line = '';
    if (!/^[0-9a-fA-F]{1,12}$/.test(size)) throw new Error('malformed chunk size');
    const left = parseInt(size, 16);
    this.state = left === 0 ? { kind: 'trailer' } : { kind: 'chunk-data', left };
  }
}
