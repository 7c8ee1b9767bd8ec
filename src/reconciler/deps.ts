import type { Secret } from '../api/core.js';
import type { Gateway, VirtualService } from '../api/istio.js';
import type { KIngress } from '../api/kingress.js';
import type { ObjectMeta, ObjectRef } from '../api/meta.js';
import type { IstioConfig } from '../config/istio.js';
import type { NetworkConfig } from '../config/network.js';
import type { DefaultedIngress } from '../translate/defaults.js';
import type { Desired } from '../translate/translate.js';

/** An object as read from the cluster: metadata as stored, the rest unchecked. */
export interface Existing<T = unknown> {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: T;
  data?: Record<string, string>;
  type?: string;
}

/** What the reconciler reads. Listers are informer caches; the async ones may go to the API server. */
export interface ClusterState {
  kingress(ref: ObjectRef): KIngress | undefined;
  kingresses(): KIngress[];
  /** From the cache, or the API server when the cache has no such object (it may lack our labels). */
  virtualService(ref: ObjectRef): Promise<Existing<VirtualService['spec']> | undefined>;
  /** VirtualServices carrying `networking.internal.knative.dev/ingress=<name>` in `namespace`. */
  virtualServicesOf(namespace: string, ingressName: string): Array<Existing<VirtualService['spec']>>;
  gateway(ref: ObjectRef): Promise<Existing<Gateway['spec']> | undefined>;
  gatewaysOf(namespace: string, ingressName: string): Array<Existing<Gateway['spec']>>;
  secret(ref: ObjectRef): Promise<Secret | undefined>;
  /** Secret copies in `namespace` made from `origin` (found by their origin labels). */
  secretCopiesOf(namespace: string, origin: ObjectRef): Promise<Existing[]>;
  /** Per-KIngress secret copies labelled as made for this KIngress, in any namespace (cache). */
  secretCopiesMadeFor(ingress: ObjectRef): Existing[];
  gatewayService(ref: ObjectRef): Promise<{ selector: Record<string, string> } | undefined>;
  /** `spec.externalName` of an ExternalName Service (undefined for any other Service, or none). */
  externalName(ref: ObjectRef): Promise<string | undefined>;
}

/** Wire-level writes; every call is one API request. */
export interface WireRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}
export interface ClusterWriter {
  create<T extends object>(obj: T): Promise<T>;
  update<T extends object>(obj: T): Promise<T>;
  updateStatus<T extends object>(obj: T): Promise<T>;
  delete(ref: WireRef, preconditions?: { uid?: string }): Promise<boolean>;
  mergePatchMetadata<T extends object>(ref: WireRef, meta: { finalizers?: string[] | null; resourceVersion?: string }): Promise<T>;
}

export type EventType = 'Normal' | 'Warning';
export interface Recorder {
  event(ing: KIngress, type: EventType, reason: string, message: string): void;
}

/** The seam where the prober plugs in; `written` readiness says yes once everything is written. */
export interface Readiness {
  isReady(ing: DefaultedIngress, desired: Desired): Promise<boolean>;
  /** The KIngress is gone or changed hash: drop any probing state. */
  forget(key: string): void;
}

export interface ReconcilerOptions {
  ingressClass: string;
  systemNamespace: string;
  clusterDomain: string;
  meshVirtualService: boolean;
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
  readiness: Readiness;
  log: Log;
  now(): Date;
}

export type Result = { outcome: 'done' | 'skipped' | 'invalid' | 'waiting' } | { outcome: 'requeue'; afterMs: number };
