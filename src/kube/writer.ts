import { isNotFound } from './errors.js';
import { objectPath, collectionPath, resourceFor } from './resources.js';
import type { RestClient } from './rest.js';
import { typedRefOf, type TypedObjectRef } from '../api/meta.js';
import type { KubeObject } from './types.js';

export const MERGE_PATCH = 'application/merge-patch+json';

/** `null` removes a key (JSON merge patch); an omitted key is left alone. */
export interface MetadataPatch {
  finalizers?: string[] | null;
  /** Makes the patch conditional: it fails with 409 Conflict if the object changed since. */
  resourceVersion?: string;
  labels?: Record<string, string | null>;
  annotations?: Record<string, string | null>;
}

export interface DeletePreconditions {
  uid?: string;
  resourceVersion?: string;
}

/**
 * Writes namespaced objects of our kinds (KIngress, VirtualService, Gateway, Secret) in wire format.
 * It does no ownership checks: deciding what may be written is the reconciler's job.
 */
export class KubeWriter {
  private readonly fieldManager: string;

  constructor(
    private readonly rest: RestClient,
    opts: { fieldManager?: string } = {},
  ) {
    this.fieldManager = opts.fieldManager ?? 'net-higress';
  }

  /** Fails with 409 AlreadyExists if it exists. */
  async create<T extends KubeObject>(obj: T): Promise<T> {
    const ref = typedRefOf(obj);
    const { rt, version } = resourceFor(ref.apiVersion, ref.kind);
    return this.rest.request<T>({
      method: 'POST',
      path: collectionPath(rt, ref.namespace, version),
      query: { fieldManager: this.fieldManager },
      body: obj,
    });
  }

  /** Full replace; metadata.resourceVersion makes it fail with 409 Conflict when stale. */
  async update<T extends KubeObject>(obj: T): Promise<T> {
    return this.put(obj, 'update');
  }

  /** Replaces the `/status` subresource (spec and metadata changes in obj are ignored by the server). */
  async updateStatus<T extends KubeObject>(obj: T): Promise<T> {
    return this.put(obj, 'status');
  }

  /** Returns false when the object was already gone. */
  async delete(ref: TypedObjectRef, preconditions?: DeletePreconditions): Promise<boolean> {
    const { rt, version } = resourceFor(ref.apiVersion, ref.kind);
    try {
      await this.rest.request({
        method: 'DELETE',
        path: objectPath(rt, ref.namespace, ref.name, undefined, version),
        body: preconditions ? { apiVersion: 'v1', kind: 'DeleteOptions', preconditions } : undefined,
      });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** JSON merge patch (custom resources reject strategic merge patch with 415). */
  async mergePatch<T extends KubeObject = KubeObject>(
    ref: TypedObjectRef,
    patch: object,
    subresource?: 'status',
  ): Promise<T> {
    const { rt, version } = resourceFor(ref.apiVersion, ref.kind);
    return this.rest.request<T>({
      method: 'PATCH',
      path: objectPath(rt, ref.namespace, ref.name, subresource, version),
      query: { fieldManager: this.fieldManager },
      body: patch,
      contentType: MERGE_PATCH,
    });
  }

  /** Patches finalizers/labels/annotations only, e.g. adding our finalizer to a KIngress. */
  async mergePatchMetadata<T extends KubeObject = KubeObject>(ref: TypedObjectRef, meta: MetadataPatch): Promise<T> {
    const metadata: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(meta)) if (v !== undefined) metadata[k] = v;
    return this.mergePatch<T>(ref, { metadata });
  }

  private async put<T extends KubeObject>(obj: T, verb: 'update' | 'status'): Promise<T> {
    const ref = typedRefOf(obj);
    const { rt, version } = resourceFor(ref.apiVersion, ref.kind);
    return this.rest.request<T>({
      method: 'PUT',
      path: objectPath(rt, ref.namespace, ref.name, verb === 'status' ? 'status' : undefined, version),
      query: { fieldManager: this.fieldManager },
      body: obj,
    });
  }
}
