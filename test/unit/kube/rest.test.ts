import type https from 'node:https';
import { afterEach, expect, test } from '@jest/globals';
import { RestClient, type KubeAccess } from '../../../src/kube/rest.js';
import { json, StubServer } from './stubserver.js';

let stub: StubServer | undefined;

afterEach(async () => {
  await stub?.stop();
  stub = undefined;
});

/** The stub's kubeconfig with `suffix` appended to its server URL (a path prefix, as behind a proxy). */
async function clientFor(suffix: string): Promise<RestClient> {
  stub = new StubServer();
  const kc = await stub.start();
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('no cluster');
  const access: KubeAccess = {
    getCurrentCluster: () => ({ ...cluster, server: cluster.server + suffix }),
    applyToHTTPSOptions: (opts: https.RequestOptions) => kc.applyToHTTPSOptions(opts),
  };
  return new RestClient(access);
}

test("requests go under the server URL's path, with the query encoded and unset fields left out", async () => {
  const rest = await clientFor('/k8s/clusters/c-1/');
  try {
    await rest.request({
      method: 'GET',
      path: '/apis/networking.istio.io/v1beta1/virtualservices',
      query: { labelSelector: 'a=b,c!=d', continue: 'eyJ2Ijoi+/=', limit: 250, watch: undefined },
    });
    const seen = stub?.seen[0];
    expect(seen?.path).toBe('/k8s/clusters/c-1/apis/networking.istio.io/v1beta1/virtualservices');
    expect([...(seen?.query ?? [])]).toEqual([
      ['labelSelector', 'a=b,c!=d'],
      ['continue', 'eyJ2Ijoi+/='],
      ['limit', '250'],
    ]);
  } finally {
    rest.close();
  }
});

test('a body with non-ASCII text arrives whole: its length is counted in bytes', async () => {
  const rest = await clientFor('');
  try {
    if (stub) stub.handler = (req, res) => json(res, 201, req.body);
    const body = { metadata: { name: 'x', annotations: { note: 'größe ✓ 🚀' } } };
    const echoed = await rest.request({ method: 'POST', path: '/api/v1/namespaces/n/configmaps', body });
    expect(echoed).toEqual(body);
    expect(stub?.seen[0]?.contentType).toBe('application/json');
  } finally {
    rest.close();
  }
});

test('a watch reads one event per line, wherever the reads split them, and reports its end once', async () => {
  const rest = await clientFor('');
  try {
    if (stub)
      stub.handler = (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        const wire = Buffer.from(
          '{"type":"ADDED","object":{"n":"größe"}}\n{"type":"MODIFIED","object":{"n":2}}\r\n\n{"type":"DELETED","object":{"n":3}}',
        );
        // Split inside a multi-byte character and inside a line.
        const cuts = [30, 31, 50, wire.length];
        let from = 0;
        const next = () => {
          const to = cuts.shift();
          if (to === undefined) return void res.end();
          res.write(wire.subarray(from, to));
          from = to;
          setTimeout(next, 5);
        };
        next();
      };
    const events: unknown[] = [];
    const done = await new Promise<unknown[]>((resolve) => {
      const ends: unknown[] = [];
      void rest.watch(
        '/api/v1/configmaps',
        {},
        (type, obj) => events.push([type, obj]),
        (err) => {
          ends.push(err);
          setTimeout(() => resolve(ends), 20);
        },
      );
    });
    expect(events).toEqual([
      ['ADDED', { n: 'größe' }],
      ['MODIFIED', { n: 2 }],
      ['DELETED', { n: 3 }],
    ]);
    expect(done).toEqual([null]);
    expect(stub?.seen[0]?.query.get('watch')).toBe('true');
  } finally {
    rest.close();
  }
});

test('a watch refused with 403 ends with the status code and the Status body', async () => {
  const rest = await clientFor('');
  try {
    if (stub) stub.handler = (_req, res) => json(res, 403, { kind: 'Status', code: 403, reason: 'Forbidden' });
    const err = await new Promise<unknown>((resolve) => {
      void rest.watch('/api/v1/secrets', {}, () => undefined, resolve);
    });
    expect(err).toMatchObject({ statusCode: 403, message: 'Forbidden' });
    expect(JSON.parse((err as { body: string }).body)).toMatchObject({ reason: 'Forbidden' });
  } finally {
    rest.close();
  }
});

test('a non-2xx answer rejects with its code, body and headers', async () => {
  const rest = await clientFor('');
  try {
    if (stub)
      stub.handler = (_req, res) => {
        res.setHeader('Retry-After', '3');
        json(res, 429, { kind: 'Status', code: 429, reason: 'TooManyRequests' });
      };
    const err = await rest.request({ method: 'GET', path: '/api/v1/pods' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 429, headers: { 'retry-after': '3' } });
    expect(JSON.parse((err as { body: string }).body)).toMatchObject({ reason: 'TooManyRequests' });
  } finally {
    rest.close();
  }
});
