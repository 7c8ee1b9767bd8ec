// In-memory stand-ins for the prober's cluster view, and translated KIngresses, for unit tests.
import { readFileSync } from 'node:fs';
import type { Secret } from '../../../src/api/core.js';
import type { EndpointSlice } from '../../../src/api/discovery.js';
import type { ObjectRef } from '../../../src/api/meta.js';
import type { GatewayCluster } from '../../../src/prober/discovery.js';
import type { GatewayServer, ServicePorts } from '../../../src/prober/targets.js';
import { defaultIstioConfig } from '../../../src/config/istio.js';
import type { DefaultedIngress } from '../../../src/translate/defaults.js';
import { translate, type Desired } from '../../../src/translate/translate.js';
import { defaultIngress, kingress, rule, split } from '../translate/fixtures.js';

export function slice(name: string, ports: Array<{ name?: string; port: number }>, ips: string[]): EndpointSlice {
  return {
    metadata: { name },
    addressType: 'IPv4',
    ports,
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
  };
}

export class FakeGatewayCluster implements GatewayCluster {
  readonly services = new Map<string, ServicePorts>();
  readonly slices = new Map<string, EndpointSlice[]>();
  readonly gateways = new Map<string, GatewayServer[]>();
  readonly gatewayReads: string[] = [];
  private readonly listeners: Array<(service: string, slices: readonly EndpointSlice[]) => void> = [];
  stopped = false;

  async service(ref: ObjectRef): Promise<ServicePorts | undefined> {
    return this.services.get(`${ref.namespace}/${ref.name}`);
  }

  async endpointSlices(ref: ObjectRef): Promise<EndpointSlice[]> {
    return this.slices.get(`${ref.namespace}/${ref.name}`) ?? [];
  }

  async gatewayServers(ref: ObjectRef): Promise<GatewayServer[] | undefined> {
    this.gatewayReads.push(`${ref.namespace}/${ref.name}`);
    return this.gateways.get(`${ref.namespace}/${ref.name}`);
  }

  onEndpointsChanged(listener: (service: string, slices: readonly EndpointSlice[]) => void): void {
    this.listeners.push(listener);
  }

  /** Replaces a Service's slices and tells the listeners, as the EndpointSlice informer would. */
  setSlices(service: string, slices: EndpointSlice[]): void {
    this.slices.set(service, slices);
    for (const l of this.listeners) l(service, slices);
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }
}

/** Two gateway Services as our chart installs them: Higress's own, and the cluster-local one (80 → 8081, no port translation). */
export function higressCluster(externalPods: string[], localPods: string[] = externalPods): FakeGatewayCluster {
  const c = new FakeGatewayCluster();
  c.services.set('higress-system/higress-gateway', {
    labels: {},
    ports: [
      { name: 'http2', port: 80 },
      { name: 'https', port: 443 },
    ],
  });
  c.services.set('higress-system/knative-local-gateway', {
    labels: { 'experimental.istio.io/disable-gateway-port-translation': 'true' },
    ports: [{ name: 'http2', port: 80 }],
  });
  c.slices.set('higress-system/higress-gateway', [
    slice(
      'ext-1',
      [
        { name: 'http2', port: 8080 },
        { name: 'https', port: 8443 },
      ],
      externalPods,
    ),
  ]);
  c.slices.set('higress-system/knative-local-gateway', [slice('local-1', [{ name: 'http2', port: 8081 }], localPods)]);
  c.gateways.set('knative-serving/knative-ingress-gateway', [{ port: { number: 80, protocol: 'HTTP' } }]);
  c.gateways.set('knative-serving/knative-local-gateway', [{ port: { number: 8081, protocol: 'HTTP' } }]);
  return c;
}

const CLUSTER = {
  clusterDomain: 'cluster.local',
  systemNamespace: 'knative-serving',
  meshVirtualService: false,
  clusterLocalDomainTLS: false,
};
const cert = Buffer.from(readFileSync(new URL('../../fixtures/certs/host-1.crt', import.meta.url))).toString('base64');
const tlsSecret: Secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'tls', namespace: 'ns', uid: 'tls-uid' },
  type: 'kubernetes.io/tls',
  data: { 'tls.crt': cert, 'tls.key': 'eA==' },
};

/** KIngress `ns/hello` as Serving makes it (one external, one cluster-local rule), translated with the default config. */
export function translated(extra: object = {}, revision = 'hello-00001'): { ing: DefaultedIngress; desired: Desired } {
  const backend = [{ splits: [split(revision, 'ns', 80, 100)] }];
  const ing = defaultIngress(
    kingress(
      'hello',
      'ns',
      [
        rule(['hello.ns.example.com'], 'ExternalIP', backend),
        rule(['hello.ns', 'hello.ns.svc', 'hello.ns.svc.cluster.local'], 'ClusterLocal', backend),
      ],
      { httpOption: 'Enabled', ...extra },
    ),
  );
  const result = translate(
    ing,
    {
      istio: defaultIstioConfig({ systemNamespace: 'knative-serving', clusterDomain: 'cluster.local' }),
      gatewayService: () => ({ selector: { app: 'higress-gateway' } }),
      secret: () => tlsSecret,
    },
    CLUSTER,
  );
  if (!result.ok) throw new Error(result.error);
  return { ing, desired: result.value };
}
