import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { PROBE_TIMEOUT_MS, sendProbe } from '../../../src/prober/request.js';
import type { ProbeTarget } from '../../../src/prober/targets.js';
import type { ProbeResponse } from '../../../src/prober/verdict.js';
import { eventually } from '../../harness/wait.js';

/** Fakes only setTimeout/clearTimeout (the probe's own timeout); sockets, immediates and Date stay real. */
function fakeTimeouts(): void {
  jest.useFakeTimers({
    doNotFake: [
      'Date',
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
    ],
  });
}

afterEach(() => {
  jest.useRealTimers();
});

// Loopback servers stand in for a gateway pod: the probe is dialled to the pod's address while Host/SNI
// name the KIngress host, so the server sees a host that is not its own address.
interface Seen {
  method?: string;
  url?: string;
  headers: http.IncomingHttpHeaders;
  sni?: string | false | null;
}

let dir: string;
let tlsOptions: { key: Buffer; cert: Buffer };
const servers: Array<http.Server | https.Server> = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'probe-request-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=probe-test',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  tlsOptions = { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) };
});
afterAll(async () => {
  await Promise.all(
    servers.map(
      (s) =>
        new Promise((r) => {
          s.closeAllConnections();
          s.close(r);
        }),
    ),
  );
  rmSync(dir, { recursive: true, force: true });
});

async function serve(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void, tls = false) {
  const seen: Seen[] = [];
  let connections = 0;
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    seen.push({
      method: req.method,
      url: req.url,
      headers: req.headers,
      sni: tls ? (req.socket as TLSSocket).servername : undefined,
    });
    handler(req, res);
  };
  const server = tls ? https.createServer(tlsOptions, onRequest) : http.createServer(onRequest);
  server.on(tls ? 'secureConnection' : 'connection', () => {
    connections += 1;
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, seen, connections: () => connections };
}

const target = (podPort: number, scheme: 'http' | 'https' = 'http'): ProbeTarget => ({
  service: 'gw/svc',
  podIP: '127.0.0.1',
  podPort,
  scheme,
  host: 'hello.ns.example.com',
  port: scheme === 'https' ? 443 : 80,
});
const never = new AbortController().signal;

describe('one probe on the wire', () => {
  test('GET /healthz with the Knative probe headers and Host naming the KIngress host and gateway port', async () => {
    const s = await serve((req, res) => {
      res.setHeader('K-Network-Hash', String(req.headers['k-network-hash'] === 'override' ? 'abc' : 'wrong'));
      res.end();
    });
    expect(await sendProbe(target(s.port), never)).toEqual({ kind: 'response', status: 200, hash: 'abc' });
    expect(s.seen).toHaveLength(1);
    expect(s.seen[0]?.method).toBe('GET');
    expect(s.seen[0]?.url).toBe('/healthz');
    expect(s.seen[0]?.headers).toMatchObject({
      host: 'hello.ns.example.com:80',
      'user-agent': 'Knative-Ingress-Probe',
      'k-network-probe': 'probe',
      'k-network-hash': 'override',
      connection: 'close',
    });
  });

  test('no keep-alive: every probe opens its own connection', async () => {
    const s = await serve((_req, res) => res.end('ok'));
    for (let i = 0; i < 3; i++) await sendProbe(target(s.port), never);
    expect(s.connections()).toBe(3);
  });

  test('a status without the hash header comes back as such', async () => {
    const s = await serve((_req, res) => {
      res.statusCode = 404;
      res.end('no route');
    });
    expect(await sendProbe(target(s.port), never)).toEqual({ kind: 'response', status: 404, hash: undefined });
  });

  test('HTTPS: SNI is the KIngress host and a certificate that does not match the pod is accepted', async () => {
    const s = await serve((_req, res) => {
      res.setHeader('K-Network-Hash', 'h');
      res.end();
    }, true);
    expect(await sendProbe(target(s.port, 'https'), never)).toEqual({ kind: 'response', status: 200, hash: 'h' });
    expect(s.seen[0]?.sni).toBe('hello.ns.example.com');
    expect(s.seen[0]?.headers.host).toBe('hello.ns.example.com:443');
  });

  test('the timeout is 1 s by default; a pod that never answers is a timeout once its time is up', async () => {
    expect(PROBE_TIMEOUT_MS).toBe(1000);
    const s = await serve(() => undefined);
    fakeTimeouts();
    let got: ProbeResponse | undefined;
    const pending = sendProbe(target(s.port), never, 150).then((r) => (got = r));
    await eventually('the probe reached the pod', async () => (s.seen.length > 0 ? true : undefined), 5000, 5);
    await jest.advanceTimersByTimeAsync(149);
    expect(got).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(await pending).toMatchObject({ kind: 'error', timeout: true, message: 'no response within 150 ms' });
  });

  test('a refused connection is a transport error', async () => {
    const s = await serve(() => undefined);
    const closed = servers.pop() as http.Server;
    await new Promise((r) => closed.close(r));
    expect(await sendProbe(target(s.port), never)).toMatchObject({
      kind: 'error',
      timeout: false,
      code: 'ECONNREFUSED',
      tls: false,
    });
  });

  test('HTTPS to a listener that does not speak TLS fails in the handshake, and says so', async () => {
    const s = await serve((_req, res) => res.writeHead(200).end());
    expect(await sendProbe(target(s.port, 'https'), never)).toMatchObject({ kind: 'error', timeout: false, tls: true });
  });

  test('HTTPS to a listener that closes the connection at once is a TLS failure too (no certificate for the host)', async () => {
    const net = await import('node:net');
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      expect(await sendProbe(target((server.address() as AddressInfo).port, 'https'), never)).toMatchObject({
        kind: 'error',
        timeout: false,
        tls: true,
      });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  test('cancelling (new hash, pod gone) stops an in-flight probe at once', async () => {
    const s = await serve(() => undefined);
    const abort = new AbortController();
    const pending = sendProbe(target(s.port), abort.signal);
    // In flight: the pod has the request and has not answered.
    await eventually('the probe reached the pod', async () => (s.seen.length > 0 ? true : undefined), 5000, 5);
    // No time passes on the probe's clock: only the abort can settle it.
    fakeTimeouts();
    abort.abort();
    expect(await pending).toEqual({ kind: 'error', timeout: false, message: 'cancelled' });
  });
});
