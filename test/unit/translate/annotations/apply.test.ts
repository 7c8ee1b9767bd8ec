import { describe, expect, test } from '@jest/globals';
import { virtualServiceSchema, type HTTPRoute } from '../../../../src/api/istio.js';
import type { HTTPIngressPath, KIngress } from '../../../../src/api/kingress.js';
import { insertProbe } from '../../../../src/translate/probe.js';
import { validateIngress } from '../../../../src/translate/validate.js';
import { makeVirtualServices } from '../../../../src/translate/virtualservice.js';
import { defaultIngress, kingress, rule, split } from '../fixtures.js';

const H = 'higress.io/';
const N = 'nginx.ingress.kubernetes.io/';
const opts = { clusterDomain: 'cluster.local', systemNamespace: 'knative-serving', meshVirtualService: false };
const gateways = {
  external: ['knative-serving/knative-ingress-gateway'],
  local: ['knative-serving/knative-local-gateway'],
};
const servingPath = (): HTTPIngressPath => ({
  splits: [
    split('hello-00001', 'default', 80, 100, {
      'Knative-Serving-Namespace': 'default',
      'Knative-Serving-Revision': 'hello-00001',
    }),
  ],
});

/** The routes of the ingress VirtualService, probe routes first (as insertProbe puts them). */
function routes(
  annotations: Record<string, string>,
  path: HTTPIngressPath = servingPath(),
): { probe: HTTPRoute; serving: HTTPRoute } {
  const ing: KIngress = kingress('hello', 'default', [rule(['hello.default.example.com'], 'ExternalIP', [path])]);
  ing.metadata.annotations = annotations;
  const vses = makeVirtualServices(insertProbe(defaultIngress(ing), 'hash'), gateways, opts);
  for (const vs of vses) expect(virtualServiceSchema.safeParse(vs).error).toBeUndefined();
  const [probe, serving] = vses[0]?.spec.http ?? [];
  if (!probe || !serving) throw new Error('want a probe and a serving route');
  return { probe, serving };
}
const plain = routes({});

describe('applying the policy to serving routes', () => {
  test('no annotations: routes exactly as before (empty retries, no timeout)', () => {
    expect(plain.serving.retries).toEqual({});
    expect(Object.keys(plain.serving)).toEqual(['name', 'match', 'route', 'retries']);
  });

  test.each<[string, Record<string, string>, Partial<HTTPRoute>]>([
    ['timeout', { [`${H}timeout`]: '30' }, { timeout: '30s', retries: {} }],
    [
      'retries replace the empty retry policy',
      {
        [`${N}proxy-next-upstream-tries`]: '2',
        [`${N}proxy-next-upstream-timeout`]: '5',
        [`${N}proxy-next-upstream`]: 'http_503',
      },
      { retries: { attempts: 2, perTryTimeout: '5s', retryOn: 'retriable-status-codes,503' } },
    ],
    [
      'CORS',
      {
        [`${H}enable-cors`]: 'true',
        [`${H}cors-allow-origin`]: 'https://app.example.com',
        [`${H}cors-max-age`]: '600',
      },
      {
        corsPolicy: {
          allowOrigins: [{ exact: 'https://app.example.com' }],
          allowMethods: ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS'],
          allowHeaders: [
            'DNT',
            'X-CustomHeader',
            'Keep-Alive',
            'User-Agent',
            'X-Requested-With',
            'If-Modified-Since',
            'Cache-Control',
            'Content-Type',
            'Authorization',
          ],
          allowCredentials: true,
          maxAge: '600s',
        },
      },
    ],
    [
      'mirror to a Service resolves it with the cluster domain',
      { [`${H}mirror-target-service`]: 'shadow:8080', [`${H}mirror-percentage`]: '10' },
      { mirror: { host: 'shadow.default.svc.cluster.local', port: { number: 8080 } }, mirrorPercentage: { value: 10 } },
    ],
    [
      'mirror to an FQDN',
      { [`${H}mirror-target-fqdn`]: 'shadow.example.com' },
      { mirror: { host: 'shadow.example.com', port: { number: 80 } } },
    ],
    [
      'rewrite-path on an empty KIngress path keeps the separator, like prefix /',
      { [`${H}rewrite-path`]: '/v2' },
      { rewrite: { uri: '/v2/' } },
    ],
    [
      'rewrite-target: $1 is the rest of the path',
      { [`${H}rewrite-target`]: '/api/$1' },
      { rewrite: { uriRegexRewrite: { match: '^/(.*)', rewrite: '/api/\\1' } } },
    ],
    ['upstream-vhost', { [`${N}upstream-vhost`]: 'backend.internal' }, { rewrite: { authority: 'backend.internal' } }],
    [
      'response headers',
      { [`${H}response-header-control-add`]: 'X-Served-By higress' },
      { headers: { response: { add: { 'X-Served-By': 'higress' } } } },
    ],
  ])('%s', (_name, annotations, want) => {
    const { probe, serving } = routes(annotations);
    expect(serving).toMatchObject(want);
    expect(serving.route).toEqual(plain.serving.route);
    expect(serving.match).toEqual(plain.serving.match);
    // The probe route is untouched: no timeout, no retries, no rewrite, no mirror, no CORS.
    expect(probe).toEqual(plain.probe);
  });

  test('a redirect route forwards nowhere: no destinations, retries, rewrite, timeout or mirror; headers and CORS stay', () => {
    const { probe, serving } = routes({
      [`${H}permanent-redirect`]: 'https://new.example.com/app',
      [`${H}permanent-redirect-code`]: '308',
      [`${H}timeout`]: '5',
      [`${H}mirror-target-service`]: 'shadow:80',
      [`${H}rewrite-path`]: '/x',
      [`${H}enable-cors`]: 'true',
      [`${H}response-header-control-update`]: 'X-A 1',
    });
    expect(Object.keys(serving)).toEqual(['name', 'match', 'redirect', 'headers', 'corsPolicy']);
    expect(serving.redirect).toEqual({ scheme: 'https', authority: 'new.example.com', uri: '/app', redirectCode: 308 });
    expect(serving.headers).toEqual({ response: { set: { 'X-A': '1' } } });
    expect(probe).toEqual(plain.probe);
  });
});

describe('Knative wins where it and an annotation meet', () => {
  test('request headers Knative sets (path and split appendHeaders) are not touched; the rest applies', () => {
    const path = { ...servingPath(), appendHeaders: { 'Knative-Serving-Tag': 'candidate' } };
    const { serving } = routes(
      {
        [`${H}request-header-control-update`]: 'knative-serving-tag other\nX-Env prod',
        [`${H}request-header-control-add`]: 'Knative-Serving-Revision evil\nX-Trace on',
        [`${H}request-header-control-remove`]: 'knative-serving-namespace, Cookie',
      },
      path,
    );
    expect(serving.headers).toEqual({
      request: {
        add: { 'X-Trace': 'on' },
        set: { 'Knative-Serving-Tag': 'candidate', 'X-Env': 'prod' },
        remove: ['Cookie'],
      },
    });
    expect(serving.route?.[0]?.headers).toEqual({
      request: { set: { 'Knative-Serving-Namespace': 'default', 'Knative-Serving-Revision': 'hello-00001' } },
    });
  });

  test('an annotation that only touches Knative headers leaves the route headers as Knative wrote them', () => {
    const path = { ...servingPath(), appendHeaders: { 'K-Original-Host': 'hello.example.org' } };
    const { serving } = routes({ [`${H}request-header-control-remove`]: 'K-Original-Host' }, path);
    expect(serving.headers).toEqual({ request: { set: { 'K-Original-Host': 'hello.example.org' } } });
  });

  test('rewriteHost wins over upstream-vhost; rewrite-path still applies', () => {
    const path = { ...servingPath(), rewriteHost: 'hello.default.svc.cluster.local' };
    const { serving } = routes({ [`${N}upstream-vhost`]: 'other.example.com', [`${H}rewrite-path`]: '/v2/' }, path);
    expect(serving.rewrite).toEqual({ uri: '/v2/', authority: 'hello.default.svc.cluster.local' });
  });

  test('rewrite-path and rewrite-target follow a non-empty KIngress path', () => {
    const acme = { ...servingPath(), path: '/.well-known/acme-challenge/token' };
    expect(routes({ [`${H}rewrite-path`]: '/x' }, acme).serving.rewrite).toEqual({ uri: '/x' });
    expect(routes({ [`${H}rewrite-target`]: '/x/$1' }, acme).serving.rewrite).toEqual({
      uriRegexRewrite: { match: '^/\\.well-known/acme-challenge/token(.*)', rewrite: '/x/\\1' },
    });
  });
});

describe('any combination of values: either every value is accepted and the VirtualService passes our Istio schema, or the KIngress is invalid', () => {
  const values = [
    '',
    ' ',
    '0',
    '5',
    '-3',
    '100',
    '308',
    'true',
    'off',
    'x y',
    'error http_502',
    'https://a.example.com',
    'shadow:80',
    '/v2',
    '/api/$1',
    'X-A b',
  ];
  const keys = [
    'timeout',
    'proxy-next-upstream-tries',
    'proxy-next-upstream',
    'enable-cors',
    'cors-allow-origin',
    'cors-max-age',
    'request-header-control-add',
    'mirror-target-service',
    'mirror-percentage',
    'rewrite-path',
    'rewrite-target',
    'permanent-redirect',
    'permanent-redirect-code',
  ];
  // A fixed pseudo-random walk (no clock, no Math.random): the same 300 combinations every run.
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const cases = Array.from({ length: 300 }, () =>
    Object.fromEntries(
      keys.filter(() => next(3) === 0).map((k) => [`${next(2) === 0 ? H : N}${k}`, values[next(values.length)] ?? '']),
    ),
  );

  test('300 combinations', () => {
    let valid = 0;
    for (const annotations of cases) {
      const ing: KIngress = kingress('hello', 'default', [
        rule(['hello.default.example.com'], 'ExternalIP', [servingPath()]),
      ]);
      ing.metadata.annotations = annotations;
      const checked = validateIngress(defaultIngress(ing));
      if (!checked.ok) {
        for (const e of checked.error)
          expect(e.path).toMatch(/^metadata\.annotations\["(higress\.io|nginx\.ingress\.kubernetes\.io)\/[a-z-]+"\]$/);
        continue;
      }
      valid += 1;
      for (const vs of makeVirtualServices(insertProbe(checked.value, 'hash'), gateways, opts)) {
        expect(virtualServiceSchema.safeParse(vs).error).toBeUndefined();
      }
    }
    // Both outcomes are exercised.
    expect(valid).toBeGreaterThan(5);
    expect(valid).toBeLessThan(cases.length);
  });
});
