import type { Secret } from '../api/core.js';
import type { Gateway, VirtualService } from '../api/istio.js';
import type { KIngress } from '../api/kingress.js';
import { keyOf, refOf, typedRefOf, type TypedObjectRef } from '../api/meta.js';
import { errorMessage, isAlreadyExists, isNotFound, isTooLarge } from '../kube/errors.js';
import { specDigest } from '../kube/spec-digest.js';
import {
  INGRESS_NAMESPACE_LABEL,
  ORIGIN_SECRET_NAME_LABEL,
  ORIGIN_SECRET_NAMESPACE_LABEL,
} from '../translate/constants.js';
import type { Desired } from '../translate/translate.js';
import type { Existing, ExistingVirtualService, ReconcileDeps } from './deps.js';
import { jsonEqual, mapsEqual } from './equality.js';
import { notOwned, ReconcileError, tooLarge, virtualServiceFailed } from './errors.js';
import { isControlledBy } from './ownership.js';
import { copyIngressNamespace, releaseSecretCopy } from './secretcopies.js';
import { recordWrittenSpec, writtenDigest } from './written-spec.js';

/**
 * Converge the cluster on `desired`, writing only what differs, in net-istio's order: secret copies,
 * Gateways, VirtualServices; then remove what this KIngress made and no longer needs (net-istio
 * leaves stale per-KIngress Gateways behind; we do not).
 */
export async function applyDesired(ing: KIngress, desired: Desired, deps: ReconcileDeps): Promise<void> {
  for (const copy of desired.secretCopies) await applySecretCopy(ing, copy, deps);
  await deleteStaleSecretCopies(ing, desired, deps);
  for (const gw of desired.wildcardGateways) await applyGateway(ing, gw, gw.metadata.ownerReferences?.[0]?.uid, deps);
  for (const gw of desired.gateways) await applyGateway(ing, gw, ing.metadata.uid, deps);
  try {
    for (const vs of desired.virtualServices) await applyVirtualService(ing, vs, deps);
    await deleteStale(
      ing,
      deps.cluster.virtualServicesOf(namespaceOf(ing), ing.metadata.name),
      desired.virtualServices,
      deps,
    );
  } catch (err) {
    throw virtualServiceFailed(err);
  }
  // After the VirtualServices: routes never point at a Gateway that is already gone.
  await deleteStale(ing, deps.cluster.gatewaysOf(namespaceOf(ing), ing.metadata.name), desired.gateways, deps);
}

async function applyVirtualService(ing: KIngress, vs: VirtualService, deps: ReconcileDeps): Promise<void> {
  const ref = typedRefOf(vs);
  const digest = specDigest(vs.spec);
  // A cache miss is trusted: no GET before each create. A name taken by an object the cache does not
  // hold (not labelled by us) answers 409 AlreadyExists, and only then is it read.
  let existing = (await deps.cluster.virtualService(ref)) ?? (await createVirtualService(ing, vs, digest, deps));
  if (!existing) return;
  if (!isControlledBy(existing.metadata, ing.metadata.uid))
    throw notOwned('VirtualService', ref.name, ing.metadata.name, ref);
  const vouched = writtenDigest(existing.metadata);
  // The cache holds metadata only: a spec the record no longer vouches for is read live, once.
  if (vouched === undefined && existing.spec === undefined) {
    existing = await deps.cluster.virtualService(ref, { live: true });
    if (!existing)
      throw new ReconcileError(`VirtualService ${ref.namespace}/${ref.name} was deleted while it was read; retrying`);
  }
  const sameSpec = vouched !== undefined ? vouched === digest : jsonEqual(existing.spec, vs.spec);
  // A spec that changes takes the next generation (the API server counts spec changes); one that does not keeps it.
  const generation = (existing.metadata.generation ?? 0) + (sameSpec ? 0 : 1);
  const next = withWrittenSpec(vs, { ...existing.metadata, labels: vs.metadata.labels }, generation, digest);
  if (
    sameSpec &&
    mapsEqual(existing.metadata.labels, next.metadata.labels) &&
    mapsEqual(existing.metadata.annotations, next.metadata.annotations)
  )
    return;
  let written: VirtualService;
  try {
    written = await deps.writer.update(next);
  } catch (err) {
    throw writeFailed('update', ref, next, err);
  }
  deps.recorder.event(ing, 'Normal', 'Updated', `Updated VirtualService ${ref.namespace}/${ref.name}`);
  await settleGeneration(written, generation, digest, deps);
}

/** Creates `vs`; undefined once created, or the object already there under its name (read live). */
async function createVirtualService(
  ing: KIngress,
  vs: VirtualService,
  digest: string,
  deps: ReconcileDeps,
): Promise<ExistingVirtualService | undefined> {
  const ref = typedRefOf(vs);
  const annotated = withWrittenSpec(vs, vs.metadata, 1, digest);
  let created: VirtualService;
  try {
    created = await deps.writer.create(annotated);
  } catch (err) {
    const taken = isAlreadyExists(err) ? await deps.cluster.virtualService(ref, { live: true }) : undefined;
    if (taken) return taken;
    deps.recorder.event(
      ing,
      'Warning',
      'CreationFailed',
      `Failed to create VirtualService ${ref.namespace}/${ref.name}: ${errorMessage(err)}`,
    );
    throw writeFailed('create', ref, annotated, err);
  }
  deps.recorder.event(ing, 'Normal', 'Created', `Created VirtualService "${ref.name}"`);
  await settleGeneration(created, 1, digest, deps);
  return undefined;
}

/** `vs` to be written over `metadata`, its annotations ours plus the written-spec record. */
function withWrittenSpec(
  vs: VirtualService,
  metadata: VirtualService['metadata'],
  generation: number,
  digest: string,
): VirtualService {
  return {
    ...vs,
    metadata: { ...metadata, annotations: recordWrittenSpec(vs.metadata.annotations, generation, digest) },
  };
}

/**
 * Where the API server gave our write another generation than we recorded (it found the stored spec equal to
 * ours after pruning unknown fields, say), the record is corrected at once: its watch event is our own write
 * and would not bring the VirtualService back, and a wrong record would have the next reconcile read it live.
 */
async function settleGeneration(
  written: VirtualService,
  recorded: number,
  digest: string,
  deps: ReconcileDeps,
): Promise<void> {
  const actual = written.metadata.generation;
  if (actual === undefined || actual === recorded) return;
  await deps.writer.update(withWrittenSpec(written, written.metadata, actual, digest));
}

/** Gateways we generate: only `spec` is converged, and only on Gateways controlled by `ownerUID`. */
async function applyGateway(
  ing: KIngress,
  gw: Gateway,
  ownerUID: string | undefined,
  deps: ReconcileDeps,
): Promise<void> {
  const ref = typedRefOf(gw);
  const existing = await deps.cluster.gateway(ref);
  try {
    if (!existing) {
      await deps.writer.create(gw);
      return;
    }
    if (!isControlledBy(existing.metadata, ownerUID)) throw notOwned('Gateway', ref.name, ing.metadata.name, ref);
    if (jsonEqual(existing.spec, gw.spec)) return;
    await deps.writer.update({ ...existing, spec: gw.spec });
  } catch (err) {
    if (err instanceof ReconcileError) throw err;
    if (isTooLarge(err)) throw tooLarge(ref, byteSize(gw), errorMessage(err));
    throw new ReconcileError(
      `failed to ${existing ? 'update' : 'create'} Gateway ${ref.namespace}/${ref.name}: ${errorMessage(err)}`,
      undefined,
      {},
      err,
    );
  }
}

/** A copy is ours when its origin labels say it is; anything else with that name is left alone. */
async function applySecretCopy(ing: KIngress, copy: Secret, deps: ReconcileDeps): Promise<void> {
  const ref = typedRefOf(copy);
  const existing = await deps.cluster.secret(ref);
  const id = keyOf(ref);
  if (!existing) {
    try {
      await deps.writer.create(copy);
    } catch (err) {
      deps.recorder.event(ing, 'Warning', 'CreationFailed', `Failed to create Secret ${id}: ${errorMessage(err)}`);
      throw new ReconcileError(`failed to create Secret: ${errorMessage(err)}`, undefined, {}, err);
    }
    deps.recorder.event(ing, 'Normal', 'Created', `Created Secret ${id}`);
    return;
  }
  const labels = existing.metadata.labels ?? {};
  const wanted = { ...copy.metadata.labels };
  if (wanted[INGRESS_NAMESPACE_LABEL] !== undefined)
    wanted[INGRESS_NAMESPACE_LABEL] = copyIngressNamespace(existing, wanted[INGRESS_NAMESPACE_LABEL], ing, deps);
  const sameOrigin = [ORIGIN_SECRET_NAME_LABEL, ORIGIN_SECRET_NAMESPACE_LABEL].every((k) => labels[k] === wanted[k]);
  if (!sameOrigin) throw notOwned('Secret', ref.name, ing.metadata.name);
  if (jsonEqual(existing.data ?? {}, copy.data ?? {}) && mapsEqual(labels, wanted)) return;
  try {
    await deps.writer.update({ ...existing, metadata: { ...existing.metadata, labels: wanted }, data: copy.data });
  } catch (err) {
    deps.recorder.event(ing, 'Warning', 'UpdateFailed', `Failed to update Secret ${id}: ${errorMessage(err)}`);
    throw new ReconcileError(`failed to update Secret: ${errorMessage(err)}`, undefined, {}, err);
  }
  deps.recorder.event(ing, 'Normal', 'Updated', `Updated Secret ${id}`);
}

function writeFailed(verb: 'create' | 'update', ref: TypedObjectRef, obj: object, err: unknown): ReconcileError {
  if (isTooLarge(err)) return tooLarge(ref, byteSize(obj), errorMessage(err));
  return new ReconcileError(`failed to ${verb} ${ref.kind}: ${errorMessage(err)}`, undefined, {}, err);
}

/** What the object weighs on the wire (JSON), as the API server's limits count it. */
function byteSize(obj: object): number {
  return Buffer.byteLength(JSON.stringify(obj));
}

/** Copies made for this KIngress that it no longer uses (TLS removed or secret replaced). */
async function deleteStaleSecretCopies(ing: KIngress, desired: Desired, deps: ReconcileDeps): Promise<void> {
  const keep = new Set(desired.secretCopies.map((s) => keyOf(refOf(s))));
  const made = deps.cluster.secretCopiesMadeFor({ namespace: namespaceOf(ing), name: ing.metadata.name });
  for (const copy of made) {
    if (!keep.has(keyOf(refOf(copy)))) await releaseSecretCopy(copy, ing, deps);
  }
}

/** Delete objects this KIngress controls that are not desired any more. */
async function deleteStale(
  ing: KIngress,
  current: Existing[],
  desired: ReadonlyArray<{ metadata: { name: string } }>,
  deps: ReconcileDeps,
): Promise<void> {
  const keep = new Set(desired.map((d) => d.metadata.name));
  const stale = current.filter((o) => !keep.has(o.metadata.name ?? '') && isControlledBy(o.metadata, ing.metadata.uid));
  for (const o of stale.sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1))) {
    await deleteObject(o, deps);
  }
}

/** Secrets read from a list carry no apiVersion/kind; the delete needs them. */
export async function deleteSecretCopy(copy: Existing, deps: ReconcileDeps): Promise<void> {
  await deleteObject({ ...copy, apiVersion: copy.apiVersion ?? 'v1', kind: copy.kind ?? 'Secret' }, deps);
}

export async function deleteObject(o: Existing, deps: ReconcileDeps): Promise<void> {
  const ref = typedRefOf(o);
  try {
    // The UID precondition makes sure a same-named object created since is never deleted.
    await deps.writer.delete(ref, o.metadata.uid ? { uid: o.metadata.uid } : undefined);
  } catch (err) {
    if (isNotFound(err)) return;
    throw new ReconcileError(
      `failed to delete ${ref.kind} ${ref.namespace}/${ref.name}: ${errorMessage(err)}`,
      undefined,
      {},
      err,
    );
  }
}

export function namespaceOf(ing: KIngress): string {
  return ing.metadata.namespace ?? '';
}
