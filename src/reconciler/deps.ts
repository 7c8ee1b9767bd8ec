import type { Secret } from '../api/core.js';
import type { Gateway, VirtualService } from '../api/istio.js';
import type { KIngress } from '../api/kingress.js';
import type { ObjectMeta, ObjectRef, TypedObjectRef } from '../api/meta.js';
import type { IstioConfig } from '../config/istio.js';
import type { NetworkConfig } from '../config/network.js';
import type { DefaultedIngress } from '../translate/defaults.js';
import type { Desired } from '../translate/translate.js';
import type { ReportedAnnotations } from './unsupported.js';

/** An object as read from the cluster: metadata as stored, the rest unchecked. */
export interface Existing<T = unknown> {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: T;
  data?: Record<string, string>;
  type?: string;
}

/** A VirtualService as cached (metadata only: see written-spec.ts) or as read live (with its spec). */
export type ExistingVirtualService = Existing<VirtualService['spec']>;

/** What the reconciler reads. Listers are informer caches; the async ones may go to the API server. */
export interface ClusterState {
  kingress(ref: ObjectRef): KIngress | undefined;
  kingresses(): KIngress[];
  /**
   * From the cache (it holds every VirtualService we made); `live` asks the API server, for a name that
   * turned out to be taken by an object the cache does not hold (one without our labels).
   */
  virtualService(ref: ObjectRef, opts?: { live?: boolean }): Promise<ExistingVirtualService | undefined>;
  /** VirtualServices carrying `networking.internal.knative.dev/ingress=<name>` in `namespace`. */
  virtualServicesOf(namespace: string, ingressName: string): Array<ExistingVirtualService>;
  /** The same, listed from the API server (for decisions a lagging cache must not make). */
  listVirtualServicesOf(namespace: string, ingressName: string): Promise<Array<ExistingVirtualService>>;
  gateway(ref: ObjectRef): Promise<Existing<Gateway['spec']> | undefined>;
  gatewaysOf(namespace: string, ingressName: string): Array<Existing<Gateway['spec']>>;
  listGatewaysOf(namespace: string, ingressName: string): Promise<Array<Existing<Gateway['spec']>>>;
  secret(ref: ObjectRef): Promise<Secret | undefined>;
  /** A TLS origin Secret a KIngress names; followed, so that its changes reconcile the KIngress. */
  tlsSecret(ref: ObjectRef): Promise<Secret | undefined>;
  /** Secret copies in `namespace` made from `origin` (found by their origin labels). */
  secretCopiesOf(namespace: string, origin: ObjectRef): Promise<Existing[]>;
  /** Per-KIngress secret copies labelled as made for this KIngress, in any namespace (cache). */
  secretCopiesMadeFor(ingress: ObjectRef): Existing[];
  gatewayService(ref: ObjectRef): Promise<{ selector: Record<string, string> } | undefined>;
  /** `spec.externalName` of an ExternalName Service (undefined for any other Service, or none). */
  externalName(ref: ObjectRef): Promise<string | undefined>;
}

/** Wire-level writes; every call is one API request. */
export interface ClusterWriter {
  create<T extends object>(obj: T): Promise<T>;
  update<T extends object>(obj: T): Promise<T>;
  updateStatus<T extends object>(obj: T): Promise<T>;
  delete(ref: TypedObjectRef, preconditions?: { uid?: string }): Promise<boolean>;
  mergePatchMetadata<T extends object>(
    ref: TypedObjectRef,
    meta: { finalizers?: string[] | null; resourceVersion?: string },
  ): Promise<T>;
}

export type EventType = 'Normal' | 'Warning';
export interface Recorder {
  event(ing: KIngress, type: EventType, reason: string, message: string): void;
}

/** Why a KIngress is not Ready yet, in one line; `announce` is true the first time this cause is given. */
export interface NotReadyReason {
  message: string;
  announce: boolean;
}

/** The seam where the prober plugs in; `written` readiness says yes once everything is written. */
export interface Readiness {
  isReady(ing: DefaultedIngress, desired: Desired): Promise<boolean>;
  /** After isReady said false: why, when known (`<namespace>/<name>` key). */
  explain?(key: string): NotReadyReason | undefined;
  /** The KIngress is gone or changed hash: drop any probing state. */
  forget(key: string): void;
}

export interface ReconcilerOptions {
  ingressClass: string;
  systemNamespace: string;
  clusterDomain: string;
  meshVirtualService: boolean;
  /** Namespaces besides the KIngress's own whose TLS Secrets may be used; `*` = any. Default none. */
  tlsSecretNamespaces?: readonly string[];
}

export interface Log {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface ReconcileDeps {
  options: ReconcilerOptions;
  config(): { istio: IstioConfig; network: NetworkConfig };
  cluster: ClusterState;
  writer: ClusterWriter;
  recorder: Recorder;
  /** Unsupported Higress annotations already reported, so each change is reported once. */
  annotationReports: ReportedAnnotations;
  readiness: Readiness;
  log: Log;
  now: () => Date;
}

/**
 * How a reconcile ended. There is no "run again later": readiness still pending is re-enqueued by the
 * prober when it settles, and a failure is retried by the work queue with backoff.
 */
export interface ReconcileOutcome {
  outcome: 'done' | 'skipped' | 'invalid' | 'waiting';
}
