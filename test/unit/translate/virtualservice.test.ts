import { describe, expect, test } from '@jest/globals';
import { virtualServiceSchema } from '../../../src/api/istio.js';
import { insertProbe } from '../../../src/translate/probe.js';
import { makeVirtualServices, type GatewayNames } from '../../../src/translate/virtualservice.js';
import { asIs, kingress, rule, split } from './fixtures.js';

const SYSNS = 'knative-testing';
const opts = (meshVirtualService = true) => ({
  clusterDomain: 'cluster.local',
  systemNamespace: SYSNS,
  meshVirtualService,
});
const defaultGateways: GatewayNames = { external: ['gateway'], local: ['private-gateway'] };
const none: GatewayNames = { external: [], local: [] };
const defaultPath = [{ splits: [split('test', 'test', 8080, 100)] }];
const routeLabels = { 'serving.knative.dev/route': 'test-route', 'serving.knative.dev/routeNamespace': 'test-ns' };

// net-istio's VirtualService cases, the builders called directly as its tests call them.
describe('VirtualService metadata', () => {
  test.each([
    {
      name: 'mesh and ingress',
      ns: undefined,
      labels: { 'networking.internal.knative.dev/ingress': 'test-ingress', ...routeLabels },
      host: 'test-route.test-ns.svc.cluster.local',
      gateways: defaultGateways,
      want: [
        ['test-mesh', SYSNS],
        ['test-ingress', SYSNS],
      ],
    },
    {
      name: 'ingress only',
      ns: undefined,
      labels: routeLabels,
      host: 'test-route.test-ns.example.com',
      gateways: defaultGateways,
      want: [['test-ingress', SYSNS]],
    },
    {
      name: 'mesh only',
      ns: undefined,
      labels: undefined,
      host: 'test-route.test-ns.svc.cluster.local',
      gateways: none,
      want: [['test-mesh', SYSNS]],
    },
    {
      name: 'mesh only with namespace',
      ns: 'test-ns',
      labels: undefined,
      host: 'test-route.test-ns.svc.cluster.local',
      gateways: none,
      want: [['test-mesh', 'test-ns']],
    },
  ])('$name', ({ ns, labels, host, gateways, want }) => {
    const ing = kingress('test', ns, [rule([host], 'ExternalIP', defaultPath)], {}, labels);
    const vses = makeVirtualServices(asIs(ing), gateways, opts());
    expect(vses.map((v) => [v.metadata.name, v.metadata.namespace])).toEqual(want);
    for (const vs of vses) {
      // Only the route labels survive, plus the ingress label naming the KIngress.
      expect(vs.metadata.labels).toEqual({
        'networking.internal.knative.dev/ingress': 'test',
        ...(labels ? routeLabels : {}),
      });
      expect(vs.metadata.annotations).toBeUndefined();
      expect(vs.metadata.ownerReferences).toEqual([
        {
          apiVersion: 'networking.internal.knative.dev/v1alpha1',
          kind: 'Ingress',
          name: 'test',
          uid: 'test-uid',
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
  });

  test('KIngress annotations are copied in full; the mesh VS is off unless asked for', () => {
    const ing = kingress('test', 'test-ns', [
      rule(['test-route.test-ns.svc.cluster.local'], 'ExternalIP', defaultPath),
    ]);
    ing.metadata.annotations = { b: '2', a: '1' };
    const vses = makeVirtualServices(asIs(ing), defaultGateways, opts(false));
    expect(vses.map((v) => v.metadata.name)).toEqual(['test-ingress']);
    expect(vses[0]?.metadata.annotations).toEqual({ a: '1', b: '2' });
  });
});

describe('VirtualService gateways', () => {
  const gws: GatewayNames = {
    external: ['knative-ingress-gateway/knative-serving'],
    local: ['knative-local-gateway/knative-serving'],
  };
  const local = rule(['test.svc.cluster.local'], 'ClusterLocal', defaultPath);
  const pub = rule(['test.example.com'], 'ExternalIP', defaultPath);
  test.each([
    ['local visibility', [local], ['knative-local-gateway/knative-serving']],
    ['public visibility', [pub], ['knative-ingress-gateway/knative-serving']],
    [
      'local and public visibility',
      [local, pub],
      ['knative-ingress-gateway/knative-serving', 'knative-local-gateway/knative-serving'],
    ],
  ])('%s', (_n, rules, want) => {
    const vs = makeVirtualServices(asIs(kingress('test', 'test-ns', rules)), gws, opts(false))[0];
    expect(vs?.spec.gateways).toEqual(want);
  });

  test('mesh VS binds only to mesh', () => {
    const vs = makeVirtualServices(asIs(kingress('test', 'test-ns', [local])), gws, opts())[0];
    expect(vs?.metadata.name).toBe('test-mesh');
    expect(vs?.spec.gateways).toEqual(['mesh']);
  });

  test('several public gateways', () => {
    const ing = kingress('test-ingress', SYSNS, [
      rule(['test-route.test-ns.svc.cluster.local'], 'ExternalIP', defaultPath),
    ]);
    const vs = makeVirtualServices(
      asIs(ing),
      { external: ['knative-testing/gateway-one', 'knative-testing/gateway-two'], local: [] },
      opts(false),
    )[0];
    expect(vs?.spec.gateways).toEqual(['knative-testing/gateway-one', 'knative-testing/gateway-two']);
  });
});

describe('mesh VirtualService hosts', () => {
  const ing = kingress('test', 'test-ns', [rule(['test-route.test-ns.svc.cluster.local'], 'ExternalIP', defaultPath)]);
  test('expanded when a cluster-local gateway exists', () => {
    const vs = makeVirtualServices(asIs(ing), { external: [], local: ['cluster-local'] }, opts())[0];
    expect(vs?.spec.hosts).toEqual([
      'test-route.test-ns',
      'test-route.test-ns.svc',
      'test-route.test-ns.svc.cluster.local',
    ]);
  });
  test('not expanded without one', () => {
    const vs = makeVirtualServices(asIs(ing), none, opts())[0];
    expect(vs?.spec.hosts).toEqual(['test-route.test-ns.svc.cluster.local']);
  });
});

describe('routes', () => {
  test('mesh routes: only the cluster-local host, headers set per split and per path (#11)', () => {
    const ing = kingress('test', 'test-ns', [
      rule(['test-route.test-ns.svc.cluster.local'], 'ClusterLocal', [
        {
          path: '/pets/',
          splits: [split('v2-service', 'test-ns', 80, 100, { ugh: 'blah' })],
          appendHeaders: { foo: 'bar' },
        },
      ]),
      rule(['v1.domain.com'], 'ClusterLocal', [
        { path: '/pets/', splits: [split('v1-service', 'test-ns', 80, 100)], appendHeaders: { foo: 'baz' } },
      ]),
    ]);
    const [mesh] = makeVirtualServices(asIs(ing), none, opts());
    expect(mesh?.spec.http).toEqual([
      {
        name: 'test-ns/test',
        match: [{ gateways: ['mesh'], authority: { prefix: 'test-route.test-ns' }, uri: { prefix: '/pets/' } }],
        route: [
          {
            destination: { host: 'v2-service.test-ns.svc.cluster.local', port: { number: 80 } },
            weight: 100,
            headers: { request: { set: { ugh: 'blah' } } },
          },
        ],
        headers: { request: { set: { foo: 'bar' } } },
        retries: {},
      },
    ]);
  });

  test('ingress routes: one match per host prefix; unset visibility gets no gateways (#13)', () => {
    const ing = kingress('test', 'test-ns', [
      rule(['domain.com', 'test-route.test-ns.svc.cluster.local'], 'ExternalIP', [
        {
          path: '/pets/',
          splits: [split('v2-service', 'test-ns', 80, 100, { ugh: 'blah' })],
          appendHeaders: { foo: 'bar' },
        },
      ]),
      rule(['v1.domain.com'], undefined, [
        { path: '/pets/', splits: [split('v1-service', 'test-ns', 80, 100)], appendHeaders: { foo: 'baz' } },
      ]),
    ]);
    const [vs] = makeVirtualServices(
      asIs(ing),
      { external: ['gateway.public'], local: ['gateway.private'] },
      opts(false),
    );
    expect(vs?.spec.http).toEqual([
      {
        name: 'test-ns/test',
        match: [
          { gateways: ['gateway.public'], authority: { prefix: 'domain.com' }, uri: { prefix: '/pets/' } },
          { gateways: ['gateway.public'], authority: { prefix: 'test-route.test-ns' }, uri: { prefix: '/pets/' } },
        ],
        route: [
          {
            destination: { host: 'v2-service.test-ns.svc.cluster.local', port: { number: 80 } },
            weight: 100,
            headers: { request: { set: { ugh: 'blah' } } },
          },
        ],
        headers: { request: { set: { foo: 'bar' } } },
        retries: {},
      },
      {
        name: 'test-ns/test',
        match: [{ gateways: [], authority: { prefix: 'v1.domain.com' }, uri: { prefix: '/pets/' } }],
        route: [{ destination: { host: 'v1-service.test-ns.svc.cluster.local', port: { number: 80 } }, weight: 100 }],
        headers: { request: { set: { foo: 'baz' } } },
        retries: {},
      },
    ]);
  });

  const one = (hosts: string[], path: object, gateways = ['gateway-1']) =>
    makeVirtualServices(
      asIs(kingress('test', 'test-ns', [{ hosts, visibility: 'ExternalIP', http: { paths: [path] } }])),
      { external: gateways, local: [] },
      opts(false),
    )[0]?.spec.http[0];

  test('rewriteHost (#14)', () => {
    expect(
      one(['a.vanity.url', 'another.vanity.url'], {
        rewriteHost: 'the.target.host',
        splits: [split('the-svc', 'the-ns', 8080, 100)],
      }),
    ).toEqual({
      name: 'test-ns/test',
      match: [
        { gateways: ['gateway-1'], authority: { prefix: 'a.vanity.url' } },
        { gateways: ['gateway-1'], authority: { prefix: 'another.vanity.url' } },
      ],
      route: [{ destination: { host: 'the-svc.the-ns.svc.cluster.local', port: { number: 8080 } }, weight: 100 }],
      rewrite: { authority: 'the.target.host' },
      retries: {},
    });
  });

  test('header matches are all kept, AND (#15)', () => {
    const route = one(['a.com', 'b.org'], {
      headers: { 'my-header': { exact: 'my-header-value' }, 'my-second-header': { exact: 'my-second-header-value' } },
      splits: [split('revision-service', 'test-ns', 80, 100)],
    });
    const headers = {
      'my-header': { exact: 'my-header-value' },
      'my-second-header': { exact: 'my-second-header-value' },
    };
    expect(route?.match).toEqual([
      { gateways: ['gateway-1'], authority: { prefix: 'a.com' }, headers },
      { gateways: ['gateway-1'], authority: { prefix: 'b.org' }, headers },
    ]);
  });

  test('internal hosts collapse to one authority prefix (#16)', () => {
    const route = one(['a.default', 'a.default.svc', 'a.default.svc.cluster.local'], {
      splits: [split('s', 'test-ns', 80, 100)],
    });
    expect(route?.match.map((m) => m.authority)).toEqual([{ prefix: 'a.default' }]);
  });

  test('two targets keep order and weights; weight 0 is omitted (#17)', () => {
    const route = one(
      ['test.org'],
      {
        splits: [
          split('revision-service', 'test-ns', 80, 90),
          split('new-revision-service', 'test-ns', 81, 10),
          split('zero', 'test-ns', 82, 0),
        ],
      },
      ['knative-testing/gateway-1'],
    );
    expect(route?.route).toEqual([
      { destination: { host: 'revision-service.test-ns.svc.cluster.local', port: { number: 80 } }, weight: 90 },
      { destination: { host: 'new-revision-service.test-ns.svc.cluster.local', port: { number: 81 } }, weight: 10 },
      { destination: { host: 'zero.test-ns.svc.cluster.local', port: { number: 82 } } },
    ]);
  });

  test('a named service port leaves the port selector empty (as net-istio serialises it), a numeric string gives its number', () => {
    const route = one(['x.org'], { splits: [split('a', 'test-ns', 'http', 50), split('b', 'test-ns', '8012', 50)] });
    expect(route?.route?.map((r) => r.destination.port)).toEqual([{}, { number: 8012 }]);
  });

  test('hosts of a rule are taken literally: a rule whose hosts are all dropped yields no route', () => {
    const ing = kingress('test', 'test-ns', [
      rule(['10.0.0.1'], 'ExternalIP', defaultPath),
      rule(['ok.example.com'], 'ExternalIP', defaultPath),
    ]);
    const [vs] = makeVirtualServices(asIs(ing), { external: ['g/w'], local: [] }, opts(false));
    expect(vs?.spec.hosts).toEqual(['ok.example.com']);
    expect(vs?.spec.http.map((r) => r.match[0]?.authority?.prefix)).toEqual(['ok.example.com']);
  });

  test('no VirtualService when no rule has a gateway', () => {
    const ing = kingress('test', 'test-ns', [rule(['ok.example.com'], 'ExternalIP', defaultPath)]);
    expect(makeVirtualServices(asIs(ing), { external: [], local: ['l/g'] }, opts(false))).toEqual([]);
  });

  test('every emitted VirtualService parses with our Istio schema', () => {
    const ing = kingress('test', 'test-ns', [
      rule(['a.example.com', 'a.test-ns.svc.cluster.local'], 'ExternalIP', defaultPath),
    ]);
    for (const vs of makeVirtualServices(asIs(ing), defaultGateways, opts()))
      expect(virtualServiceSchema.safeParse(vs).success).toBe(true);
  });
});

// Istio names the Envoy route `<http.name>` (`.<match.name>` appended only for named matches, which we never
// write); Higress's plugin rule matcher compares `matchRules[].ingress` (`_match_route_`) with it for equality,
// and the SDK-only `_match_route_prefix_` with startsWith.
describe('probe routes are named apart from serving routes (Higress WasmPlugin matchRules.ingress)', () => {
  const envoyRouteNames = (http: ReadonlyArray<{ name?: string | undefined; match: readonly object[] }>) =>
    http.flatMap((r) =>
      r.match.map((m) => {
        const matchName = (m as { name?: string }).name;
        return matchName ? `${r.name}.${matchName}` : (r.name ?? '');
      }),
    );
  const ing = kingress('hello', 'default', [
    rule(['hello.default.example.com'], 'ExternalIP', [{ splits: [split('hello-00001', 'default', 80, 100)] }]),
    rule(['hello.default.svc.cluster.local'], 'ClusterLocal', [{ splits: [split('hello-00001', 'default', 80, 100)] }]),
  ]);
  const http =
    makeVirtualServices(insertProbe(asIs(ing), 'h'.repeat(64)), defaultGateways, opts(false))[0]?.spec.http ?? [];
  const probes = http.filter((r) => r.match.every((m) => m.headers?.['K-Network-Hash']?.exact === 'override'));
  const serving = http.filter((r) => !probes.includes(r));

  test('serving routes keep exactly <namespace>/<name>; probe routes are knative-probe/<namespace>/<name>', () => {
    expect(probes).toHaveLength(2);
    expect(serving).toHaveLength(2);
    expect(new Set(envoyRouteNames(serving))).toEqual(new Set(['default/hello']));
    expect(new Set(envoyRouteNames(probes))).toEqual(new Set(['knative-probe/default/hello']));
    expect(http.every((r) => r.match.every((m) => !('name' in m)))).toBe(true);
  });

  test.each(['default/hello', 'default/', 'default', 'default/hello/'])(
    'a rule naming %j matches no probe route, by equality or by prefix',
    (rule) => {
      for (const name of envoyRouteNames(probes)) {
        expect(name === rule).toBe(false);
        expect(name.startsWith(rule)).toBe(false);
      }
    },
  );
});

describe('header values the gateway sets', () => {
  test('a literal % is written %% (Envoy reads %...% as a command); the input is left alone', () => {
    const appendHeaders = { 'X-Share': '50%' };
    const ing = kingress('pct', 'test-ns', [
      rule(['pct.example.com'], 'ExternalIP', [
        { splits: [split('a', 'test-ns', 80, 100, { 'X-Cmd': '%DOWNSTREAM_REMOTE_ADDRESS%' })], appendHeaders },
      ]),
    ]);
    const [vs] = makeVirtualServices(asIs(ing), defaultGateways, opts(false));
    expect(vs?.spec.http[0]?.headers?.request?.set).toEqual({ 'X-Share': '50%%' });
    expect(vs?.spec.http[0]?.route?.[0]?.headers?.request?.set).toEqual({ 'X-Cmd': '%%DOWNSTREAM_REMOTE_ADDRESS%%' });
    expect(appendHeaders).toEqual({ 'X-Share': '50%' });
  });
});
