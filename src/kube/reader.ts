import { isNotFound } from './errors.js';
import { collectionPath, objectPath, resourceFor, type ResourceType } from './resources.js';
import type { RestClient } from './rest.js';
import type { TypedObjectRef } from '../api/meta.js';
import type { KubeObject } from './types.js';

/**
 * Live reads for what is not worth an informer (a referenced Secret, a fresh copy after a conflict).
 * Reads are counted so tests can check that steady state is served from caches.
 */
export class KubeReader {
  private count = 0;

  constructor(private readonly rest: RestClient) {}

  /** undefined when the object does not exist. */
  async get<T extends KubeObject>(ref: TypedObjectRef): Promise<T | undefined> {
    const { rt, version } = resourceFor(ref.apiVersion, ref.kind);
    this.count += 1;
    try {
      return await this.rest.request<T>({
        method: 'GET',
        path: objectPath(rt, ref.namespace, ref.name, undefined, version),
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list<T extends KubeObject>(
    rt: ResourceType,
    opts: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {},
  ): Promise<T[]> {
    this.count += 1;
    const res = await this.rest.request<{ items?: T[] | null }>({
      method: 'GET',
      path: collectionPath(rt, opts.namespace),
      query: { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector },
    });
    return res.items ?? [];
  }

  readCount(): number {
    return this.count;
  }
}
