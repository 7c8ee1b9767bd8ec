// What Higress's pilot settings change for net-higress's objects, shown with upstream istiod:
// * the cluster filter (PILOT_FILTER_GATEWAY_CLUSTER_CONFIG) sends a gateway only the clusters of hosts its
//   VirtualServices name, so a DomainMapping route to a KService's ExternalName placeholder arrives without
//   its cluster — unless the destination names the gateway Service itself, which net-higress does;
// * gateway port translation: without `experimental.istio.io/disable-gateway-port-translation` on the chart's
//   local gateway Service (80 → 8081), istiod moves the public port-80 listener to 8081.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { VirtualService } from '../../../src/api/istio.js';
import { renderDocuments } from '../../../src/cli/render-core.js';
import { parseDocuments } from '../../../src/cli/documents.js';
import { defaultIstioConfig } from '../../../src/config/istio.js';
import { reduceRoute } from '../../harness/gateway-oracle.js';
import { istioBinaries, type Istiod } from '../../harness/istiod.js';
import { eventually } from '../../harness/kube.js';
import { listenerPorts, outboundCluster, routeConfig, virtualHostFor, type GatewayXds } from '../../harness/xds.js';
import { admin, create } from '../chart/install.js';
import type { Wire } from '../operator/env.js';
import { backingServicesOf, exampleObjects, GatewayWorld } from './env.js';

const PORT_TRANSLATION_LABEL = 'experimental.istio.io/disable-gateway-port-translation';
const world = new GatewayWorld();
let unfiltered: Istiod;
let app: string;
let localGatewayHost: string;

const example = exampleObjects;

beforeAll(async () => {
  istioBinaries();
  await world.start();
  app = await world.namespace('app');
  localGatewayHost = `knative-local-gateway.${world.chart.higressNamespace}.svc.cluster.local`;
  const hello = example('hello.yaml', app).filter((o) => o.kind === 'Ingress');
  await world.services(backingServicesOf(hello));
  // The KService's placeholder: Knative Serving points it at the KIngress's private load balancer.
  await world.services([{ namespace: app, name: 'hello', ports: [80], externalName: localGatewayHost }]);
  await world.applyKIngresses(hello);
  unfiltered = await world.anotherIstiod({ PILOT_FILTER_GATEWAY_CLUSTER_CONFIG: 'false' });
}, 45 * 60_000);

afterAll(async () => {
  await unfiltered?.stop();
  await world.stop();
});

const mappedHost = 'hello.example.org';
const localCluster = () => outboundCluster(localGatewayHost, 80);
const mappingRoute = (xds: GatewayXds) =>
  (virtualHostFor(routeConfig(xds, 'http.80'), mappedHost)?.routes ?? []).map(reduceRoute);

describe("DomainMapping under Higress's cluster filter", () => {
  test("net-istio's VirtualService (destination: the placeholder): the route arrives, its cluster only without the filter", async () => {
    // What net-istio (and net-higress without the placeholder Service) writes for the DomainMapping.
    const mapping = example('domain-mapping.yaml', app)
      .filter((o) => o.kind === 'Ingress')
      .map((o) => ({ ...o, metadata: { ...o.metadata, name: 'as-net-istio' } }));
    const rendered = renderDocuments(parseDocuments(JSON.stringify(mapping[0]), 'domain-mapping'), {
      ingressClass: mapping[0]!.metadata.annotations!['networking.knative.dev/ingress.class']!,
      includeSecretData: false,
      istio: defaultIstioConfig({ systemNamespace: world.chart.systemNamespace, clusterDomain: 'cluster.local' }),
      clusterDomain: 'cluster.local',
      systemNamespace: world.chart.systemNamespace,
      meshVirtualService: false,
      clusterLocalDomainTLS: false,
      tlsSecretNamespaces: [],
    });
    expect(rendered.errors).toEqual([]);
    const vs = rendered.objects.find((o) => (o as VirtualService).kind === 'VirtualService') as VirtualService;
    expect(vs.spec.http.at(-1)?.route?.[0]?.destination.host).toBe(`hello.${app}.svc.cluster.local`);
    await create({ ...vs, metadata: { name: vs.metadata.name, namespace: app } });

    // Istio resolves the ExternalName alias: the route names the local gateway Service's cluster...
    const filtered = await eventually(
      'the DomainMapping route on the gateway',
      async () => {
        const xds = await world.received();
        return mappingRoute(xds).length > 0 ? xds : undefined;
      },
      60_000,
      250,
    );
    expect(mappingRoute(filtered).map((r) => r.clusters.map((c) => c.name))).toEqual([
      [localCluster()],
      [localCluster()],
    ]);
    // ...which the filtered gateway is never sent: the alias is what the VirtualService names, not its target.
    expect(filtered.clusters.map((c) => c.name)).not.toContain(localCluster());
    const all = await eventually(
      'the DomainMapping route without the filter',
      async () => {
        const xds = await world.received(unfiltered);
        return mappingRoute(xds).length > 0 ? xds : undefined;
      },
      60_000,
      250,
    );
    expect(all.clusters.map((c) => c.name)).toContain(localCluster());

    await admin.request({
      method: 'DELETE',
      path: `/apis/networking.istio.io/v1beta1/namespaces/${app}/virtualservices/${vs.metadata.name}`,
    });
    await eventually(
      'the hand-written DomainMapping route gone',
      async () => (mappingRoute(await world.received()).length === 0 ? true : undefined),
      60_000,
      250,
    );
  });

  test('net-higress names the local gateway Service: route and cluster both arrive under the filter', async () => {
    await world.applyKIngresses(example('domain-mapping.yaml', app).filter((o) => o.kind === 'Ingress'));
    const xds = await eventually(
      'the DomainMapping route',
      async () => {
        const got = await world.received();
        return mappingRoute(got).length > 0 ? got : undefined;
      },
      60_000,
      250,
    );
    const routes = mappingRoute(xds);
    expect(routes.map((r) => [r.clusters.map((c) => c.name), r.hostRewrite])).toEqual([
      [[localCluster()], `hello.${app}.svc.cluster.local`],
      [[localCluster()], `hello.${app}.svc.cluster.local`],
    ]);
    expect(routes[1]!.set).toEqual({ 'K-Original-Host': mappedHost });
    expect(xds.clusters.map((c) => c.name)).toContain(localCluster());
    // And the whole world still conforms (every route, every cluster).
    const { verdict } = await world.conforms();
    expect(verdict.problems).toEqual([]);
  });
});

describe("gateway port translation and the chart's local gateway Service", () => {
  const servicePath = () => `/api/v1/namespaces/${world.chart.higressNamespace}/services/knative-local-gateway`;
  const external = () => `hello.${app}.example.com`;

  test('the chart labels its local gateway Service, and the public listener on 80 serves the external host', async () => {
    const svc = await admin.request<Wire>({ method: 'GET', path: servicePath() });
    expect(svc.metadata.labels?.[PORT_TRANSLATION_LABEL]).toBe('true');
    // Created before Higress's gateway Service: the order in which, without the label, istiod translates 80 → 8081.
    const xds = await world.received();
    expect(listenerPorts(xds)).toContain(80);
    expect(virtualHostFor(routeConfig(xds, 'http.80'), external())).toBeDefined();
  });

  test('without the label istiod moves port 80 to 8081 and the public listener disappears (so the test above can fail)', async () => {
    await admin.request({
      method: 'PATCH',
      path: servicePath(),
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { [PORT_TRANSLATION_LABEL]: null } } },
    });
    try {
      const xds = await eventually(
        'port 80 translated away',
        async () => {
          const got = await world.received();
          return listenerPorts(got).includes(80) ? undefined : got;
        },
        60_000,
        250,
      );
      expect(routeConfig(xds, 'http.80')).toBeUndefined();
    } finally {
      await admin.request({
        method: 'PATCH',
        path: servicePath(),
        contentType: 'application/merge-patch+json',
        body: { metadata: { labels: { [PORT_TRANSLATION_LABEL]: 'true' } } },
      });
    }
    await eventually(
      'port 80 back',
      async () => (listenerPorts(await world.received()).includes(80) ? true : undefined),
      60_000,
      250,
    );
  });
});
