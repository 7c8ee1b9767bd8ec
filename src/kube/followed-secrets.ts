import type { Secret } from '../api/core.js';
import { keyOf, type ObjectRef } from '../api/meta.js';
import type { Informer } from './informer.js';
import type { KubeObject } from './types.js';

export interface FollowedSecretsOptions {
  /** An informer over exactly one Secret (list+watch with `fieldSelector=metadata.name=<name>` in its namespace). */
  watchOne(ref: ObjectRef): Informer<KubeObject>;
  /** The Secret was created, changed or deleted after its watch's first list. */
  onChange(secret: KubeObject): void;
  /** How long a first lookup waits for the watch's first list. */
  syncTimeoutMs?: number;
}

/**
 * TLS Secrets that the labelled Secret informer does not see (a user's own certificate, without
 * Knative's certificate-uid label) are followed one by one, each by a watch on its name, while a KIngress
 * names it. A watch per referenced namespace would list and stream every Secret there (Helm releases,
 * tokens, pull secrets) only to drop them; a watch by name transfers and caches just the Secrets the
 * KIngresses use, at the price of one watch connection per followed Secret, and follows a Secret that
 * does not exist yet, so its creation reconciles the KIngress waiting for it.
 */
export class FollowedSecrets {
  private readonly watches = new Map<string, Informer<KubeObject>>();

  constructor(private readonly opts: FollowedSecretsOptions) {}

  /** The Secret as its own watch sees it; the first lookup starts that watch and waits for its first list. */
  async get(ref: ObjectRef): Promise<Secret | undefined> {
    const key = keyOf(ref);
    let informer = this.watches.get(key);
    if (!informer) {
      const inf = this.opts.watchOne(ref);
      // The first list's objects are what the caller is about to read: only later changes are news.
      const changed = (obj: KubeObject) => {
        if (inf.hasSynced()) this.opts.onChange(obj);
      };
      inf.addHandlers({ add: changed, update: (_old, obj) => changed(obj), delete: changed });
      inf.start();
      this.watches.set(key, inf);
      informer = inf;
    }
    try {
      await informer.waitForSync(this.opts.syncTimeoutMs ?? 10_000);
    } catch (err) {
      // A watch that cannot list (no permission, API server away) is retried by the next lookup, not kept.
      await this.stop(key);
      throw err;
    }
    return informer.get(ref.namespace, ref.name) as Secret | undefined;
  }

  /** Stops following the Secrets not in `wanted` (keys `namespace/name`): no KIngress names them any more. */
  async retain(wanted: ReadonlySet<string>): Promise<void> {
    for (const key of [...this.watches.keys()]) if (!wanted.has(key)) await this.stop(key);
  }

  /** `namespace/name` of every followed Secret. */
  keys(): string[] {
    return [...this.watches.keys()].sort();
  }

  async stopAll(): Promise<void> {
    for (const key of [...this.watches.keys()]) await this.stop(key);
  }

  private async stop(key: string): Promise<void> {
    const informer = this.watches.get(key);
    this.watches.delete(key);
    await informer?.stop();
  }
}
