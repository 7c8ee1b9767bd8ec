// What the fault tests share: the operator as the chart's ServiceAccount behind a TCP proxy (so a test can
// cut its connections and make it reconnect under changed RBAC), orphan counting, and status-write counting.
import { Controller } from '../../../src/controller/controller.js';
import { writtenReadiness } from '../../../src/controller/readiness.js';
import type { Informer } from '../../../src/kube/informer.js';
import { createInformer } from '../../../src/kube/listwatch.js';
import { KINGRESS } from '../../../src/kube/resources.js';
import { RestClient } from '../../../src/kube/rest.js';
import type { KubeObject } from '../../../src/kube/types.js';
import { recordingLogger } from '../../../src/observability/logger.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { jsonEqual } from '../../../src/reconciler/equality.js';
import { INGRESS_LABEL } from '../../../src/translate/constants.js';
import { helmBinary } from '../../harness/helm.js';
import { createTestNamespace, eventually, kubeConfigForToken } from '../../harness/kube.js';
import { admin, installChart, serviceAccountToken, simulateHigressAndKnative, type Install } from '../chart/install.js';
import { viaServer } from '../kube/kubeconfigs.js';
import { TcpProxy } from '../kube/tcpproxy.js';
import { testControllerOptions } from '../../harness/controller-options.js';

export const KINGRESS_API = '/apis/networking.internal.knative.dev/v1alpha1';
const RBAC_API = '/apis/rbac.authorization.k8s.io/v1';

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
}

export class ChartOperator {
  readonly logs = recordingLogger();
  inst!: Install;
  app = '';
  proxy!: TcpProxy;
  controller: Controller | undefined;
  private rest: RestClient | undefined;
  private token = '';

  /** The chart installed for fresh namespaces, Higress and Knative simulated, an app namespace. */
  async install(ingressClass: string): Promise<void> {
    helmBinary();
    this.inst = await installChart({ ingressClass });
    await simulateHigressAndKnative(this.inst);
    this.app = await createTestNamespace('app');
    this.token = await serviceAccountToken(this.inst);
    const server = new URL(admin.access.getCurrentCluster()?.server ?? '');
    this.proxy = new TcpProxy(server.hostname, Number(server.port));
    await this.proxy.listen();
  }

  /** The operator with the ServiceAccount's token, through the proxy; start() rejects as `net-higress run` would fail. */
  async start(syncTimeoutMs = 60_000): Promise<Controller> {
    this.rest = new RestClient(viaServer(kubeConfigForToken(this.token), `https://127.0.0.1:${this.proxy.port}`));
    const controller = new Controller(
      this.rest,
      testControllerOptions({
        ingressClass: this.inst.ingressClass,
        systemNamespace: this.inst.systemNamespace,
        leaderElection: { namespace: this.inst.releaseNamespace, name: this.inst.leaseName, identity: 'faults' },
      }),
      this.logs.logger,
      new Metrics({ defaultMetrics: false }),
      writtenReadiness,
    );
    try {
      await controller.start(syncTimeoutMs);
    } catch (err) {
      await controller.stop();
      this.rest.close();
      throw err;
    }
    this.controller = controller;
    await eventually('leadership', async () => (controller.isLeader() ? true : undefined), 30_000);
    return controller;
  }

  async stop(): Promise<void> {
    await this.controller?.stop();
    this.controller = undefined;
    this.rest?.close();
  }

  /** Takes `verb` on `resource` out of the chart's ClusterRole (or puts it back), as an admin editing RBAC would. */
  async setVerb(resource: string, verb: string, granted: boolean): Promise<void> {
    const path = `${RBAC_API}/clusterroles/${this.inst.fullname}`;
    const role = await admin.request<{ rules: Rule[] }>({ method: 'GET', path });
    let touched = false;
    role.rules = role.rules.flatMap((r) => {
      if (!r.resources?.includes(resource)) return [r];
      touched = true;
      const others = r.resources.filter((x) => x !== resource);
      const verbs = granted ? [...new Set([...r.verbs, verb])] : r.verbs.filter((v) => v !== verb);
      return [...(others.length ? [{ ...r, resources: others }] : []), { ...r, resources: [resource], verbs }];
    });
    if (!touched) throw new Error(`no rule for ${resource} in ClusterRole ${this.inst.fullname}`);
    await admin.request({ method: 'PUT', path, body: role });
  }

  warnings(): string[] {
    return this.logs.lines.filter((l) => l.level === 'warn' || l.level === 'error').map((l) => l.msg);
  }
}

/** VirtualServices and Gateways in `namespace` carrying the ingress label of a KIngress that no longer exists. */
export async function orphans(namespace: string, rest: RestClient = admin): Promise<string[]> {
  const found: string[] = [];
  for (const plural of ['virtualservices', 'gateways']) {
    const list = await rest.request<{ items: Array<{ metadata: { name: string; labels?: Record<string, string> } }> }>({
      method: 'GET',
      path: `/apis/networking.istio.io/v1beta1/namespaces/${namespace}/${plural}`,
      query: { labelSelector: INGRESS_LABEL },
    });
    for (const o of list.items) {
      const owner = o.metadata.labels?.[INGRESS_LABEL] ?? '';
      const alive = await rest
        .request({ method: 'GET', path: `${KINGRESS_API}/namespaces/${namespace}/ingresses/${owner}` })
        .then(
          () => true,
          () => false,
        );
      if (!alive) found.push(`${plural}/${o.metadata.name}`);
    }
  }
  return found;
}

/** Counts writes to one KIngress's status as a watcher sees them (each is an update event). */
export class StatusWrites {
  private informer: Informer<KubeObject> | undefined;
  private times: number[] = [];

  async start(namespace: string, name: string): Promise<void> {
    this.informer = createInformer<KubeObject>(admin, KINGRESS, {
      namespace,
      fieldSelector: `metadata.name=${name}`,
      resyncMs: 0,
    });
    this.informer.addHandlers({
      update: (a, b) => {
        const status = (o: KubeObject) => (o as { status?: unknown }).status;
        if (!jsonEqual(status(a), status(b))) this.times.push(Date.now());
      },
    });
    this.informer.start();
    await this.informer.waitForSync(30_000);
  }

  since(t: number): number {
    return this.times.filter((x) => x >= t).length;
  }

  async stop(): Promise<void> {
    await this.informer?.stop();
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One line for the fault-suite figures, printed with the test output. */
export function figure(name: string, value: string): void {
  process.stdout.write(`[faults] ${name}: ${value}\n`);
}
