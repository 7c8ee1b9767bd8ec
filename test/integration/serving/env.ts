// The Knative Serving scenarios' world: a Serving cluster (test/harness/serving.ts), the Higress gateway
// Services and shared Gateways the chart installs, `net-higress run` in one readiness mode and, for probed
// readiness, stand-in Higress gateway pods: real Pod objects (placed by the stand-in kubelet on addresses of
// their own, so kube-controller-manager lists them in the gateway Services' EndpointSlices) whose HTTP side is
// prober/standin.ts, answering the Knative probe for the routes net-higress wrote.
import { readFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { isNotFound } from '../../../src/kube/errors.js';
import type { RestClient } from '../../../src/kube/rest.js';
import { POD_IP_ANNOTATION } from '../../harness/kubelet.js';
import { eventually } from '../../harness/kube.js';
import { SERVING_NAMESPACE, startServingCluster, type ServingCluster } from '../../harness/serving.js';
import { makeCertificate } from '../prober/env.js';
import { PodNetwork } from '../prober/netns.js';
import { ConfigFeed, LISTENERS, StandInPod } from '../prober/standin.js';
import { buildCli } from '../../harness/build-cli.js';
import { NetHigressProcess, type ReadinessMode } from './operator.js';

const GATEWAY_NAMESPACE = 'higress-system';
const GATEWAY_LABELS = { app: 'higress-gateway', higress: 'higress-system-higress-gateway' };
const examples = new URL('../../../examples/', import.meta.url).pathname;

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
export interface Obj {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  spec?: Record<string, unknown> & { [k: string]: unknown };
  status?: { conditions?: Condition[]; observedGeneration?: number; [k: string]: unknown };
}

/** REST paths of the kinds the scenarios read. */
const PATHS: Record<string, (ns: string) => string> = {
  ksvc: (ns) => `/apis/serving.knative.dev/v1/namespaces/${ns}/services`,
  route: (ns) => `/apis/serving.knative.dev/v1/namespaces/${ns}/routes`,
  revision: (ns) => `/apis/serving.knative.dev/v1/namespaces/${ns}/revisions`,
  domainmapping: (ns) => `/apis/serving.knative.dev/v1beta1/namespaces/${ns}/domainmappings`,
  kingress: (ns) => `/apis/networking.internal.knative.dev/v1alpha1/namespaces/${ns}/ingresses`,
  virtualservice: (ns) => `/apis/networking.istio.io/v1beta1/namespaces/${ns}/virtualservices`,
  gateway: (ns) => `/apis/networking.istio.io/v1beta1/namespaces/${ns}/gateways`,
  service: (ns) => `/api/v1/namespaces/${ns}/services`,
  secret: (ns) => `/api/v1/namespaces/${ns}/secrets`,
};
export type Kind = keyof typeof PATHS;

export function condition(obj: Obj | undefined, type: string): string | undefined {
  return obj?.status?.conditions?.find((c) => c.type === type)?.status;
}

/** Ready=True at the object's current generation, as Knative reports it. */
export function readyNow(obj: Obj | undefined): boolean {
  return (
    obj !== undefined &&
    obj.status?.observedGeneration === obj.metadata.generation &&
    condition(obj, 'Ready') === 'True'
  );
}

export class ServingEnv {
  cluster!: ServingCluster;
  operator!: NetHigressProcess;
  private network: PodNetwork | undefined;
  private feed: ConfigFeed | undefined;
  private pods: StandInPod[] = [];
  /** Namespaces whose VirtualServices the stand-in gateway pods load. */
  readonly namespaces: string[];

  constructor(
    readonly readiness: ReadinessMode,
    namespaces = ['default'],
  ) {
    this.namespaces = namespaces;
  }

  get rest(): RestClient {
    return this.cluster.rest;
  }

  async setup(): Promise<void> {
    buildCli();
    this.cluster = await startServingCluster({
      log: (m) => process.stderr.write(`[serving ${this.readiness}] ${m}\n`),
    });
    for (const ns of this.namespaces.filter((n) => n !== 'default')) this.kubectl(['create', 'namespace', ns]);
    this.kubectl(['apply', '-f', '-'], gatewayObjects());
    this.kubectl(['apply', '-f', `${examples}config-istio.yaml`]);
    if (this.readiness === 'probe') await this.startGatewayPods(2);
    this.operator = new NetHigressProcess(this.cluster.kubeconfigPath, this.readiness);
    await this.operator.start();
  }

  async teardown(): Promise<void> {
    this.operator?.kill();
    await this.feed?.stop();
    for (const p of this.pods) p.close();
    await this.network?.close();
    await this.cluster?.stop();
  }

  kubectl(args: string[], stdin?: string): string {
    return this.cluster.kubectl(args, stdin);
  }

  async get(kind: Kind, namespace: string, name: string): Promise<Obj | undefined> {
    try {
      return await this.rest.request<Obj>({
        method: 'GET',
        path: `${PATHS[kind]!(namespace)}/${encodeURIComponent(name)}`,
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list(kind: Kind, namespace: string, labelSelector?: string): Promise<Obj[]> {
    const res = await this.rest.request<{ items: Obj[] }>({
      method: 'GET',
      path: PATHS[kind]!(namespace),
      query: { labelSelector },
    });
    return res.items;
  }

  /** Waits until `kind/name` is Ready at its current generation; returns it. */
  ready(kind: Kind, namespace: string, name: string, timeoutMs = 90_000): Promise<Obj> {
    return eventually(
      `${kind} ${namespace}/${name} Ready`,
      async () => {
        const obj = await this.get(kind, namespace, name);
        return readyNow(obj) ? obj : undefined;
      },
      timeoutMs,
      50,
    );
  }

  gone(kind: Kind, namespace: string, name: string, timeoutMs = 60_000): Promise<true> {
    return eventually(
      `${kind} ${namespace}/${name} deleted`,
      async () => ((await this.get(kind, namespace, name)) ? undefined : true),
      timeoutMs,
      100,
    );
  }

  /** The stand-in gateway pods: Pods in higress-system that the gateway Services select, served by this process. */
  private async startGatewayPods(count: number): Promise<void> {
    this.network = PodNetwork.create(count);
    const sockets: Server[] = await this.network.listen(
      this.network.addresses.flatMap((host) => LISTENERS.map((l) => ({ host, port: l.containerPort }))),
    );
    this.feed = new ConfigFeed(this.rest, this.namespaces, [SERVING_NAMESPACE, ...this.namespaces]);
    await this.feed.start();
    const tls = makeCertificate();
    this.pods = this.network.addresses.map(
      (ip, i) =>
        new StandInPod(
          ip,
          this.feed!,
          tls,
          new Map(LISTENERS.map((l, j) => [l.containerPort, sockets[i * LISTENERS.length + j]!])),
        ),
    );
    this.kubectl(
      ['apply', '-f', '-'],
      this.network.addresses
        .map((ip, i) =>
          JSON.stringify({
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: {
              name: `higress-gateway-${i}`,
              namespace: GATEWAY_NAMESPACE,
              labels: GATEWAY_LABELS,
              annotations: { [POD_IP_ANNOTATION]: ip },
            },
            spec: {
              containers: [
                {
                  name: 'higress-gateway',
                  image: 'registry.invalid/higress/gateway',
                  ports: LISTENERS.map((l) => ({ containerPort: l.containerPort })),
                },
              ],
            },
          }),
        )
        .join('\n---\n'),
    );
    // kube-controller-manager lists the ready pods in the gateway Services' EndpointSlices.
    await eventually(
      'gateway pods in the EndpointSlices',
      async () => {
        const slices = await this.rest.request<{
          items: Array<{ endpoints?: Array<{ addresses: string[]; conditions?: { ready?: boolean } }> }>;
        }>({
          method: 'GET',
          path: `/apis/discovery.k8s.io/v1/namespaces/${GATEWAY_NAMESPACE}/endpointslices`,
          query: { labelSelector: 'kubernetes.io/service-name' },
        });
        const ready = slices.items.flatMap((s) =>
          (s.endpoints ?? []).filter((e) => e.conditions?.ready).flatMap((e) => e.addresses),
        );
        return ready.length === 2 * count ? true : undefined;
      },
      60_000,
    );
  }

  /** Probe requests the stand-in gateway pods answered with 200 for `host` (any port). */
  probesAnswered(host: string): number {
    return this.pods.flatMap((p) => p.probes()).filter((r) => r.host.startsWith(`${host}:`) && r.status === 200).length;
  }
}

/** Higress's gateway Service, the chart's local gateway Service and shared Gateways (as the chart installs them). */
function gatewayObjects(): string {
  const objs = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: GATEWAY_NAMESPACE } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'higress-gateway', namespace: GATEWAY_NAMESPACE },
      spec: {
        selector: GATEWAY_LABELS,
        ports: [
          { name: 'http2', port: 80, targetPort: 8080 },
          { name: 'https', port: 443, targetPort: 8443 },
        ],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'knative-local-gateway',
        namespace: GATEWAY_NAMESPACE,
        labels: { 'experimental.istio.io/disable-gateway-port-translation': 'true' },
      },
      spec: { selector: GATEWAY_LABELS, ports: [{ name: 'http2', port: 80, targetPort: 8081 }] },
    },
    ...[
      ['knative-ingress-gateway', 80],
      ['knative-local-gateway', 8081],
    ].map(([name, port]) => ({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'Gateway',
      metadata: { name, namespace: SERVING_NAMESPACE },
      spec: {
        selector: { higress: GATEWAY_LABELS.higress },
        servers: [{ hosts: ['*'], port: { name: 'http', number: port, protocol: 'HTTP' } }],
      },
    })),
  ];
  return objs.map((o) => JSON.stringify(o)).join('\n---\n');
}

/** An example file's documents of one kind, as YAML for kubectl (e.g. the KService next to its KIngress). */
export function exampleDocs(file: string): string {
  return readFileSync(`${examples}${file}`, 'utf8');
}
