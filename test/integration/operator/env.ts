// An operator instance per test file: its own ingress class and system namespace, so test files that
// run in parallel against the one control plane never reconcile each other's KIngresses.
import type { ControllerOptions } from '../../../src/controller/controller.js';
import { writtenReadiness } from '../../../src/controller/readiness.js';
import { isAlreadyExists } from '../../../src/kube/errors.js';
import { KubeReader } from '../../../src/kube/reader.js';
import { RestClient } from '../../../src/kube/rest.js';
import { KubeWriter } from '../../../src/kube/writer.js';
import { recordingLogger } from '../../../src/observability/logger.js';
import { Metrics } from '../../../src/observability/metrics.js';
import type { Readiness } from '../../../src/reconciler/deps.js';
import { createTestNamespace, testKubeConfig, uniqueName } from '../../harness/kube.js';
import { ObservedController } from '../../harness/observed-controller.js';
import { testControllerOptions } from '../../harness/controller-options.js';

export const GATEWAY_NAMESPACE = 'higress-system';

export interface Wire {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    ownerReferences?: Array<Record<string, unknown>>;
    deletionTimestamp?: string;
  };
  spec?: Record<string, unknown> & { [k: string]: unknown };
  status?: Record<string, unknown> & {
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
    observedGeneration?: number;
  };
  data?: Record<string, string>;
  type?: string;
}

export class TestEnv {
  readonly rest = new RestClient(testKubeConfig());
  /** The test's own writes; the operator's are counted by operator.stats(). */
  readonly client = new KubeWriter(this.rest);
  readonly reader = new KubeReader(this.rest);
  readonly ingressClass = `${uniqueName('test')}.ingress.networking.knative.dev`;
  systemNamespace = '';
  operator: ObservedController | undefined;
  readonly logs = recordingLogger();

  async setup(): Promise<void> {
    this.systemNamespace = await createTestNamespace('knative-serving');
    await this.ensureNamespace(GATEWAY_NAMESPACE);
    // The Higress gateway Service of a default install; TLS Gateways take their selector from it.
    await this.createIgnoringExisting({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'higress-gateway', namespace: GATEWAY_NAMESPACE },
      spec: {
        selector: { app: 'higress-gateway', higress: 'higress-system-higress-gateway' },
        ports: [
          { name: 'http2', port: 80 },
          { name: 'https', port: 443 },
        ],
      },
    });
  }

  async startOperator(
    overrides: Partial<ControllerOptions> = {},
    readiness: Readiness = writtenReadiness,
    metrics = new Metrics({ defaultMetrics: false }),
  ): Promise<ObservedController> {
    const opts: ControllerOptions = testControllerOptions({
      ingressClass: this.ingressClass,
      systemNamespace: this.systemNamespace,
      workers: 4,
      ...overrides,
    });
    const controller = new ObservedController(this.rest, opts, this.logs.logger, metrics, readiness);
    try {
      await controller.start(60_000);
    } catch (err) {
      await controller.stop();
      throw err;
    }
    this.operator = controller;
    return controller;
  }

  async stopOperator(): Promise<void> {
    await this.operator?.stop();
    this.operator = undefined;
  }

  async teardown(): Promise<void> {
    await this.stopOperator();
    this.rest.close();
  }

  async ensureNamespace(name: string): Promise<void> {
    await this.createIgnoringExisting({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }

  async createIgnoringExisting(obj: Wire): Promise<void> {
    try {
      if (obj.kind === 'Namespace') await this.rest.request({ method: 'POST', path: '/api/v1/namespaces', body: obj });
      else await this.client.create(obj);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }

  async get(apiVersion: string, kind: string, namespace: string, name: string): Promise<Wire | undefined> {
    return this.reader.get<Wire>({ apiVersion, kind, namespace, name });
  }

  kingress(namespace: string, name: string): Promise<Wire | undefined> {
    return this.get('networking.internal.knative.dev/v1alpha1', 'Ingress', namespace, name);
  }

  virtualService(namespace: string, name: string): Promise<Wire | undefined> {
    return this.get('networking.istio.io/v1beta1', 'VirtualService', namespace, name);
  }

  gateway(namespace: string, name: string): Promise<Wire | undefined> {
    return this.get('networking.istio.io/v1beta1', 'Gateway', namespace, name);
  }

  secret(namespace: string, name: string): Promise<Wire | undefined> {
    return this.get('v1', 'Secret', namespace, name);
  }

  /** A KIngress as Knative Serving creates it for a KService `name` (one external + one cluster-local rule). */
  servingKIngress(
    namespace: string,
    name: string,
    splits: Array<{ revision: string; percent: number }>,
    extra: Record<string, unknown> = {},
  ): Wire {
    const backend = splits.map((s) => ({
      serviceNamespace: namespace,
      serviceName: s.revision,
      servicePort: 80,
      percent: s.percent,
      appendHeaders: { 'Knative-Serving-Namespace': namespace, 'Knative-Serving-Revision': s.revision },
    }));
    return {
      apiVersion: 'networking.internal.knative.dev/v1alpha1',
      kind: 'Ingress',
      metadata: {
        name,
        namespace,
        labels: { 'serving.knative.dev/route': name, 'serving.knative.dev/routeNamespace': namespace },
        annotations: {
          'networking.knative.dev/ingress.class': this.ingressClass,
          'serving.knative.dev/creator': 'admin',
        },
      },
      spec: {
        httpOption: 'Enabled',
        rules: [
          {
            hosts: [`${name}.${namespace}.example.com`],
            visibility: 'ExternalIP',
            http: { paths: [{ splits: backend }] },
          },
          {
            hosts: [`${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`],
            visibility: 'ClusterLocal',
            http: { paths: [{ splits: backend }] },
          },
        ],
        ...extra,
      },
    };
  }

  conditions(ing: Wire | undefined): Record<string, [string, string, string]> {
    return Object.fromEntries(
      (ing?.status?.conditions ?? []).map((c) => [c.type, [c.status, c.reason ?? '', c.message ?? '']]),
    );
  }
}

/** Ready at its current generation, as Knative Serving checks it. */
export function isReady(ing: Wire | undefined): boolean {
  return (
    ing !== undefined &&
    ing.status?.observedGeneration === ing.metadata.generation &&
    (ing.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}
