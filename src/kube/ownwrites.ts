/**
 * The resourceVersions our own writes produced, per object, until the informer shows them. A watch event
 * that only brings back our own write has nothing new to reconcile, and a reconcile that runs before the
 * cache shows our last write would start from a stale object (its status PUT then fails with 409 Conflict).
 *
 * resourceVersions are compared for order only when both are decimal (etcd revisions, as every API server
 * serves them); anything else counts as news, so a change is never missed, at worst reconciled twice.
 */
export class OwnWrites {
  private readonly pending = new Map<string, { rv: string; at: number }>();
  /** Events about owners being reconciled right now: judged when the reconcile ends and its writes have returned. */
  private readonly held = new Map<string, Array<[string, string | undefined]>>();

  constructor(
    /** After this long an unseen write is forgotten (a relist may skip its exact version). */
    private readonly ttlMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The size at which expired entries are swept out next. */
  private sweepAt = 1024;

  /** Call with the object the API server returned for a write. */
  wrote(key: string, resourceVersion: string | undefined): void {
    if (!resourceVersion) return;
    this.pending.set(key, { rv: resourceVersion, at: this.now() });
    // An entry is dropped when its echo is seen or its key is next looked at; a write whose echo never
    // comes (an object no informer watches) would stay for good without this.
    if (this.pending.size >= this.sweepAt) {
      for (const k of [...this.pending.keys()]) this.live(k);
      this.sweepAt = Math.max(1024, 2 * this.pending.size);
    }
  }

  /** Writes still waiting for their echo (for tests and metrics). */
  get size(): number {
    return this.pending.size;
  }

  /**
   * For a watch event of `key` at `resourceVersion`: true when it is our write coming back, or an older
   * state our write was made on. Seeing our write's own version ends the wait.
   */
  echoed(key: string, resourceVersion: string | undefined): boolean {
    const p = this.live(key);
    if (!p || !resourceVersion) return false;
    if (p.rv === resourceVersion) {
      this.pending.delete(key);
      return true;
    }
    const order = compare(resourceVersion, p.rv);
    if (order === undefined || order > 0) {
      this.pending.delete(key);
      return false;
    }
    return true;
  }

  /** A reconcile of `owner` starts. (A watch event may overtake the response of the write it reports.) */
  begin(owner: string): void {
    this.held.set(owner, []);
  }

  /** A watch event of object `key` at `resourceVersion`, about `owner`: true when `owner` needs a reconcile now. */
  news(owner: string, key: string, resourceVersion: string | undefined): boolean {
    const held = this.held.get(owner);
    if (held) {
      held.push([key, resourceVersion]);
      return false;
    }
    return !this.echoed(key, resourceVersion);
  }

  /** The reconcile of `owner` ended: true when an event that came meanwhile was not our own write. */
  end(owner: string): boolean {
    const held = this.held.get(owner) ?? [];
    this.held.delete(owner);
    let news = false;
    for (const [key, rv] of held) if (!this.echoed(key, rv)) news = true;
    return news;
  }

  /** True while the cached version of `key` is older than our last write of it. */
  behind(key: string, cachedResourceVersion: string | undefined): boolean {
    const p = this.live(key);
    if (!p || !cachedResourceVersion) return false;
    return compare(cachedResourceVersion, p.rv) === -1;
  }

  private live(key: string): { rv: string; at: number } | undefined {
    const p = this.pending.get(key);
    if (p && this.now() - p.at > this.ttlMs) {
      this.pending.delete(key);
      return undefined;
    }
    return p;
  }
}

const DECIMAL = /^\d+$/;

function compare(a: string, b: string): -1 | 0 | 1 | undefined {
  if (!DECIMAL.test(a) || !DECIMAL.test(b)) return undefined;
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
