// A stand-in for the kubelet (and the scheduler) of one fake Node: there is no container runtime here, so
// nothing runs in a Pod. What the rest of the cluster sees is what a kubelet reports: every Pod is bound to
// the Node, gets an IP, and is reported Running with all containers started and Ready; a Pod being deleted
// is removed once its deletion is requested, as a kubelet does after the containers stopped.
// Everything else (Deployments → ReplicaSets → Pods, Endpoints and EndpointSlices, garbage collection) is
// done by the real kube-controller-manager from the Pods' reported state.
import type { Informer } from '../../src/kube/informer.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../src/kube/errors.js';
import { createInformer } from '../../src/kube/listwatch.js';
import type { ResourceType } from '../../src/kube/resources.js';
import type { RestClient } from '../../src/kube/rest.js';
import type { KubeObject } from '../../src/kube/types.js';

const POD: ResourceType = { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true };
const MERGE_PATCH = 'application/merge-patch+json';

/** A Pod annotation asking for a given IP, e.g. a stand-in gateway pod listening on an address of its own. */
export const POD_IP_ANNOTATION = 'net-higress.test/pod-ip';

interface Container {
  name: string;
  image?: string;
}
interface Pod extends KubeObject {
  metadata: KubeObject['metadata'] & { uid?: string; deletionTimestamp?: string; annotations?: Record<string, string> };
  spec?: { nodeName?: string; containers?: Container[]; initContainers?: Container[] };
  status?: { phase?: string; podIP?: string };
}

export interface KubeletOptions {
  nodeName?: string;
  /** Pod IPs are 10.<subnet>.x.y (default 244): not loopback, so they are allowed in EndpointSlices. */
  subnet?: number;
}

export class StandInKubelet {
  readonly nodeName: string;
  private readonly subnet: number;
  private readonly pods: Informer<Pod>;
  private readonly ips = new Map<string, string>();
  private readonly pending = new Set<string>();
  private next = 1;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Failures other than conflicts (which the next event retries); tests may assert it stays empty. */
  readonly errors: string[] = [];

  constructor(
    private readonly rest: RestClient,
    opts: KubeletOptions = {},
  ) {
    this.nodeName = opts.nodeName ?? 'standin-node';
    this.subnet = opts.subnet ?? 244;
    this.pods = createInformer<Pod>(rest, POD, { resyncMs: 0, name: 'stand-in kubelet pods' });
    const enqueue = (pod: Pod) => this.enqueue(pod);
    this.pods.addHandlers({ add: enqueue, update: (_old, pod) => enqueue(pod) });
  }

  async start(): Promise<void> {
    await this.registerNode();
    this.pods.start();
    await this.pods.waitForSync(30_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.pods.stop();
    await this.running;
  }

  private async registerNode(): Promise<void> {
    const now = new Date().toISOString();
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: this.nodeName,
        labels: { 'kubernetes.io/hostname': this.nodeName, 'kubernetes.io/os': 'linux' },
      },
      status: {
        addresses: [
          { type: 'InternalIP', address: `10.${this.subnet}.0.1` },
          { type: 'Hostname', address: this.nodeName },
        ],
        capacity: { cpu: '64', memory: '256Gi', pods: '1000' },
        allocatable: { cpu: '64', memory: '256Gi', pods: '1000' },
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'stand-in kubelet',
            lastHeartbeatTime: now,
            lastTransitionTime: now,
          },
        ],
      },
    };
    try {
      await this.rest.request({ method: 'POST', path: '/api/v1/nodes', body: node });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }

  private enqueue(pod: Pod): void {
    if (this.stopped) return;
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (this.pending.has(key)) return;
    this.pending.add(key);
    // One Pod at a time, in event order: a kubelet's sync loop, small enough for tests.
    this.running = this.running
      .then(() => this.sync(key))
      .catch((err: unknown) => {
        this.errors.push(`${key}: ${err instanceof Error ? err.message : String(err)}`);
      });
  }

  private async sync(key: string): Promise<void> {
    this.pending.delete(key);
    if (this.stopped) return;
    const [namespace, name] = key.split('/') as [string, string];
    const pod = this.pods.get(namespace, name);
    if (!pod) return;
    try {
      if (pod.metadata.deletionTimestamp) await this.remove(pod);
      else if (!pod.spec?.nodeName) await this.bind(pod);
      else if (pod.spec.nodeName === this.nodeName && !pod.status?.podIP) await this.run(pod);
    } catch (err) {
      // A newer version of the Pod or its deletion is already on its way as an event.
      if (!isConflict(err) && !isNotFound(err)) throw err;
    }
  }

  private podPath(pod: Pod, sub = ''): string {
    return `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}${sub}`;
  }

  private async bind(pod: Pod): Promise<void> {
    await this.rest.request({
      method: 'POST',
      path: this.podPath(pod, '/binding'),
      body: {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid },
        target: { apiVersion: 'v1', kind: 'Node', name: this.nodeName },
      },
    });
  }

  private allocate(pod: Pod): string {
    const asked = pod.metadata.annotations?.[POD_IP_ANNOTATION];
    if (asked) return asked;
    const uid = pod.metadata.uid ?? '';
    let ip = this.ips.get(uid);
    if (!ip) {
      const n = this.next++;
      ip = `10.${this.subnet}.${1 + Math.floor(n / 250)}.${1 + (n % 250)}`;
      this.ips.set(uid, ip);
    }
    return ip;
  }

  private async run(pod: Pod): Promise<void> {
    const now = new Date().toISOString();
    const ip = this.allocate(pod);
    const condition = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now });
    const started = (c: Container) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: '',
      containerID: `standin://${pod.metadata.uid}/${c.name}`,
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: now } },
    });
    const completed = (c: Container) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: '',
      containerID: `standin://${pod.metadata.uid}/${c.name}`,
      ready: true,
      started: false,
      restartCount: 0,
      state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now } },
    });
    await this.rest.request({
      method: 'PATCH',
      path: this.podPath(pod, '/status'),
      contentType: MERGE_PATCH,
      body: {
        metadata: { resourceVersion: pod.metadata.resourceVersion },
        status: {
          phase: 'Running',
          hostIP: `10.${this.subnet}.0.1`,
          hostIPs: [{ ip: `10.${this.subnet}.0.1` }],
          podIP: ip,
          podIPs: [{ ip }],
          startTime: now,
          conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(
            condition,
          ),
          containerStatuses: (pod.spec?.containers ?? []).map(started),
          initContainerStatuses: (pod.spec?.initContainers ?? []).map(completed),
        },
      },
    });
  }

  private async remove(pod: Pod): Promise<void> {
    this.ips.delete(pod.metadata.uid ?? '');
    await this.rest.request({
      method: 'DELETE',
      path: this.podPath(pod),
      body: {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        gracePeriodSeconds: 0,
        preconditions: { uid: pod.metadata.uid },
      },
    });
  }
}
