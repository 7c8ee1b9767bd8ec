import type { Informer } from '../kube/informer.js';
import { createInformer } from '../kube/listwatch.js';
import { resourceFor } from '../kube/resources.js';
import type { RestClient } from '../kube/rest.js';
import type { KubeObject } from '../kube/types.js';
import type { TypedObjectRef } from '../api/meta.js';

interface Followed {
  ref: TypedObjectRef;
  informer: Informer<KubeObject>;
}

/**
 * Objects standing in a KIngress's way (a VirtualService of its name that someone else owns). Each is
 * followed by a watch of that one object, so the KIngress is retried the moment it is deleted instead
 * of when its failure backoff, which may by then be minutes, runs out. Nothing else is cached.
 */
export class Blockers {
  private readonly followed = new Map<string, Followed>();

  constructor(
    private readonly rest: RestClient,
    private readonly retry: (key: string) => void,
    private readonly onError: (err: unknown, resource: string) => void,
  ) {}

  /** Follow `ref` for the KIngress `key` (replacing what it followed before). */
  follow(key: string, ref: TypedObjectRef): void {
    const current = this.followed.get(key);
    if (current && sameRef(current.ref, ref)) return;
    this.release(key);
    const { rt, version } = resourceFor(ref.apiVersion, ref.kind);
    const name = `${rt.plural} ${ref.namespace}/${ref.name}`;
    const informer = createInformer<KubeObject>(this.rest, rt, {
      name,
      version,
      namespace: ref.namespace,
      fieldSelector: `metadata.name=${ref.name}`,
      resyncMs: 0,
      onError: (err) => this.onError(err, name),
    });
    informer.addHandlers({ delete: () => this.retry(key) });
    this.followed.set(key, { ref, informer });
    informer.start();
    // Deleted before the watch began: no delete event will come.
    void informer.waitForSync().then(
      () => {
        if (this.followed.get(key)?.informer === informer && informer.list().length === 0) this.retry(key);
      },
      () => undefined,
    );
  }

  /** The KIngress reconciled, or is gone: stop following what blocked it. */
  release(key: string): void {
    const current = this.followed.get(key);
    if (!current) return;
    this.followed.delete(key);
    void current.informer.stop();
  }

  size(): number {
    return this.followed.size;
  }

  async stop(): Promise<void> {
    const all = [...this.followed.values()];
    this.followed.clear();
    await Promise.all(all.map((f) => f.informer.stop()));
  }
}

function sameRef(a: TypedObjectRef, b: TypedObjectRef): boolean {
  return a.apiVersion === b.apiVersion && a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;
}
