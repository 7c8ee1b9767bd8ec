// In-memory stand-ins for everything the reconciler reads and writes, recording each write and Event.
// ReconcileDeps is implemented here only, so a new dependency is one edit for every reconciler test.
import type { Secret } from '../../../src/api/core.js';
import type { Gateway, VirtualService } from '../../../src/api/istio.js';
import type { KIngress } from '../../../src/api/kingress.js';
import type { ObjectMeta, ObjectRef, TypedObjectRef } from '../../../src/api/meta.js';
import { defaultIstioConfig, type IstioConfig } from '../../../src/config/istio.js';
import { defaultNetworkConfig, type NetworkConfig } from '../../../src/config/network.js';
import type {
  ClusterState,
  ClusterWriter,
  EventType,
  Existing,
  ExistingVirtualService,
  Log,
  Readiness,
  ReconcileDeps,
  ReconcilerOptions,
} from '../../../src/reconciler/deps.js';
import { jsonEqual } from '../../../src/reconciler/equality.js';
import { ReportedAnnotations } from '../../../src/reconciler/unsupported.js';
import {
  INGRESS_LABEL,
  INGRESS_NAMESPACE_LABEL,
  ORIGIN_SECRET_NAME_LABEL,
  ORIGIN_SECRET_NAMESPACE_LABEL,
} from '../../../src/translate/constants.js';
import { originSecretNameLabelValue } from '../../../src/translate/names.js';

export const NOW = new Date('2026-01-02T03:04:05.678Z');
/** NOW as condition transition times are written: seconds precision. */
export const NOW_TIME = '2026-01-02T03:04:05Z';

export const OPTIONS: ReconcilerOptions = {
  ingressClass: 'higress.ingress.networking.knative.dev',
  systemNamespace: 'knative-serving',
  clusterDomain: 'cluster.local',
  meshVirtualService: true,
};

export function defaultConfig(): { istio: IstioConfig; network: NetworkConfig } {
  return { istio: defaultIstioConfig(OPTIONS), network: defaultNetworkConfig() };
}

interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** An object only the API server has: a list from it finds it, the informer caches do not (yet). */
export function uncached<T extends Obj>(obj: T): T & { [UNCACHED]: true } {
  return { ...obj, [UNCACHED]: true };
}
const UNCACHED = Symbol('uncached');

export type Verb = 'create' | 'update' | 'status' | 'delete' | 'patch';

export interface Write {
  verb: Verb;
  /** `Kind namespace/name`. */
  target: string;
  /** The object sent (create, update, status), the patch, or the delete preconditions. */
  body: unknown;
}

/** A write that fails with `error` every time it is tried (net-istio's InduceFailure). */
export interface Failure {
  verb: Verb;
  kind: string;
  name?: string;
  error: unknown;
}

/** An error shaped as client-node's ApiException: numeric code and a Status body. */
export function apiError(code: number, reason: string, message: string): Error {
  return Object.assign(new Error(`HTTP ${code}`), {
    code,
    body: JSON.stringify({ kind: 'Status', code, reason, message }),
  });
}
export const conflict = (
  what = 'the object has been modified; please apply your changes to the latest version and try again',
): Error => apiError(409, 'Conflict', `Operation cannot be fulfilled: ${what}`);

const keyOf = (kind: string, namespace: string, name: string) => `${kind} ${namespace}/${name}`;

/**
 * The API server (every object) and the informer caches (all but `uncached` objects) in one. Writes
 * are applied, so a second reconcile sees the first one's result, with resourceVersion and UID
 * checks as the API server makes them.
 */
export class FakeCluster implements ClusterState, ClusterWriter {
  readonly writes: Write[] = [];
  readonly failures: Failure[] = [];
  private readonly objects = new Map<string, Obj & { [UNCACHED]?: true }>();
  private version = 100;
  /** VirtualServices read live, spec and all (the cache holds their metadata only). */
  liveReads = 0;
  /** What the API server makes of an object written to it (pruning, defaulting), before it is stored. */
  admit: (o: Obj) => Obj = (o) => o;

  constructor(objects: readonly Obj[] = []) {
    // As given: a row states the resourceVersion its objects were read at.
    for (const o of objects)
      this.objects.set(this.key(o), { ...clone(o), ...(UNCACHED in o ? { [UNCACHED]: true as const } : {}) });
  }

  /** The stored object, as a later read would see it. */
  get<T = Obj>(kind: string, namespace: string, name: string): T | undefined {
    return this.objects.get(keyOf(kind, namespace, name)) as T | undefined;
  }

  writesOf(verb: Verb): Write[] {
    return this.writes.filter((w) => w.verb === verb);
  }

  // ClusterState

  kingress(ref: ObjectRef): KIngress | undefined {
    return this.cached('Ingress').find(
      (o) => o.metadata.namespace === ref.namespace && o.metadata.name === ref.name,
    ) as KIngress | undefined;
  }

  kingresses(): KIngress[] {
    return this.cached('Ingress') as KIngress[];
  }

  async virtualService(ref: ObjectRef, opts: { live?: boolean } = {}): Promise<ExistingVirtualService | undefined> {
    const vs = this.get<Obj & { [UNCACHED]?: true }>('VirtualService', ref.namespace, ref.name);
    if (opts.live) this.liveReads += 1;
    if (!vs || (!opts.live && vs[UNCACHED])) return undefined;
    return opts.live ? clone(vs) : asCached(vs);
  }

  virtualServicesOf(namespace: string, ingressName: string): ExistingVirtualService[] {
    return labelled(this.cached('VirtualService'), namespace, ingressName).map(asCached);
  }

  async listVirtualServicesOf(
    namespace: string,
    ingressName: string,
  ): Promise<Array<Existing<VirtualService['spec']>>> {
    return labelled(this.live('VirtualService'), namespace, ingressName);
  }

  async gateway(ref: ObjectRef): Promise<Existing<Gateway['spec']> | undefined> {
    return this.get('Gateway', ref.namespace, ref.name);
  }

  gatewaysOf(namespace: string, ingressName: string): Array<Existing<Gateway['spec']>> {
    return labelled(this.cached('Gateway'), namespace, ingressName);
  }

  async listGatewaysOf(namespace: string, ingressName: string): Promise<Array<Existing<Gateway['spec']>>> {
    return labelled(this.live('Gateway'), namespace, ingressName);
  }

  async secret(ref: ObjectRef): Promise<Secret | undefined> {
    return this.get('Secret', ref.namespace, ref.name);
  }

  async tlsSecret(ref: ObjectRef): Promise<Secret | undefined> {
    return this.get('Secret', ref.namespace, ref.name);
  }

  async externalName(ref: ObjectRef): Promise<string | undefined> {
    const svc = this.get<{ spec?: { type?: string; externalName?: string } }>('Service', ref.namespace, ref.name);
    return svc?.spec?.type === 'ExternalName' ? svc.spec.externalName : undefined;
  }

  async secretCopiesOf(namespace: string, origin: ObjectRef): Promise<Existing[]> {
    return this.live('Secret').filter(
      (s) =>
        s.metadata.namespace === namespace &&
        s.metadata.labels?.[ORIGIN_SECRET_NAME_LABEL] === originSecretNameLabelValue(origin.name) &&
        s.metadata.labels[ORIGIN_SECRET_NAMESPACE_LABEL] === origin.namespace,
    );
  }

  secretCopiesMadeFor(ingress: ObjectRef): Existing[] {
    return this.cached('Secret').filter(
      (s) =>
        s.metadata.labels?.[INGRESS_LABEL] === ingress.name &&
        s.metadata.labels[INGRESS_NAMESPACE_LABEL] === ingress.namespace,
    );
  }

  async gatewayService(ref: ObjectRef): Promise<{ selector: Record<string, string> } | undefined> {
    const svc = this.get<{ spec?: { selector?: Record<string, string> } }>('Service', ref.namespace, ref.name);
    return svc ? { selector: svc.spec?.selector ?? {} } : undefined;
  }

  // ClusterWriter

  async create<T extends object>(obj: T): Promise<T> {
    const o = obj as unknown as Obj;
    this.record('create', o, obj);
    if (this.objects.has(this.key(o)))
      throw apiError(409, 'AlreadyExists', `${o.kind} "${o.metadata.name}" already exists`);
    return this.put({
      ...this.admit(clone(o)),
      metadata: { ...clone(o.metadata), uid: `${o.metadata.name}-uid`, generation: 1 },
    }) as unknown as T;
  }

  async update<T extends object>(obj: T): Promise<T> {
    const o = obj as unknown as Obj;
    this.record('update', o, obj);
    // What the cache holds of a VirtualService is not an object to write back.
    if (o.kind === 'VirtualService' && o.spec === undefined)
      throw new Error(`update of ${o.kind} ${o.metadata.name} without its spec`);
    const stored = this.checkVersion(o);
    const admitted = this.admit(clone(o));
    // As the API server does for a custom resource with a status subresource: a new spec, a new generation.
    const generation = (stored.metadata.generation ?? 0) + (jsonEqual(stored.spec, admitted.spec) ? 0 : 1);
    return this.put({ ...admitted, metadata: { ...admitted.metadata, generation } }) as unknown as T;
  }

  async updateStatus<T extends object>(obj: T): Promise<T> {
    const o = obj as unknown as Obj;
    this.record('status', o, obj);
    const stored = this.checkVersion(o);
    return this.put({ ...stored, status: clone(o.status) }) as unknown as T;
  }

  async delete(ref: TypedObjectRef, preconditions?: { uid?: string }): Promise<boolean> {
    this.recordRef('delete', ref, preconditions);
    const key = keyOf(ref.kind, ref.namespace, ref.name);
    const stored = this.objects.get(key);
    if (!stored) throw apiError(404, 'NotFound', `${ref.kind} "${ref.name}" not found`);
    if (preconditions?.uid !== undefined && preconditions.uid !== stored.metadata.uid) {
      throw conflict(
        `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${stored.metadata.uid ?? ''}`,
      );
    }
    this.objects.delete(key);
    return true;
  }

  async mergePatchMetadata<T extends object>(
    ref: TypedObjectRef,
    meta: { finalizers?: string[] | null; resourceVersion?: string },
  ): Promise<T> {
    this.recordRef('patch', ref, meta);
    const stored = this.objects.get(keyOf(ref.kind, ref.namespace, ref.name));
    if (!stored) throw apiError(404, 'NotFound', `${ref.kind} "${ref.name}" not found`);
    if (meta.resourceVersion && meta.resourceVersion !== stored.metadata.resourceVersion) throw conflict();
    const { finalizers: _f, ...metadata } = stored.metadata;
    return this.put({
      ...stored,
      metadata: { ...metadata, ...(meta.finalizers?.length ? { finalizers: meta.finalizers } : {}) },
    }) as unknown as T;
  }

  private record(verb: Verb, o: Obj, body: unknown): void {
    this.recordRef(
      verb,
      {
        apiVersion: o.apiVersion ?? '',
        kind: o.kind ?? '',
        namespace: o.metadata.namespace ?? '',
        name: o.metadata.name,
      },
      clone(body),
    );
  }

  private recordRef(verb: Verb, ref: TypedObjectRef, body: unknown): void {
    this.writes.push({
      verb,
      target: keyOf(ref.kind, ref.namespace, ref.name),
      body: body === undefined ? undefined : clone(body),
    });
    const failure = this.failures.find(
      (f) => f.verb === verb && f.kind === ref.kind && (f.name === undefined || f.name === ref.name),
    );
    if (failure) throw failure.error;
  }

  private checkVersion(o: Obj): Obj {
    const stored = this.objects.get(this.key(o));
    if (!stored) throw apiError(404, 'NotFound', `${o.kind} "${o.metadata.name}" not found`);
    if (o.metadata.resourceVersion && o.metadata.resourceVersion !== stored.metadata.resourceVersion) throw conflict();
    return stored;
  }

  /** Stores `o` with a new resourceVersion; objects written by us are in the caches at once. */
  private put(o: Obj): Obj {
    this.version += 1;
    const stored = { ...o, metadata: { ...o.metadata, resourceVersion: String(this.version) } };
    this.objects.set(this.key(stored), stored);
    return clone(stored);
  }

  private key(o: Obj): string {
    return keyOf(o.kind ?? '', o.metadata.namespace ?? '', o.metadata.name);
  }

  private live(kind: string): Obj[] {
    return [...this.objects.values()].filter((o) => o.kind === kind).map(clone);
  }

  private cached(kind: string): Obj[] {
    return [...this.objects.values()].filter((o) => o.kind === kind && !o[UNCACHED]).map(clone);
  }
}

function labelled<S>(objects: Obj[], namespace: string, ingressName: string): Array<Existing<S>> {
  return objects.filter(
    (o) => o.metadata.namespace === namespace && o.metadata.labels?.[INGRESS_LABEL] === ingressName,
  );
}

/** As the controller's informer caches a VirtualService: metadata only. */
function asCached(vs: Existing): ExistingVirtualService {
  return { apiVersion: vs.apiVersion, kind: vs.kind, metadata: clone(vs.metadata) };
}

/** JSON round trip: what crosses the wire, so no test shares objects with the code under test. */
function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

export class FakeRecorder {
  /** `Type Reason Message`, as net-istio's tests write expected Events. */
  readonly events: string[] = [];

  event(_ing: KIngress, type: EventType, reason: string, message: string): void {
    this.events.push(`${type} ${reason} ${message}`);
  }
}

export class FakeReadiness implements Readiness {
  readonly asked: string[] = [];
  readonly forgotten: string[] = [];
  constructor(public ready = true) {}

  async isReady(ing: { metadata: { namespace?: string; name: string } }): Promise<boolean> {
    this.asked.push(`${ing.metadata.namespace ?? ''}/${ing.metadata.name}`);
    return this.ready;
  }

  forget(key: string): void {
    this.forgotten.push(key);
  }
}

export class FakeLog implements Log {
  readonly lines: string[] = [];
  debug(msg: string): void {
    this.lines.push(`debug ${msg}`);
  }
  info(msg: string): void {
    this.lines.push(`info ${msg}`);
  }
  warn(msg: string): void {
    this.lines.push(`warn ${msg}`);
  }
  error(msg: string): void {
    this.lines.push(`error ${msg}`);
  }
}

export interface Fakes {
  deps: ReconcileDeps;
  cluster: FakeCluster;
  recorder: FakeRecorder;
  readiness: FakeReadiness;
  log: FakeLog;
}

export function fakeDeps(
  objects: readonly Obj[],
  opts: {
    config?: { istio: IstioConfig; network: NetworkConfig };
    ready?: boolean;
    failures?: Failure[];
    annotationReports?: ReportedAnnotations;
  } = {},
): Fakes {
  const cluster = new FakeCluster(objects);
  cluster.failures.push(...(opts.failures ?? []));
  const recorder = new FakeRecorder();
  const readiness = new FakeReadiness(opts.ready ?? true);
  const log = new FakeLog();
  const config = opts.config ?? defaultConfig();
  const deps: ReconcileDeps = {
    options: OPTIONS,
    config: () => config,
    cluster,
    writer: cluster,
    recorder,
    annotationReports: opts.annotationReports ?? new ReportedAnnotations(),
    readiness,
    log,
    now: () => NOW,
  };
  return { deps, cluster, recorder, readiness, log };
}
