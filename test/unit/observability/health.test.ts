import { describe, test, expect } from '@jest/globals';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import {
  readyWhen,
  startHealthServer,
  type HealthServer,
  type HealthServerOptions,
  type Readiness,
} from '../../../src/observability/health.js';
import { parseListenAddress } from '../../../src/observability/address.js';
import { Metrics } from '../../../src/observability/metrics.js';

const LOCAL = '127.0.0.1:0';

async function get(
  port: number,
  path: string,
  method = 'GET',
): Promise<{ status: number; body: string; type: string | null }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}

function listenOn(port: number): Promise<Server> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const closeNet = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

async function freePort(): Promise<number> {
  const server = await listenOn(0);
  const { port } = server.address() as AddressInfo;
  await closeNet(server);
  return port;
}

/** Starts a server, runs `fn`, and always closes it, so a failing assertion leaks no socket. */
async function withServer(opts: Partial<HealthServerOptions>, fn: (s: HealthServer) => Promise<void>): Promise<void> {
  const server = await startHealthServer({
    metricsAddress: LOCAL,
    metrics: new Metrics(),
    isAlive: () => true,
    isReady: () => ({ ready: true }),
    ...opts,
  });
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

describe('one shared server (no health address)', () => {
  test('/metrics serves Prometheus text with our and process metrics', () =>
    withServer({}, async (s) => {
      expect(s.healthPort).toBe(s.metricsPort);
      expect(s.metricsPort).toBeGreaterThan(0);
      const res = await get(s.metricsPort, '/metrics');
      expect(res.status).toBe(200);
      expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(res.body).toContain('net_higress_reconcile_total{result="success"} 0');
      expect(res.body).toContain('net_higress_workqueue_depth');
      expect(res.body).toMatch(/^process_open_fds \d+$/m);
    }));

  test('/healthz follows isAlive', async () => {
    let alive = true;
    await withServer({ isAlive: () => alive }, async (s) => {
      expect(await get(s.healthPort, '/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
      alive = false;
      expect(await get(s.healthPort, '/healthz')).toMatchObject({ status: 503, body: 'not alive\n' });
    });
  });

  test('/readyz flips from 503 with the reason to 200', async () => {
    let synced = false;
    let leading = false;
    const isReady = readyWhen({ 'caches synced': () => synced, 'leading or standing by': () => leading });
    await withServer({ isReady }, async (s) => {
      expect(await get(s.healthPort, '/readyz')).toMatchObject({ status: 503, body: 'not caches synced\n' });
      synced = true;
      expect(await get(s.healthPort, '/readyz')).toMatchObject({ status: 503, body: 'not leading or standing by\n' });
      leading = true;
      expect(await get(s.healthPort, '/readyz')).toMatchObject({ status: 200, body: 'ok\n' });
    });
  });

  test('query strings are ignored, unknown paths are 404, other methods 405, HEAD works', () =>
    withServer({}, async (s) => {
      expect((await get(s.healthPort, '/readyz?verbose')).status).toBe(200);
      expect((await get(s.healthPort, '/nope')).status).toBe(404);
      expect((await get(s.healthPort, '/toString')).status).toBe(404);
      expect((await get(s.healthPort, '/healthz', 'POST')).status).toBe(405);
      expect(await get(s.healthPort, '/healthz', 'HEAD')).toMatchObject({ status: 200, body: '' });
    }));

  test('a failing check or scrape answers 500 and the server keeps serving', async () => {
    const metrics = {
      contentType: 'text/plain',
      metricsText: (): Promise<string> => Promise.reject(new Error('registry broke')),
    };
    const isReady = (): Readiness => {
      throw new Error('informer gone');
    };
    await withServer({ metrics, isReady }, async (s) => {
      expect(await get(s.metricsPort, '/metrics')).toMatchObject({ status: 500, body: 'error: registry broke\n' });
      expect(await get(s.healthPort, '/readyz')).toMatchObject({ status: 500, body: 'error: informer gone\n' });
      expect((await get(s.healthPort, '/healthz')).status).toBe(200);
    });
  });
});

describe('separate servers', () => {
  test('metrics and health on their own ports, each serving only its paths', () =>
    withServer({ healthAddress: LOCAL }, async (s) => {
      expect(s.healthPort).not.toBe(s.metricsPort);
      expect((await get(s.metricsPort, '/metrics')).status).toBe(200);
      expect((await get(s.metricsPort, '/healthz')).status).toBe(404);
      expect((await get(s.healthPort, '/healthz')).status).toBe(200);
      expect((await get(s.healthPort, '/readyz')).status).toBe(200);
      expect((await get(s.healthPort, '/metrics')).status).toBe(404);
    }));

  // The server would keep the half-sent request below for its 60 s headers timeout; this test's own timeout is
  // half that, so it can only pass if close() ends open connections itself instead of waiting for them.
  test('close frees both ports and ends open connections instead of waiting for them', async () => {
    const s = await startHealthServer({
      metricsAddress: LOCAL,
      healthAddress: LOCAL,
      metrics: new Metrics({ defaultMetrics: false }),
      isAlive: () => true,
      isReady: () => ({ ready: true }),
    });
    await get(s.healthPort, '/healthz'); // leaves a keep-alive socket
    const half = connect(s.metricsPort, '127.0.0.1');
    half.on('error', () => undefined); // reset by close(): expected
    await new Promise((r) => half.once('connect', r));
    half.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const ended = new Promise((r) => half.once('close', r));
    await s.close();
    await ended;
    await expect(get(s.metricsPort, '/metrics')).rejects.toThrow();
    await expect(get(s.healthPort, '/healthz')).rejects.toThrow();
  }, 30_000);

  test('a port in use rejects and leaves nothing listening', async () => {
    const blocker = await listenOn(0);
    const busy = (blocker.address() as AddressInfo).port;
    const free = await freePort();
    try {
      // The metrics server binds first; the health server's bind then fails.
      await expect(
        startHealthServer({
          metricsAddress: `127.0.0.1:${free}`,
          healthAddress: `127.0.0.1:${busy}`,
          metrics: new Metrics({ defaultMetrics: false }),
          isAlive: () => true,
          isReady: () => ({ ready: true }),
        }),
      ).rejects.toThrow(/EADDRINUSE/);
      const again = await listenOn(free); // would fail with EADDRINUSE had the metrics server stayed up
      await closeNet(again);
    } finally {
      await closeNet(blocker);
    }
  });

  test('an invalid address is rejected with its name', async () => {
    await expect(
      startHealthServer({
        metricsAddress: '9090',
        metrics: new Metrics({ defaultMetrics: false }),
        isAlive: () => true,
        isReady: () => ({ ready: true }),
      }),
    ).rejects.toThrow('metrics address: "9090" is not a listen address');
  });
});

describe('parseListenAddress', () => {
  test.each([
    [':9090', { host: undefined, port: 9090 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['localhost:8080', { host: 'localhost', port: 8080 }],
    ['[::1]:8080', { host: '::1', port: 8080 }],
    ['0.0.0.0:65535', { host: '0.0.0.0', port: 65535 }],
  ])('%s', (address, want) => {
    expect(parseListenAddress(address)).toEqual({ ok: true, value: want });
  });

  test.each(['9090', ':', ':65536', ':-1', 'host:port', '::1:80', 'a b:80', ':123456'])('rejects %s', (address) => {
    const parsed = parseListenAddress(address);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(`"${address}"`);
  });
});
