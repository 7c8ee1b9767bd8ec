// A Higress-shaped world for the gateway conformance tests: the chart installed, Higress's gateway Service and
// one gateway Pod, net-higress's controller (as `net-higress run` wires it), and upstream istiod seeing only
// this file's namespaces. Feed it any KIngresses (examples, random ones, Knative Serving's), then ask what the
// gateway proxy receives and let the oracle judge it.
import { readFileSync, writeFileSync } from 'node:fs';
import { loadAll } from 'js-yaml';
import type { Gateway, VirtualService } from '../../../src/api/istio.js';
import { Controller } from '../../../src/controller/controller.js';
import { writtenReadiness } from '../../../src/controller/readiness.js';
import { isAlreadyExists } from '../../../src/kube/errors.js';
import { recordingLogger } from '../../../src/observability/logger.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { INGRESS_CLASS_ANNOTATION } from '../../../src/translate/constants.js';
import { judge, type OracleOptions, type Verdict } from '../../harness/gateway-oracle.js';
import {
  registerGatewayPod,
  startIstiod,
  type AnalyzeMessage,
  type GatewayProxy,
  type Istiod,
  type IstiodOptions,
} from '../../harness/istiod.js';
import { createTestNamespace, eventually, testKubeconfigPath } from '../../harness/kube.js';
import type { GatewayXds } from '../../harness/xds.js';
import { admin, create, GATEWAY_POD_LABELS, installChart, type Install } from '../chart/install.js';
import { isReady, type Wire } from '../operator/env.js';

const ISTIO = 'networking.istio.io/v1beta1';
const KINGRESS = 'networking.internal.knative.dev/v1alpha1';

export interface BackingService {
  namespace: string;
  name: string;
  ports: number[];
  /** An ExternalName Service (a KService's placeholder) instead of a ClusterIP one. */
  externalName?: string;
  /**
   * Headless (no cluster IP): the test API server's Service range has 254 addresses for every test file, too few
   * for hundreds of random backends. The gateway still gets an `outbound|<port>||<host>` cluster for it.
   */
  headless?: boolean;
}

export interface GatewayWorldOptions {
  istiod?: Omit<IstiodOptions, 'kubeconfig'>;
  /** Chart values on top of the test namespaces. */
  values?: Record<string, unknown>;
}

export class GatewayWorld {
  istiod!: Istiod;
  chart!: Install;
  proxy!: GatewayProxy;
  controller!: Controller;
  readonly logs = recordingLogger();
  private readonly namespaces = new Set<string>();
  private readonly created: Array<{ namespace: string; name: string }> = [];

  async start(opts: GatewayWorldOptions = {}): Promise<void> {
    this.istiod = await startIstiod({ kubeconfig: testKubeconfigPath(), ...opts.istiod });
    this.chart = await installChart({ values: opts.values ?? {} });
    for (const ns of [this.chart.releaseNamespace, this.chart.systemNamespace, this.chart.higressNamespace])
      await this.scope(ns);
    // Higress's gateway Service strictly younger than the chart's local gateway Service (creation times have
    // one-second resolution; istiod orders a proxy's Services by them, then by name): the order in which istiod
    // would translate the public port 80 to the local Service's 8081 if the chart lost its opt-out label.
    const local = await admin.request<Wire>({
      method: 'GET',
      path: `/api/v1/namespaces/${this.chart.higressNamespace}/services/knative-local-gateway`,
    });
    const created = Date.parse((local.metadata as { creationTimestamp?: string }).creationTimestamp ?? '');
    await eventually(
      'a second after the local gateway Service was created',
      async () => (Date.now() >= created + 1_100 ? true : undefined),
      5_000,
      50,
    );
    await create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'higress-gateway', namespace: this.chart.higressNamespace },
      spec: {
        selector: GATEWAY_POD_LABELS,
        ports: [
          { name: 'http2', port: 80 },
          { name: 'https', port: 443 },
        ],
      },
    });
    this.proxy = {
      namespace: this.chart.higressNamespace,
      podName: 'higress-gateway-0',
      ip: '10.244.0.10',
      labels: { ...GATEWAY_POD_LABELS },
    };
    await registerGatewayPod(admin, this.proxy);
    this.controller = new Controller(
      admin,
      {
        ingressClass: this.chart.ingressClass,
        systemNamespace: this.chart.systemNamespace,
        clusterDomain: 'cluster.local',
        meshVirtualService: false,
        workers: 4,
        qps: 200,
        burst: 400,
        resyncPeriodSeconds: 0,
      },
      this.logs.logger,
      new Metrics({ defaultMetrics: false }),
      writtenReadiness,
    );
    await this.controller.start(60_000);
  }

  async stop(): Promise<void> {
    await this.controller?.stop();
    await this.istiod?.stop();
  }

  /** A new namespace istiod sees. */
  async namespace(prefix: string): Promise<string> {
    const ns = await createTestNamespace(prefix);
    await this.scope(ns);
    return ns;
  }

  private async scope(ns: string): Promise<void> {
    await this.istiod.scopeNamespace(admin, ns);
    this.namespaces.add(ns);
  }

  /** ClusterIP Services (named HTTP ports) for KIngress splits, or ExternalName placeholders. */
  async services(services: readonly BackingService[]): Promise<void> {
    for (const s of services) {
      const spec = s.externalName
        ? {
            type: 'ExternalName',
            externalName: s.externalName,
            ports: s.ports.map((p) => ({ name: `http-${p}`, port: p })),
          }
        : {
            selector: { app: s.name },
            ports: s.ports.map((p) => ({ name: `http-${p}`, port: p })),
            ...(s.headless ? { clusterIP: 'None' } : {}),
          };
      await ignoreExisting(
        create({ apiVersion: 'v1', kind: 'Service', metadata: { name: s.name, namespace: s.namespace }, spec }),
      );
    }
  }

  /** Any objects (Secrets, Services...) as they are. */
  async objects(objs: ReadonlyArray<Wire>): Promise<void> {
    for (const o of objs) await create(o as Parameters<typeof create>[0]);
  }

  /** Create KIngresses of our class and wait until the controller has written them (Ready). */
  async applyKIngresses(ings: ReadonlyArray<Wire>, timeoutMs = 120_000): Promise<void> {
    for (const ing of ings) {
      const obj = structuredClone(ing);
      obj.metadata.annotations = { ...obj.metadata.annotations, [INGRESS_CLASS_ANNOTATION]: this.chart.ingressClass };
      delete obj.metadata.uid;
      delete obj.metadata.resourceVersion;
      delete obj.metadata.generation;
      delete obj.metadata.ownerReferences;
      delete obj.status;
      await create(obj as Parameters<typeof create>[0]);
      this.created.push({ namespace: obj.metadata.namespace ?? '', name: obj.metadata.name });
    }
    await eventually(
      `${ings.length} KIngress(es) Ready`,
      async () => {
        const pending = [];
        for (const k of this.created) {
          const got = await admin.request<Wire>({
            method: 'GET',
            path: `/apis/${KINGRESS}/namespaces/${k.namespace}/ingresses/${k.name}`,
          });
          if (!isReady(got)) pending.push(k);
        }
        return pending.length === 0 ? true : undefined;
      },
      timeoutMs,
      250,
    );
  }

  /** What net-higress wrote (VirtualServices, Gateways) plus the chart's Gateways, read back from the API server. */
  async written(): Promise<{ virtualServices: VirtualService[]; gateways: Gateway[] }> {
    const virtualServices: VirtualService[] = [];
    const gateways: Gateway[] = [];
    for (const ns of this.namespaces) {
      virtualServices.push(
        ...(
          await admin.request<{ items: VirtualService[] }>({
            method: 'GET',
            path: `/apis/${ISTIO}/namespaces/${ns}/virtualservices`,
          })
        ).items,
      );
      gateways.push(
        ...(
          await admin.request<{ items: Gateway[] }>({ method: 'GET', path: `/apis/${ISTIO}/namespaces/${ns}/gateways` })
        ).items,
      );
    }
    return { virtualServices, gateways };
  }

  /**
   * `istioctl analyze` of this world as istiod sees it: the Istio objects, Services, Pods and Secrets of its
   * namespaces (other tests' objects left out).
   */
  async analyze(): Promise<AnalyzeMessage[]> {
    const kinds = [
      {
        path: (ns: string) => `/apis/${ISTIO}/namespaces/${ns}/virtualservices`,
        apiVersion: ISTIO,
        kind: 'VirtualService',
      },
      { path: (ns: string) => `/apis/${ISTIO}/namespaces/${ns}/gateways`, apiVersion: ISTIO, kind: 'Gateway' },
      { path: (ns: string) => `/api/v1/namespaces/${ns}/services`, apiVersion: 'v1', kind: 'Service' },
      { path: (ns: string) => `/api/v1/namespaces/${ns}/pods`, apiVersion: 'v1', kind: 'Pod' },
      { path: (ns: string) => `/api/v1/namespaces/${ns}/secrets`, apiVersion: 'v1', kind: 'Secret' },
    ];
    const objects: unknown[] = [];
    for (const ns of this.namespaces) {
      objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      for (const k of kinds) {
        const list = await admin.request<{ items: Wire[] }>({ method: 'GET', path: k.path(ns) });
        for (const item of list.items)
          objects.push({
            ...item,
            apiVersion: k.apiVersion,
            kind: k.kind,
            metadata: { ...item.metadata, managedFields: undefined },
          });
      }
    }
    return this.istiod.analyze(JSON.parse(JSON.stringify(objects)) as unknown[]);
  }

  received(from: Istiod = this.istiod): Promise<GatewayXds> {
    return from.receivedBy(this.proxy);
  }

  /** Another istiod (other settings) that sees this world's namespaces so far; the caller stops it. */
  async anotherIstiod(env: Record<string, string>): Promise<Istiod> {
    const other = await startIstiod({ kubeconfig: testKubeconfigPath(), env });
    for (const ns of this.namespaces) await other.scopeNamespace(admin, ns);
    return other;
  }

  /**
   * Poll until what the gateway receives is what the written objects say (istiod pushes asynchronously), or
   * fail with every difference the oracle found in the last dump.
   */
  async conforms(opts: OracleOptions = {}, timeoutMs = 60_000): Promise<{ verdict: Verdict; xds: GatewayXds }> {
    const { virtualServices, gateways } = await this.written();
    let last: Verdict | undefined;
    let lastXds: GatewayXds | undefined;
    try {
      return await eventually(
        'the gateway to receive what net-higress wrote',
        async () => {
          const xds = await this.received();
          lastXds = xds;
          last = judge(xds, virtualServices, gateways, opts);
          return last.problems.length === 0 ? { verdict: last, xds } : undefined;
        },
        timeoutMs,
        500,
      );
    } catch (err) {
      // For a person debugging: the last dump the oracle judged.
      if (process.env.NET_HIGRESS_XDS_DUMP && lastXds)
        writeFileSync(process.env.NET_HIGRESS_XDS_DUMP, JSON.stringify(lastXds, null, 1));
      const problems = last?.problems ?? [];
      throw new Error(
        `${(err as Error).message}\n${problems.length} problem(s):\n${problems.slice(0, 40).join('\n')}`,
        { cause: err },
      );
    }
  }
}

/** The objects of an example file, moved from `default` to `namespace` (names, hosts, headers and rewrites alike). */
export function exampleObjects(file: string, namespace: string): Wire[] {
  const text = readFileSync(new URL(`../../../examples/${file}`, import.meta.url), 'utf8').replace(
    /\bdefault\b/g,
    namespace,
  );
  return (loadAll(text) as Wire[]).filter((d) => d && typeof d === 'object');
}

/** One ClusterIP Service per split target, with every port the splits use. */
export function backingServicesOf(kingresses: ReadonlyArray<Wire>): BackingService[] {
  const byKey = new Map<string, BackingService>();
  for (const ing of kingresses) {
    const rules = (ing.spec?.rules ?? []) as Array<{
      http?: {
        paths?: Array<{ splits?: Array<{ serviceName: string; serviceNamespace: string; servicePort: number }> }>;
      };
    }>;
    for (const split of rules.flatMap((r) => r.http?.paths ?? []).flatMap((p) => p.splits ?? [])) {
      const key = `${split.serviceNamespace}/${split.serviceName}`;
      const svc = byKey.get(key) ?? { namespace: split.serviceNamespace, name: split.serviceName, ports: [] };
      if (!svc.ports.includes(split.servicePort)) svc.ports.push(split.servicePort);
      byKey.set(key, svc);
    }
  }
  return [...byKey.values()];
}

async function ignoreExisting(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}
