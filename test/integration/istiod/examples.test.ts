// Every example KIngress, through net-higress's controller, into upstream istiod run as Higress runs it:
// the routes, virtual hosts and clusters a Higress gateway proxy receives, route by route.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { judge, reduceRoute, type Verdict } from '../../harness/gateway-oracle.js';
import { istioBinaries } from '../../harness/istiod.js';
import {
  listenerPorts,
  outboundCluster,
  routeConfig,
  virtualHostFor,
  type GatewayXds,
  type VirtualHost,
} from '../../harness/xds.js';
import { create } from '../chart/install.js';
import type { Wire } from '../operator/env.js';
import { backingServicesOf, exampleObjects, GatewayWorld } from './env.js';

const world = new GatewayWorld();
/** Example file → the namespace its objects were moved to (the files all say `default`). */
const ns: Record<string, string> = {};
let xds: GatewayXds;
let verdict: Verdict;

const example = exampleObjects;

// Each example is one state of a KService, so each gets its own namespace; the DomainMapping maps to the
// KService of hello.yaml, so they share one.
const FILES = ['hello.yaml', 'traffic-split.yaml', 'tls.yaml', 'tls-redirected.yaml', 'cluster-local.yaml'];

beforeAll(async () => {
  istioBinaries();
  await world.start();
  const kingresses: Wire[] = [];
  for (const file of FILES) {
    ns[file] = await world.namespace(file.replace('.yaml', ''));
    const objs = example(file, ns[file]);
    await world.objects(objs.filter((o) => o.kind === 'Secret'));
    kingresses.push(...objs.filter((o) => o.kind === 'Ingress'));
  }
  ns['domain-mapping.yaml'] = ns['hello.yaml']!;
  const mapping = example('domain-mapping.yaml', ns['hello.yaml']!).filter((o) => o.kind === 'Ingress');
  await world.services(backingServicesOf(kingresses));
  // The KService's placeholder Service, as Knative Serving points it at the KIngress's private load balancer.
  await world.services([
    {
      namespace: ns['hello.yaml']!,
      name: 'hello',
      ports: [80],
      externalName: `knative-local-gateway.${world.chart.higressNamespace}.svc.cluster.local`,
    },
  ]);
  await world.applyKIngresses([...kingresses, ...mapping]);
  ({ verdict, xds } = await world.conforms());
}, 45 * 60_000);

afterAll(async () => {
  await world.stop();
});

/** Whether an analyzer message's origin (`Kind namespace/name` or `Kind name.namespace`) is in `namespace`. */
const about = (origin: string, namespace: string) =>
  origin.includes(` ${namespace}/`) || origin.endsWith(`.${namespace}`);
const hostIn = (file: string, name = 'hello') => `${name}.${ns[file]}`;
const vhost = (rc: string, host: string): VirtualHost => {
  const vh = virtualHostFor(routeConfig(xds, rc), host);
  if (!vh)
    throw new Error(`no virtual host for ${host} in ${rc}; route configs: ${xds.routes.map((r) => r.name).join(', ')}`);
  return vh;
};

describe('what the Higress gateway receives for the examples', () => {
  test('the oracle found every written route, host and cluster as Istio must serve it', () => {
    expect(verdict.problems).toEqual([]);
    expect(verdict.routes).toBeGreaterThan(20);
    expect(verdict.clusters).toBeGreaterThan(4);
    expect(xds.invalid).toEqual([]);
    process.stderr.write(
      `[istiod examples] ${verdict.virtualHosts} virtual hosts, ${verdict.routes} routes, ${verdict.clusters} clusters checked\n`,
    );
  });

  test('listeners on 80 and 8081, and 443 for the TLS examples', () => {
    expect(listenerPorts(xds)).toEqual([80, 443, 8081]);
    expect(xds.routes.map((r) => r.name)).toEqual(expect.arrayContaining(['http.80', 'http.8081']));
  });

  test('hello: one virtual host per VirtualService and port, every expanded host a domain', () => {
    const base = hostIn('hello.yaml');
    const hosts = [base, `${base}.example.com`, `${base}.svc`, `${base}.svc.cluster.local`];
    for (const rc of ['http.80', 'http.8081']) {
      const vhosts = (routeConfig(xds, rc)?.virtualHosts ?? []).filter((vh) =>
        vh.domains.some((d) => hosts.includes(d)),
      );
      expect(vhosts).toHaveLength(1);
      expect([...vhosts[0]!.domains].sort()).toEqual(hosts);
    }
  });

  test('hello: the probe route first, then the serving route; authority prefix, no retries, no timeout', () => {
    const routes = (vhost('http.80', `${hostIn('hello.yaml')}.example.com`).routes ?? []).map(reduceRoute);
    const revision = outboundCluster(`hello-00001.${ns['hello.yaml']}.svc.cluster.local`, 80);
    expect(routes.map((r) => [r.headersExact, r.clusters.map((c) => c.name), r.retries, r.timeout])).toEqual([
      [{ 'K-Network-Hash': 'override' }, [revision], false, '0s'],
      [{}, [revision], false, '0s'],
    ]);
    for (const r of routes) expect(r.authorityPrefix).toBe(`${hostIn('hello.yaml')}.example.com`);
    expect(routes[1]!.set).toEqual({
      'Knative-Serving-Namespace': ns['hello.yaml'],
      'Knative-Serving-Revision': 'hello-00001',
    });
    expect(routes[0]!.set['K-Network-Hash']).toMatch(/^[0-9a-f]{64}$/);
  });

  test('traffic split: weighted clusters with their weights and per-split headers; tag routes match the tag header', () => {
    const routes = (vhost('http.80', `${hostIn('traffic-split.yaml')}.example.com`).routes ?? []).map(reduceRoute);
    const serving = routes.find((r) => Object.keys(r.headersExact).length === 0)!;
    expect(serving.clusters.map((c) => c.weight)).toEqual([50, 50]);
    for (const c of serving.clusters) {
      const revision = /^outbound\|80\|\|(hello-\d+)\./.exec(c.name)?.[1];
      expect(c.set).toEqual({
        'Knative-Serving-Namespace': ns['traffic-split.yaml'],
        'Knative-Serving-Revision': revision,
      });
    }
    expect(routes.some((r) => r.headersExact['Knative-Serving-Tag'] === 'candidate')).toBe(true);
  });

  test('TLS: an HTTPS route configuration for the external host; TLS redirect requires TLS on port 80', () => {
    const external = `${hostIn('tls.yaml')}.example.com`;
    const https = xds.routes.filter((r) => r.name.startsWith('https.443.') && r.name.endsWith(`.${ns['tls.yaml']}`));
    expect(https).toHaveLength(1);
    expect(virtualHostFor(https[0], external)).toBeDefined();
    expect(vhost('http.80', external).requireTls).toBeUndefined();
    expect(vhost('http.80', `${hostIn('tls-redirected.yaml')}.example.com`).requireTls).toBe('ALL');
  });

  test('cluster-local: only on 8081', () => {
    const host = `${hostIn('cluster-local.yaml', 'internal')}.svc.cluster.local`;
    expect(vhost('http.8081', host)).toBeDefined();
    expect(virtualHostFor(routeConfig(xds, 'http.80'), host)?.routes ?? []).toEqual([]);
  });

  test('Envoy route names are the VirtualService route names', async () => {
    const { virtualServices } = await world.written();
    const written = new Set(virtualServices.flatMap((vs) => vs.spec.http.map((r) => r.name)));
    const received = new Set(
      xds.routes.flatMap((rc) => (rc.virtualHosts ?? []).flatMap((vh) => (vh.routes ?? []).map((r) => r.name))),
    );
    expect([...received].sort()).toEqual([...written].sort());
  });

  test('istioctl analyze reports nothing for our objects', async () => {
    const ours = [...new Set(Object.values(ns).concat([world.chart.systemNamespace, world.chart.higressNamespace]))];
    expect((await world.analyze()).filter((m) => ours.some((n) => about(m.origin, n)))).toEqual([]);
  });

  test('istioctl analyze does report a VirtualService bound to a missing Gateway (the check above can fail)', async () => {
    const other = await world.namespace('broken');
    await create({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: { name: 'orphan', namespace: other },
      spec: {
        hosts: ['orphan.example.com'],
        gateways: [`${other}/missing`],
        http: [{ route: [{ destination: { host: 'orphan' } }] }],
      },
    });
    const messages = (await world.analyze()).filter((m) => about(m.origin, other));
    expect(messages.map((m) => m.code)).toContain('IST0101');
  });

  test('judge fails on a route the gateway did not receive (the oracle can fail)', () => {
    const broken = structuredClone(xds);
    broken.routes = broken.routes.map((rc) => ({
      ...rc,
      virtualHosts: (rc.virtualHosts ?? []).map((vh) => ({ ...vh, routes: (vh.routes ?? []).slice(1) })),
    }));
    broken.clusters = broken.clusters.slice(1);
    return world.written().then(({ virtualServices, gateways }) => {
      expect(judge(broken, virtualServices, gateways).problems.length).toBeGreaterThan(0);
    });
  });
});
