// Higress route annotations and Higress plugin targets, on the Envoy routes upstream istiod generates for the
// Higress gateway: the annotations land on the serving routes only (the probe routes keep no retries and no
// timeout), and a WasmPlugin rule targeting a KIngress by route (`<namespace>/<name>`) names its serving
// routes and never a probe route.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { judge, reduceRoute, type Verdict } from '../../harness/gateway-oracle.js';
import { istioBinaries } from '../../harness/istiod.js';
import { routeConfig, virtualHostFor, type EnvoyRoute, type GatewayXds } from '../../harness/xds.js';
import type { Wire } from '../operator/env.js';
import { backingServicesOf, exampleObjects, GatewayWorld } from './env.js';

const world = new GatewayWorld();
const ns: Record<string, string> = {};
let xds: GatewayXds;
let verdict: Verdict;

/** annotations.yaml's KIngress with other annotations in place of the example's. */
function variant(namespace: string, annotations: Record<string, string>): Wire {
  const ing = exampleObjects('annotations.yaml', namespace).find((o) => o.kind === 'Ingress')!;
  const kept = Object.entries(ing.metadata.annotations ?? {}).filter(
    ([k]) => !k.startsWith('higress.io/') && !k.startsWith('nginx.ingress.kubernetes.io/'),
  );
  ing.metadata.annotations = { ...Object.fromEntries(kept), ...annotations };
  return ing;
}

beforeAll(async () => {
  istioBinaries();
  await world.start();
  for (const key of ['hello', 'annotations', 'rewrite', 'redirect']) ns[key] = await world.namespace(key);
  const kingresses = [
    ...exampleObjects('hello.yaml', ns.hello!).filter((o) => o.kind === 'Ingress'),
    ...exampleObjects('annotations.yaml', ns.annotations!).filter((o) => o.kind === 'Ingress'),
    variant(ns.rewrite!, {
      'higress.io/rewrite-target': '/api/$1',
      'nginx.ingress.kubernetes.io/proxy-next-upstream-tries': '3',
      'nginx.ingress.kubernetes.io/proxy-next-upstream': 'http_502,non_idempotent',
    }),
    variant(ns.redirect!, {
      'higress.io/permanent-redirect': 'https://example.com/new',
      'higress.io/permanent-redirect-code': '308',
    }),
  ];
  await world.services(backingServicesOf(kingresses));
  await world.services([{ namespace: ns.annotations!, name: 'hello-shadow', ports: [80] }]);
  await world.applyKIngresses(kingresses);
  ({ verdict, xds } = await world.conforms());
}, 45 * 60_000);

afterAll(async () => {
  await world.stop();
});

const isProbe = (r: EnvoyRoute) =>
  (r.match.headers ?? []).some(
    (h) => h.name === 'K-Network-Hash' && (h.stringMatch?.exact ?? h.exactMatch) === 'override',
  );

/** Every Envoy route of the gateway (all route configurations and virtual hosts). */
const allRoutes = (): EnvoyRoute[] =>
  xds.routes.flatMap((rc) => (rc.virtualHosts ?? []).flatMap((vh) => vh.routes ?? []));

/** The routes of `namespace`'s KIngress `hello` on port 80's external host: [probe, serving]. */
function helloRoutes(namespace: string): EnvoyRoute[] {
  const vh = virtualHostFor(routeConfig(xds, 'http.80'), `hello.${namespace}.example.com`);
  if (!vh) throw new Error(`no virtual host for hello.${namespace}.example.com`);
  return vh.routes ?? [];
}

describe('Higress route annotations on the Envoy routes', () => {
  test('the oracle found every route, with its annotation policies, as the VirtualServices say', () => {
    expect(verdict.problems).toEqual([]);
    expect(xds.invalid).toEqual([]);
    const withExtras = allRoutes()
      .map(reduceRoute)
      .filter((r) => r.extras);
    // annotations, rewrite and redirect: one serving route each on 80 and on 8081.
    expect(withExtras).toHaveLength(6);
    process.stderr.write(
      `[istiod annotations] ${verdict.routes} routes judged, ${withExtras.length} with annotation policies\n`,
    );
  });

  test('the oracle fails on a dropped mirror, a changed timeout or retry condition (it can fail)', async () => {
    const broken = structuredClone(xds);
    const name = `${ns.annotations}/hello`;
    for (const r of broken.routes
      .flatMap((rc) => (rc.virtualHosts ?? []).flatMap((vh) => vh.routes ?? []))
      .filter((r) => r.name === name)) {
      r.route!.timeout = '15s';
      delete r.route!.requestMirrorPolicies;
      (r.route!.retryPolicy as { retryOn: string }).retryOn = '5xx';
    }
    const { virtualServices, gateways } = await world.written();
    const problems = judge(broken, virtualServices, gateways).problems;
    expect(problems).toHaveLength(2);
    for (const p of problems) expect(p).toContain(`${ns.annotations}/hello-ingress route 1`);
  });

  test('annotations.yaml: timeout, retries, CORS, headers and mirror, verbatim on the serving route', () => {
    const [probe, serving] = helloRoutes(ns.annotations!);
    expect(isProbe(probe!)).toBe(true);
    expect(serving!.name).toBe(`${ns.annotations}/hello`);
    expect(serving!.route?.timeout).toBe('30s');
    expect(serving!.route?.retryPolicy).toMatchObject({
      retryOn: '5xx,retriable-status-codes',
      numRetries: 2,
      perTryTimeout: '10s',
      retriableStatusCodes: [503],
    });
    expect(serving!.typedPerFilterConfig).toMatchObject({
      'envoy.filters.http.cors': {
        allowOriginStringMatch: [{ exact: 'https://app.example.com' }, { safeRegex: { regex: '.*\\.example\\.org' } }],
        allowMethods: 'GET,PUT,POST,DELETE,PATCH,OPTIONS',
        maxAge: '1728000',
        allowCredentials: false,
      },
    });
    expect(serving!.requestHeadersToAdd).toContainEqual({ header: { key: 'X-Env', value: 'prod' } });
    expect(serving!.responseHeadersToRemove).toEqual(['Server']);
    expect(serving!.route?.requestMirrorPolicies).toMatchObject([
      {
        cluster: `outbound|80||hello-shadow.${ns.annotations}.svc.cluster.local`,
        runtimeFraction: { defaultValue: { numerator: 100_000, denominator: 'MILLION' } },
      },
    ]);
  });

  test('rewrite-target and non_idempotent: a regex rewrite; istiod passes non_idempotent on in retry_on', () => {
    const serving = helloRoutes(ns.rewrite!)[1]!;
    expect(serving.route?.regexRewrite).toEqual({ pattern: { regex: '^/(.*)' }, substitution: '/api/\\1' });
    expect(serving.route?.retryPolicy).toMatchObject({
      retryOn: 'non_idempotent,retriable-status-codes',
      numRetries: 3,
      retriableStatusCodes: [502],
    });
    expect(serving.route?.timeout).toBe('0s');
  });

  test('permanent-redirect: a redirect instead of an upstream', () => {
    const serving = helloRoutes(ns.redirect!)[1]!;
    expect(serving.route).toBeUndefined();
    expect(serving.redirect).toEqual({
      schemeRedirect: 'https',
      hostRedirect: 'example.com',
      pathRedirect: '/new',
      responseCode: 'PERMANENT_REDIRECT',
    });
  });

  test('probe routes carry none of the annotations: no retry policy, timeout 0s, no CORS, mirror, rewrite or redirect', () => {
    const probes = allRoutes().filter(isProbe);
    // Four KIngresses, each a probe route on 80 (external host) and 8081 (cluster-local hosts).
    expect(probes).toHaveLength(8);
    for (const p of probes) {
      const r = reduceRoute(p);
      expect([p.name, r.timeout, r.retries, r.extras, r.other]).toEqual([p.name, '0s', false, undefined, []]);
      expect(p.redirect).toBeUndefined();
    }
  });
});

describe('Higress plugins target serving routes, never probe routes', () => {
  test('serving routes are named <ns>/<name>, probe routes knative-probe/<ns>/<name>', () => {
    const routes = allRoutes();
    const probes = routes.filter(isProbe);
    const serving = routes.filter((r) => !isProbe(r));
    expect(serving.length).toBeGreaterThanOrEqual(8);
    for (const key of Object.keys(ns)) {
      expect(serving.filter((r) => r.name === `${ns[key]}/hello`)).toHaveLength(2);
      expect(probes.filter((r) => r.name === `knative-probe/${ns[key]}/hello`)).toHaveLength(2);
    }
    expect(new Set(serving.map((r) => r.name)).size).toBe(Object.keys(ns).length);
    expect(probes.every((r) => r.name!.startsWith('knative-probe/'))).toBe(true);
    process.stderr.write(
      `[istiod annotations] ${serving.length} serving routes, ${probes.length} probe routes named\n`,
    );
  });

  test("the wasmplugin examples target hello.yaml's serving routes and no probe route", () => {
    const targets = ['wasmplugin-key-auth.yaml', 'wasmplugin-key-rate-limit.yaml']
      .flatMap((file) => exampleObjects(file, ns.hello!))
      .filter((o) => o.kind === 'WasmPlugin')
      .flatMap((o) =>
        ((o.spec as { matchRules?: Array<{ ingress?: string[] }> }).matchRules ?? []).flatMap((m) => m.ingress ?? []),
      );
    expect(targets).toEqual([`${ns.hello}/hello`, `${ns.hello}/hello`]);
    const routes = allRoutes();
    const probeNames = routes.filter(isProbe).map((r) => r.name ?? '');
    for (const t of targets) {
      expect(routes.filter((r) => r.name === t).every((r) => !isProbe(r))).toBe(true);
      expect(routes.filter((r) => r.name === t)).toHaveLength(2);
      expect(probeNames.filter((n) => n === t || n.startsWith(t))).toEqual([]);
    }
  });
});
