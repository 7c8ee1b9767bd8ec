import type { ConfigMap } from '../api/core.js';
import { tlsSecretRef, type KIngress } from '../api/kingress.js';
import { keyOf } from '../api/meta.js';
import { ConfigStore, ISTIO_CONFIGMAP, NETWORK_CONFIGMAP } from '../config/store.js';
import { InformerClusterState, type Informers } from './cluster-state.js';
import { errorMessage, isConflict } from '../kube/errors.js';
import { EventRecorder, restEventSink } from '../kube/events.js';
import { FollowedSecrets } from '../kube/followed-secrets.js';
import type { Informer, InformerPhase } from '../kube/informer.js';
import { LeaderElector, restLeaseStore } from '../kube/leader.js';
import { createInformer } from '../kube/listwatch.js';
import { KubeReader } from '../kube/reader.js';
import { CONFIG_MAP, GATEWAY, KINGRESS, SECRET, VIRTUAL_SERVICE } from '../kube/resources.js';
import type { RestClient } from '../kube/rest.js';
import { OwnWrites } from '../kube/ownwrites.js';
import { objectKey, type KubeObject } from '../kube/types.js';
import { WorkQueue } from '../kube/workqueue.js';
import { KubeWriter } from '../kube/writer.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics, ReconcileResult } from '../observability/metrics.js';
import type { ClusterWriter, Readiness, ReconcileDeps, ReconcilerOptions } from '../reconciler/deps.js';
import { ReconcileError } from '../reconciler/errors.js';
import { reconcileIngress } from '../reconciler/reconcile.js';
import { ReportedAnnotations } from '../reconciler/unsupported.js';
import {
  CERTIFICATE_UID_LABEL,
  INGRESS_CLASS_ANNOTATION,
  INGRESS_LABEL,
  KINGRESS_FINALIZER,
} from '../translate/constants.js';
import { refusedSecretReferences } from '../translate/secretpolicy.js';
import { Blockers } from './blockers.js';
import { kingressesUsingSecret, ownerKey } from './enqueue.js';
import { checkPermissions } from './preflight.js';
import { readinessCounts } from './readiness-counts.js';

export interface ControllerOptions extends ReconcilerOptions {
  workers: number;
  qps: number;
  burst: number;
  resyncPeriodSeconds: number;
  leaderElection?: { namespace: string; name: string; identity: string };
}

/** How often Secrets no KIngress names any more stop being followed. */
const FOLLOWED_SWEEP_MS = 30_000;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Wires informers, the work queue and the reconciler. Every change of a KIngress, of one of our
 * objects, of a TLS Secret or of the config enqueues the KIngress keys it affects; the reconciler
 * works from the caches and never trusts the event.
 */
export class Controller {
  /**
   * Settles when this replica loses the lease it held. It must then stop at once, in-flight work
   * included, since another replica now leads: the CLI exits and Kubernetes restarts it as a standby.
   */
  readonly leadershipLost: Promise<void>;
  private readonly signalLeadershipLost: () => void;
  private readonly writer: KubeWriter;
  private readonly reader: KubeReader;
  private readonly informers: Informers & { configMaps: Informer<ConfigMap> };
  /** Protected, like {@link followed}: tests observe them from a subclass. */
  protected readonly queue: WorkQueue;
  private readonly recorder: EventRecorder;
  /** One for all reconciles: its short-lived gateway Service cache is shared. */
  private readonly cluster: InformerClusterState;
  private readonly blockers: Blockers;
  private readonly annotationReports = new ReportedAnnotations();
  /** TLS Secrets without Knative's label, each watched by name while a KIngress names it. */
  protected readonly followed: FollowedSecrets;
  private sweepTimer: NodeJS.Timeout | undefined;
  /** Our own writes, so their watch events do not trigger another reconcile of the same state. */
  private readonly own = new OwnWrites();
  private elector: LeaderElector | undefined;
  private config: ConfigStore | undefined;
  private synced = false;
  private stopping = false;

  constructor(
    private readonly rest: RestClient,
    private readonly opts: ControllerOptions,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    private readonly readiness: Readiness,
  ) {
    let signal = () => {};
    this.leadershipLost = new Promise<void>((resolve) => (signal = resolve));
    this.signalLeadershipLost = signal;
    this.writer = new KubeWriter(rest);
    this.reader = new KubeReader(rest);
    const common = (name: string) => ({
      name,
      resyncMs: opts.resyncPeriodSeconds * 1000,
      onError: (err: unknown, phase: InformerPhase) => this.informerError(name, err, phase),
    });
    this.informers = {
      kingresses: createInformer(rest, KINGRESS, common('kingresses')),
      virtualServices: createInformer(rest, VIRTUAL_SERVICE, {
        ...common('virtualservices'),
        labelSelector: INGRESS_LABEL,
        metadataOnly: true,
      }),
      gateways: createInformer(rest, GATEWAY, { ...common('gateways'), labelSelector: INGRESS_LABEL }),
      // Never every Secret of the cluster: only Knative certificates and our copies carry this label.
      secrets: createInformer(rest, SECRET, { ...common('secrets'), labelSelector: CERTIFICATE_UID_LABEL }),
      configMaps: createInformer(rest, CONFIG_MAP, {
        ...common(`configmaps in ${opts.systemNamespace}`),
        namespace: opts.systemNamespace,
      }),
    };
    this.blockers = new Blockers(
      rest,
      (key) => this.queue.add(key),
      (err, resource) => this.informerError(resource, err, 'watch'),
    );
    this.followed = new FollowedSecrets({
      watchOne: (ref) =>
        createInformer(rest, SECRET, {
          ...common(`secret ${ref.namespace}/${ref.name}`),
          resyncMs: 0,
          namespace: ref.namespace,
          fieldSelector: `metadata.name=${ref.name}`,
        }),
      onChange: (obj) => this.secretChanged(obj),
    });
    this.cluster = new InformerClusterState(this.informers, this.reader, Date.now, this.followed);
    this.recorder = new EventRecorder(restEventSink(rest), {
      onError: (err, summary) => log.warn('failed to record event', { event: summary, error: errorMessage(err) }),
    });
    this.queue = new WorkQueue((key) => this.process(key), {
      workers: opts.workers,
      qps: opts.qps,
      burst: opts.burst,
      // A 409 means our cache was a step behind a write: expected, retried at once with fresh data.
      onError: (key, err, requeues) =>
        log[isConflict(err) ? 'debug' : 'warn'](
          isConflict(err) ? 'conflict, requeued' : 'reconcile failed, will retry',
          { kingress: key, error: errorMessage(err), requeues },
        ),
    });
    metrics.setQueueDepthSource(() => this.queue.depth());
    metrics.setReadinessSource(() => readinessCounts(this.kingresses(), opts.ingressClass));
    this.registerHandlers();
  }

  /** Starts the caches, loads the config (an invalid one is fatal) and, when leading, the workers. */
  async start(syncTimeoutMs = 120_000): Promise<void> {
    // Missing RBAC fails here, in a second and naming each verb, not as a cache that never syncs. The caches
    // list meanwhile: the access reviews took 100-200 ms of a start that is otherwise the lists' time.
    const permitted = checkPermissions(this.rest, this.opts, this.log);
    for (const inf of this.allInformers()) inf.start();
    await permitted;
    await Promise.all(this.allInformers().map((inf) => inf.waitForSync(syncTimeoutMs)));
    const data = (name: string) => this.informers.configMaps.get(this.opts.systemNamespace, name);
    for (const name of [ISTIO_CONFIGMAP, NETWORK_CONFIGMAP]) {
      if (!data(name))
        this.log.warn(`ConfigMap ${this.opts.systemNamespace}/${name} not found; using defaults until it exists`);
    }
    const store = ConfigStore.fromConfigMaps(data(ISTIO_CONFIGMAP)?.data, data(NETWORK_CONFIGMAP)?.data, this.opts);
    if (!store.ok)
      throw new ConfigError(`invalid configuration in namespace ${this.opts.systemNamespace}: ${store.error}`);
    this.config = store.value;
    this.warnIgnoredConfig();
    this.synced = true;
    for (const ing of this.kingresses()) this.enqueue(ing);
    this.sweepTimer = setInterval(() => void this.sweepFollowedSecrets(), FOLLOWED_SWEEP_MS);
    this.sweepTimer.unref();

    const le = this.opts.leaderElection;
    if (!le) {
      this.queue.start();
      return;
    }
    this.elector = new LeaderElector(restLeaseStore(this.rest), {
      ...le,
      onStartedLeading: () => {
        this.log.info('started leading', { identity: le.identity });
        this.queue.start();
      },
      onStoppedLeading: () => {
        if (this.stopping) return; // released on purpose during shutdown
        this.log.error('lost leadership, exiting', { identity: le.identity });
        this.signalLeadershipLost();
      },
      onError: (err) => this.log.warn('leader election error', { error: errorMessage(err) }),
    });
    this.elector.start();
  }

  /** SIGTERM: finish in-flight reconciles, release the lease, stop watching. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.queue.shutdown({ drain: true });
    await this.elector?.stop();
    await this.blockers.stop();
    clearInterval(this.sweepTimer);
    await this.followed.stopAll();
    await Promise.all(this.allInformers().map((inf) => inf.stop()));
  }

  private allInformers(): Array<Pick<Informer<KubeObject>, 'start' | 'waitForSync' | 'stop'>> {
    const { kingresses, virtualServices, gateways, secrets, configMaps } = this.informers;
    return [kingresses, virtualServices, gateways, secrets, configMaps];
  }

  /** Run the reconciler for a KIngress again (e.g. when its probing finished). */
  requeue(key: string): void {
    this.queue.add(key);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  isLeader(): boolean {
    return this.elector ? this.elector.isLeader() : true;
  }

  private deps(key: string): ReconcileDeps {
    const store = this.config;
    if (!store) throw new Error('reconcile before the config was loaded');
    const writer: ClusterWriter = {
      create: (o) => this.counted('create', o, () => this.writer.create(o)),
      update: (o) => this.counted('update', o, () => this.writer.update(o)),
      updateStatus: (o) => this.counted('status', o, () => this.writer.updateStatus(o)),
      delete: (ref, pre) => this.counted('delete', ref, () => this.writer.delete(ref, pre)),
      mergePatchMetadata: (ref, meta) => this.counted('patch', ref, () => this.writer.mergePatchMetadata(ref, meta)),
    };
    const log = this.log.child({ kingress: key });
    return {
      options: this.opts,
      config: () => store.current(),
      cluster: this.cluster,
      writer,
      recorder: {
        // What is worth an Event is worth a log line: the log then tells the same story as `kubectl describe`.
        event: (ing, type, reason, message) => {
          log[type === 'Warning' ? 'warn' : 'info'](message, { reason });
          void this.recorder.record(ing, type, reason, message);
        },
      },
      annotationReports: this.annotationReports,
      readiness: this.readiness,
      log,
      now: () => new Date(),
    };
  }

  private async counted<T>(verb: string, obj: { kind?: string }, write: () => Promise<T>): Promise<T> {
    this.metrics.countWrite(verb, obj.kind ?? 'unknown');
    const written = await write();
    const meta = (written as KubeObject | undefined)?.metadata;
    if (meta?.name) this.own.wrote(ownKey(written as KubeObject), meta.resourceVersion);
    return written;
  }

  private async process(key: string): Promise<void> {
    // The cache has not shown our last write of this KIngress yet: reconciling now would start from a stale status.
    if (this.own.behind(`${KINGRESS.kind}:${key}`, this.informers.kingresses.getByKey(key)?.metadata.resourceVersion)) {
      this.queue.addAfter(key, 50);
      return;
    }
    const done = this.metrics.startReconcile();
    let result: ReconcileResult = 'error';
    this.own.begin(key);
    try {
      const r = await reconcileIngress(key, this.deps(key));
      result = r.outcome === 'done' || r.outcome === 'waiting' ? 'success' : r.outcome;
      this.blockers.release(key);
    } catch (err) {
      // The work queue retries it at once (rate-limited) from a fresher cache: see onError above.
      if (isConflict(err)) result = 'requeue';
      const blockedBy = err instanceof ReconcileError ? err.details.blockedBy : undefined;
      if (blockedBy) this.blockers.follow(key, blockedBy);
      else this.blockers.release(key);
      throw err;
    } finally {
      if (this.own.end(key)) this.queue.add(key);
      done(result);
    }
  }

  private registerHandlers(): void {
    const onIngress = (ing: KIngress) => {
      if (!this.own.news(objectKey(ing), ownKey(ing), ing.metadata.resourceVersion)) return;
      if (ing.metadata.annotations?.[INGRESS_CLASS_ANNOTATION] === this.opts.ingressClass) this.enqueue(ing);
      else {
        this.readiness.forget(objectKey(ing));
        // Our finalizer on a KIngress of another class: its class changed away, and what we made goes.
        if ((ing.metadata.finalizers ?? []).includes(KINGRESS_FINALIZER)) this.queue.add(objectKey(ing));
      }
    };
    this.informers.kingresses.addHandlers({
      add: onIngress,
      update: (_o, n) => onIngress(n),
      delete: (o) => {
        this.readiness.forget(objectKey(o));
        this.blockers.release(objectKey(o));
      },
    });
    const onOwned = (obj: KubeObject) => {
      const key = ownerKey(obj);
      if (key && this.own.news(key, ownKey(obj), obj.metadata?.resourceVersion)) this.queue.add(key);
    };
    // The old owner too: a VirtualService whose ownerReference another writer removed is then reported NotOwned.
    const onOwnedUpdate = (old: KubeObject, obj: KubeObject) => {
      onOwned(obj);
      const previous = ownerKey(old);
      if (previous && previous !== ownerKey(obj)) this.queue.add(previous);
    };
    for (const inf of [this.informers.virtualServices, this.informers.gateways])
      inf.addHandlers({ add: onOwned, update: onOwnedUpdate, delete: onOwned });
    const onSecret = (obj: KubeObject) => this.secretChanged(obj);
    this.informers.secrets.addHandlers({ add: onSecret, update: (_o, n) => onSecret(n), delete: onSecret });
    const onConfig = (obj: ConfigMap) => this.configChanged(obj);
    this.informers.configMaps.addHandlers({ add: onConfig, update: (_o, n) => onConfig(n), delete: () => undefined });
  }

  private secretChanged(obj: KubeObject): void {
    for (const key of kingressesUsingSecret(obj, this.kingresses())) this.queue.add(key);
  }

  /** Stop following the Secrets no KIngress of ours names any more, may not use under the policy, or that the labelled informer holds. */
  private async sweepFollowedSecrets(): Promise<void> {
    const wanted = new Set<string>();
    for (const ing of this.kingresses()) {
      if (
        ing.metadata.annotations?.[INGRESS_CLASS_ANNOTATION] !== this.opts.ingressClass ||
        ing.metadata.deletionTimestamp
      )
        continue;
      const refused = new Set(refusedSecretReferences(ing, this.opts.tlsSecretNamespaces ?? []).map((e) => e.path));
      (ing.spec?.tls ?? []).forEach((t, i) => {
        // One the labelled informer holds (it gained Knative's label, say) needs no watch of its own.
        if (
          refused.has(`spec.tls[${i}].secretNamespace`) ||
          this.informers.secrets.get(t.secretNamespace, t.secretName ?? '')
        )
          return;
        wanted.add(keyOf(tlsSecretRef(t)));
      });
    }
    try {
      await this.followed.retain(wanted);
    } catch (err) {
      this.log.warn('failed to stop following unused Secrets', { error: errorMessage(err) });
    }
  }

  /** A changed config resyncs every KIngress; an invalid one is reported and the last good one kept. */
  private configChanged(obj: ConfigMap): void {
    const name = obj.metadata?.name;
    const kind = name === ISTIO_CONFIGMAP ? 'istio' : name === NETWORK_CONFIGMAP ? 'network' : undefined;
    if (!kind || !this.config) return;
    const result = this.config.update(kind, obj.data);
    if (!result.ok) {
      this.log.error('invalid configuration ignored, keeping the last good one', {
        configmap: `${obj.metadata?.namespace}/${name}`,
        error: result.error,
      });
      void this.recorder.record(
        obj,
        'Warning',
        'InvalidConfiguration',
        `${result.error} (keeping the last good configuration)`,
      );
      return;
    }
    if (!result.value.changed) return;
    if (kind === 'network') this.warnIgnoredConfig();
    this.log.info('configuration changed, resyncing all KIngresses', { configmap: name });
    for (const ing of this.kingresses()) this.enqueue(ing);
  }

  /** Named after its resource; a relist after 410 Gone is routine and logged at info. */
  private informerError(resource: string, err: unknown, phase: InformerPhase): void {
    if (phase === 'relist') this.log.info(`relisting ${resource}: ${errorMessage(err)}`, { resource });
    else
      this.log.warn(`${phase} of ${resource} failed: ${errorMessage(err)}`, {
        resource,
        phase,
        error: errorMessage(err),
      });
  }

  /** Knative owns config-network: a key we do not read never stops us, but a problem there is worth a line. */
  private warnIgnoredConfig(): void {
    for (const problem of this.config?.ignored ?? []) {
      this.log.warn('config-network: ignoring a problem in a key net-higress does not read', {
        configmap: `${this.opts.systemNamespace}/${NETWORK_CONFIGMAP}`,
        problem,
      });
    }
  }

  private kingresses(): KIngress[] {
    return this.informers.kingresses.list();
  }

  private enqueue(ing: KIngress): void {
    if (ing.metadata.annotations?.[INGRESS_CLASS_ANNOTATION] === this.opts.ingressClass) this.queue.add(objectKey(ing));
  }
}

/** One entry per object and kind: what a write returned and what the watch brings back carry both. */
function ownKey(obj: KubeObject): string {
  return `${obj.kind ?? ''}:${objectKey(obj)}`;
}
