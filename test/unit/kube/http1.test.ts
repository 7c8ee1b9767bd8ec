// The HTTP/1.1 framing of Http1Pool against a server that writes scripted bytes: how a response ends, when a
// connection is reused, and what fails with which error.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, test } from '@jest/globals';
import { Http1Pool, type Http1Request, type ResponseHead } from '../../../src/kube/http1.js';

/** Answers the n-th request it reads (over all connections) with script(n, socket, requestText). */
class ScriptedServer {
  connections = 0;
  requests: string[] = [];
  private readonly sockets = new Set<net.Socket>();
  private readonly server = net.createServer((socket) => {
    this.connections += 1;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = '';
    socket.on('data', (c: Buffer) => {
      buf += c.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const len = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        const req = buf.slice(0, end + 4 + len);
        buf = buf.slice(end + 4 + len);
        this.requests.push(req);
        this.script(this.requests.length, socket, req);
      }
    });
  });

  constructor(private readonly script: (n: number, socket: net.Socket, req: string) => void) {}

  async start(): Promise<Http1Pool> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return new Http1Pool({ protocol: 'http:', hostname: '127.0.0.1', port, host: `127.0.0.1:${port}` });
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let server: ScriptedServer | undefined;
let pool: Http1Pool | undefined;

afterEach(async () => {
  pool?.close();
  await server?.stop();
  server = undefined;
  pool = undefined;
});

async function serve(script: (n: number, socket: net.Socket, req: string) => void): Promise<Http1Pool> {
  // A test may serve twice: the first server goes first.
  pool?.close();
  await server?.stop();
  server = new ScriptedServer(script);
  pool = await server.start();
  return pool;
}

/** Writes `bytes` in pieces of `size`, each in its own TCP segment as far as the test can make it. */
async function dribble(socket: net.Socket, bytes: Buffer, size: number): Promise<void> {
  for (let i = 0; i < bytes.length; i += size) {
    socket.write(bytes.subarray(i, i + size));
    await new Promise((r) => setImmediate(r));
  }
}

interface Answer {
  head: ResponseHead | undefined;
  text: string;
  pieces: number;
}

function exchange(p: Http1Pool, req: Partial<Http1Request> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const got: Answer = { head: undefined, text: '', pieces: 0 };
    p.exchange(
      { method: 'GET', path: '/api/v1/namespaces', headers: { Accept: 'application/json' }, ...req },
      {
        head: (h) => (got.head = h),
        text: (t) => {
          got.text += t;
          got.pieces += 1;
        },
        end: (err) => (err ? reject(err) : resolve(got)),
      },
    );
  });
}

const UTF8_BODY = '{"note":"größe ✓ 🚀"}';

test('a Content-Length body split inside its multi-byte characters decodes whole, and the connection is reused', async () => {
  const p = await serve((_n, socket) => {
    const body = Buffer.from(UTF8_BODY);
    void dribble(
      socket,
      Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body]),
      3,
    );
  });
  for (let i = 0; i < 3; i++) {
    const got = await exchange(p);
    expect(got.head?.status).toBe(200);
    expect(got.text).toBe(UTF8_BODY);
  }
  expect(server?.requests.length).toBe(3);
  expect(server?.connections).toBe(1);
});

test('a chunked body with extensions and trailers, sent a byte at a time, decodes whole; the connection is reused', async () => {
  const body = Buffer.from(UTF8_BODY);
  const a = body.subarray(0, 13);
  const b = body.subarray(13);
  const wire = Buffer.concat([
    Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Two: a\r\nx-two: b\r\n\r\n'),
    Buffer.from(`${a.length.toString(16)};ext=1\r\n`),
    a,
    Buffer.from(`\r\n${b.length.toString(16).toUpperCase()}\r\n`),
    b,
    Buffer.from('\r\n0\r\nTrailer-One: x\r\n\r\n'),
  ]);
  const p = await serve((_n, socket) => void dribble(socket, wire, 1));
  const first = await exchange(p);
  expect(first.text).toBe(UTF8_BODY);
  expect(first.head?.headers['x-two']).toBe('a, b');
  expect((await exchange(p)).text).toBe(UTF8_BODY);
  expect(server?.connections).toBe(1);
});

test('204, Content-Length: 0 and a 100 Continue before the answer: each ends where it should', async () => {
  const p = await serve((n, socket) => {
    if (n === 1) socket.write('HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n');
    if (n === 2) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    if (n === 3) socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}');
  });
  expect(await exchange(p)).toEqual({ head: { status: 204, headers: { 'content-length': '0' } }, text: '', pieces: 0 });
  expect((await exchange(p)).head?.status).toBe(200);
  const created = await exchange(p, { method: 'POST', body: '{}' });
  expect([created.head?.status, created.text]).toEqual([201, '{}']);
  expect(server?.connections).toBe(1);
});

test('a body that ends with the connection is read to the close, and the next request opens a new one', async () => {
  const p = await serve((n, socket) => {
    socket.end(`HTTP/1.1 200 OK\r\n\r\nuntil-close-${n}`);
  });
  expect((await exchange(p)).text).toBe('until-close-1');
  expect((await exchange(p)).text).toBe('until-close-2');
  expect(server?.connections).toBe(2);
});

test('Connection: close, an HTTP/1.0 answer, or bytes past the end of a response: the connection is not reused', async () => {
  const p = await serve((n, socket) => {
    if (n === 1) socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\na');
    if (n === 2) socket.write('HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nb');
    if (n === 3) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\ncHTTP/1.1 200 OK\r\n');
    if (n === 4) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nd');
  });
  expect((await exchange(p)).text).toBe('a');
  expect((await exchange(p)).text).toBe('b');
  expect((await exchange(p)).text).toBe('c');
  expect((await exchange(p)).text).toBe('d');
  expect(server?.connections).toBe(4);
});

test('a response cut off mid-body fails with ECONNRESET, not a short success', async () => {
  const p = await serve((_n, socket) => {
    socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"partial":');
  });
  await expect(exchange(p)).rejects.toMatchObject({ code: 'ECONNRESET' });
  const chunked = await serve((_n, socket) => {
    socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n');
  });
  await expect(exchange(chunked)).rejects.toMatchObject({ code: 'ECONNRESET' });
});

test('a connection the server closed while idle is not used again; one closed as a GET is sent on it is retried once', async () => {
  const p = await serve((n, socket) => {
    if (n === 1) socket.end('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1');
    // Keeps the connection open after answering, then drops it unanswered at the next request.
    if (n === 2) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2');
    if (n === 3) socket.destroy();
    if (n === 4) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n4');
    if (n === 5) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n5');
    if (n === 6) socket.destroy();
    // Only a POST sent twice would reach this.
    if (n === 7) socket.write('HTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\n7');
  });
  expect((await exchange(p)).text).toBe('1');
  await new Promise((r) => setTimeout(r, 20));
  // The first connection ended while idle: this goes on a new one, with no error.
  expect((await exchange(p)).text).toBe('2');
  expect(server?.connections).toBe(2);
  // Request 3 reaches a connection that dies unanswered; the GET is sent again (request 4), on a new one.
  expect((await exchange(p)).text).toBe('4');
  expect(server?.connections).toBe(3);
  expect((await exchange(p)).text).toBe('5');
  // A POST may have been acted on: it is never sent twice.
  await expect(exchange(p, { method: 'POST', body: '{}' })).rejects.toMatchObject({ code: 'ECONNRESET' });
  expect(server?.requests.length).toBe(6);
});

test('silence past the idle timeout fails the exchange with ETIMEDOUT and closes its connection', async () => {
  const p = await serve(() => undefined);
  await expect(exchange(p, { idleTimeoutMs: 50 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  expect(p.size).toBe(0);
});

test('malformed framing fails the exchange by name', async () => {
  const cases: Array<[string, RegExp]> = [
    ['ICY 200 OK\r\n\r\n', /status line/],
    ['HTTP/1.1 200 OK\r\nno-colon\r\n\r\n', /response header/],
    ['HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n', /Content-Length/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /chunk size/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\naXY', /malformed chunked/],
    [`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70_000)}`, /head too long/],
    [`HTTP/1.1 200 OK\r\n${'X: a\r\n'.repeat(20_000)}`, /head too long/],
  ];
  for (const [wire, message] of cases) {
    const p = await serve((_n, socket) => socket.end(wire));
    await expect(exchange(p)).rejects.toThrow(message);
  }
});

test('a header value with a line break is refused before anything is sent, and the value is not in the error', async () => {
  const p = await serve(() => undefined);
  const silent = { head: () => undefined, text: () => undefined, end: () => undefined };
  let message = '';
  try {
    p.exchange(
      { method: 'GET', path: '/x', headers: { Authorization: 'Bearer secret-token\r\nX-Injected: 1' } },
      silent,
    );
  } catch (err) {
    message = String(err);
  }
  expect(message).toMatch(/"Authorization" has a line break/);
  expect(message).not.toContain('secret-token');
  expect(() => p.exchange({ method: 'GET', path: '/x HTTP/1.1\r\nX: 1', headers: {} }, silent)).toThrow(/path/);
  await new Promise((r) => setTimeout(r, 20));
  expect(server?.connections).toBe(0);
});

test('an aborted exchange reports nothing more and closes its connection', async () => {
  const p = await serve((_n, socket) =>
    socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n'),
  );
  const seen: string[] = [];
  const handle = p.exchange(
    { method: 'GET', path: '/watch', headers: {} },
    { head: () => seen.push('head'), text: (t) => seen.push(t), end: (err) => seen.push(`end ${String(err)}`) },
  );
  while (seen.length < 2) await new Promise((r) => setTimeout(r, 5));
  handle.abort();
  await new Promise((r) => setTimeout(r, 20));
  expect(seen).toEqual(['head', 'abc']);
  expect(p.size).toBe(0);
});

test('an idle connection does not keep the process alive; one in use does', async () => {
  const p = await serve((_n, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na'));
  const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
  const before = sockets();
  let during = 0;
  await new Promise<void>((resolve, reject) =>
    p.exchange(
      { method: 'GET', path: '/x', headers: {} },
      { head: () => (during = sockets()), text: () => undefined, end: (err) => (err ? reject(err) : resolve()) },
    ),
  );
  // The server's end of the connection stays counted; ours is counted only while it carries the exchange.
  expect(during - before).toBe(2);
  expect(sockets() - before).toBe(1);
  expect(p.size).toBe(1);
});
