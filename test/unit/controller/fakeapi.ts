// A loopback stand-in for the API server, for unit tests of the controller's wiring: objects in memory,
// list, get, watch (streamed), create, update, /status, merge patch, delete, and access reviews. It
// checks resourceVersions and UIDs like the real one but no schema; the real one runs in the
// integration tests.
import type http from 'node:http';
import { RestClient } from '../../../src/kube/rest.js';
import { jsonEqual } from '../../../src/reconciler/equality.js';
import type { KubeObject } from '../../../src/kube/types.js';
import { json, status, StubServer, type SeenRequest } from '../kube/stubserver.js';

interface Parsed {
  namespace?: string;
  plural: string;
  name?: string;
  subresource?: string;
}

interface Watcher {
  plural: string;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  res: http.ServerResponse;
  /** Opened with sendInitialEvents: a list first, then a watch (not counted by watching()). */
  streamingList: boolean;
  /** Asked for PartialObjectMetadata: sent each object's metadata only. */
  metadataOnly: boolean;
}

const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

/** A watch proper: not a list, paged or streamed (a streaming list is a watch with sendInitialEvents). */
export function isWatchRequest(r: SeenRequest): boolean {
  return r.query.get('watch') === 'true' && r.query.get('sendInitialEvents') !== 'true';
}

interface Meta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  finalizers?: string[];
  labels?: Record<string, string>;
  [field: string]: unknown;
}
export type Obj = KubeObject & { metadata: Meta; [field: string]: unknown };

export class FakeApiServer {
  readonly stub = new StubServer();
  /** Resources (plural) whose access reviews are denied. */
  readonly denied = new Set<string>();
  /** Access reviews answer 500, as an API server without the authorization API would. */
  reviewsFail = false;
  /** Access reviews answer after this long, so that how many are in flight at once can be seen. */
  reviewDelayMs = 0;
  /** The most access reviews that were in flight at once. */
  maxReviewsInFlight = 0;
  private reviewsInFlight = 0;
  private readonly objects = new Map<string, Obj>();
  private readonly watchers = new Set<Watcher>();
  private readonly faults: Array<{ match: (r: SeenRequest) => boolean; code: number; left: number }> = [];
  /** Watch events of these resources (plural) wait in `backlog` until release(): a cache that lags behind. */
  private readonly held = new Set<string>();
  private backlog: Array<[string, string, Obj]> = [];
  private version = 1000;
  private rest: RestClient | undefined;

  async start(): Promise<RestClient> {
    this.stub.handler = (req, res) => this.serve(req, res);
    this.rest = new RestClient(await this.stub.start());
    return this.rest;
  }

  async stop(): Promise<void> {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
    this.rest?.close();
    await this.stub.stop();
  }

  /** Stores `obj` (as another client would) and tells the watchers. */
  put(plural: string, obj: Obj): Obj {
    const key = keyOf(plural, obj.metadata.namespace, obj.metadata.name);
    const existing = this.objects.get(key);
    const existed = existing !== undefined;
    this.version += 1;
    // As for a custom resource with a status subresource: a change of spec is a new generation.
    const generation =
      existing?.metadata.generation !== undefined && !jsonEqual(existing.spec, obj.spec)
        ? existing.metadata.generation + 1
        : (existing?.metadata.generation ?? obj.metadata.generation);
    const stored = {
      ...obj,
      metadata: {
        uid: `${obj.metadata.name}-uid`,
        ...obj.metadata,
        ...(generation !== undefined ? { generation } : {}),
        resourceVersion: String(this.version),
      },
    } as Obj;
    this.objects.set(key, stored);
    this.notify(plural, existed ? 'MODIFIED' : 'ADDED', stored);
    return stored;
  }

  remove(plural: string, namespace: string, name: string): void {
    const key = keyOf(plural, namespace, name);
    const obj = this.objects.get(key);
    if (!obj) return;
    this.objects.delete(key);
    this.notify(plural, 'DELETED', obj);
  }

  get<T = Obj>(plural: string, namespace: string, name: string): T | undefined {
    return this.objects.get(keyOf(plural, namespace, name)) as T | undefined;
  }

  list(plural: string): Obj[] {
    return [...this.objects.entries()].filter(([k]) => k.startsWith(`${plural} `)).map(([, o]) => o);
  }

  /** The next `times` requests that `match` are answered with `code` instead of being served. */
  fail(match: (r: SeenRequest) => boolean, code = 500, times = 1): void {
    this.faults.push({ match, code, left: times });
  }

  /** Watch events of `plural` wait until release(`plural`). */
  hold(plural: string): void {
    this.held.add(plural);
  }

  release(plural: string): void {
    this.held.delete(plural);
    const due = this.backlog.filter(([p]) => p === plural);
    this.backlog = this.backlog.filter(([p]) => p !== plural);
    for (const [p, type, obj] of due) this.notify(p, type, obj);
  }

  /** Ends the open watches of `plural` with 410 Gone, as after an etcd compaction. */
  expire(plural: string): void {
    for (const w of this.watchers) {
      if (w.plural !== plural || w.streamingList) continue;
      const gone = {
        kind: 'Status',
        status: 'Failure',
        code: 410,
        reason: 'Expired',
        message: 'too old resource version',
      };
      w.res.write(`${JSON.stringify({ type: 'ERROR', object: gone })}\n`);
    }
  }

  /** Open watches of `plural` with this field selector. */
  watching(plural: string, fieldSelector?: string): number {
    return [...this.watchers].filter(
      (w) => w.plural === plural && w.fieldSelector === fieldSelector && !w.streamingList,
    ).length;
  }

  /** Every request seen, in the order they arrived. */
  get seen(): readonly SeenRequest[] {
    return this.stub.seen;
  }

  /** Requests seen with this method and path prefix. */
  requests(method: string, pathPart: string): SeenRequest[] {
    return this.stub.seen.filter((r) => r.method === method && r.path.includes(pathPart));
  }

  private serve(req: SeenRequest, res: http.ServerResponse): void {
    const fault = this.faults.find((f) => f.left > 0 && f.match(req));
    if (fault) {
      fault.left -= 1;
      status(res, fault.code, fault.code === 403 ? 'Forbidden' : 'InternalError', `injected ${fault.code}`);
      return;
    }
    if (req.path.endsWith('/selfsubjectaccessreviews')) {
      if (this.reviewsFail) {
        status(res, 500, 'InternalError', 'no authorizer');
        return;
      }
      const attrs = (req.body as { spec: { resourceAttributes: { resource: string; subresource?: string } } }).spec
        .resourceAttributes;
      const allowed = !this.denied.has(attrs.resource);
      this.maxReviewsInFlight = Math.max(this.maxReviewsInFlight, ++this.reviewsInFlight);
      setTimeout(() => {
        this.reviewsInFlight -= 1;
        json(res, 201, { status: { allowed } });
      }, this.reviewDelayMs);
      return;
    }
    const p = parse(req.path);
    const q = (k: string) => req.query.get(k) ?? undefined;
    if (req.method === 'GET' && !p.name) {
      if (q('watch') === 'true') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        const w: Watcher = {
          plural: p.plural,
          namespace: p.namespace,
          labelSelector: q('labelSelector'),
          fieldSelector: q('fieldSelector'),
          res,
          streamingList: q('sendInitialEvents') === 'true',
          metadataOnly: asMetadata(req),
        };
        if (w.streamingList) {
          // A streaming list (WatchList): the current objects, then the bookmark that ends them.
          for (const o of this.list(p.plural))
            if (matches(o, w.namespace, w.labelSelector, w.fieldSelector))
              res.write(`${JSON.stringify({ type: 'ADDED', object: w.metadataOnly ? metadataOf(o) : o })}\n`);
          const end = { resourceVersion: String(this.version), annotations: { [INITIAL_EVENTS_END]: 'true' } };
          res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { metadata: end } })}\n`);
        }
        this.watchers.add(w);
        res.on('close', () => this.watchers.delete(w));
        return;
      }
      const items = this.list(p.plural).filter((o) => matches(o, p.namespace, q('labelSelector'), q('fieldSelector')));
      const sent = asMetadata(req) ? items.map(metadataOf) : items;
      json(res, 200, { metadata: { resourceVersion: String(this.version) }, items: sent });
      return;
    }
    const key = keyOf(p.plural, p.namespace, p.name ?? (req.body as Obj | undefined)?.metadata?.name ?? '');
    const existing = this.objects.get(key);
    const body = req.body as Obj;
    const notFound = () => status(res, 404, 'NotFound', `${p.plural} "${p.name ?? ''}" not found`);
    const conflict = () =>
      status(
        res,
        409,
        'Conflict',
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    switch (req.method) {
      case 'GET':
        if (!existing) notFound();
        else json(res, 200, existing);
        return;
      case 'POST':
        if (existing) status(res, 409, 'AlreadyExists', `${p.plural} "${body.metadata.name}" already exists`);
        else
          json(
            res,
            201,
            this.put(p.plural, {
              ...body,
              metadata: { ...body.metadata, namespace: p.namespace ?? '', generation: 1 },
            }),
          );
        return;
      case 'PUT':
        if (!existing) notFound();
        else if (body.metadata.resourceVersion && body.metadata.resourceVersion !== existing.metadata.resourceVersion)
          conflict();
        else
          json(res, 200, this.put(p.plural, p.subresource === 'status' ? { ...existing, status: body.status } : body));
        return;
      case 'PATCH': {
        const meta = (body as { metadata?: { finalizers?: string[] | null; resourceVersion?: string } }).metadata ?? {};
        if (!existing) notFound();
        else if (meta.resourceVersion && meta.resourceVersion !== existing.metadata.resourceVersion) conflict();
        else {
          const { finalizers: _f, ...rest } = existing.metadata;
          json(
            res,
            200,
            this.put(p.plural, {
              ...existing,
              metadata: { ...rest, ...(meta.finalizers?.length ? { finalizers: meta.finalizers } : {}) },
            }),
          );
        }
        return;
      }
      case 'DELETE': {
        const uid = (body as { preconditions?: { uid?: string } } | undefined)?.preconditions?.uid;
        if (!existing) notFound();
        else if (uid !== undefined && uid !== existing.metadata.uid) conflict();
        else {
          this.remove(p.plural, p.namespace ?? '', p.name ?? '');
          json(res, 200, { kind: 'Status', status: 'Success' });
        }
        return;
      }
      default:
        status(res, 405, 'MethodNotAllowed', req.method);
    }
  }

  private notify(plural: string, type: string, obj: Obj): void {
    if (this.held.has(plural)) {
      this.backlog.push([plural, type, obj]);
      return;
    }
    for (const w of this.watchers) {
      if (w.plural === plural && matches(obj, w.namespace, w.labelSelector, w.fieldSelector))
        w.res.write(`${JSON.stringify({ type, object: w.metadataOnly ? metadataOf(obj) : obj })}\n`);
    }
  }
}

function asMetadata(req: SeenRequest): boolean {
  return req.accept?.includes('as=PartialObjectMetadata') ?? false;
}

function metadataOf(o: Obj): Obj {
  return { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: o.metadata };
}

function keyOf(plural: string, namespace: string | undefined, name: string): string {
  return `${plural} ${namespace ?? ''}/${name}`;
}

/** `/api/v1/namespaces/ns/secrets/x` and `/apis/group/version/...`, with an optional subresource. */
function parse(path: string): Parsed {
  const parts = path.split('/').filter(Boolean);
  let rest = parts[0] === 'api' ? parts.slice(2) : parts.slice(3);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  return { namespace, plural: rest[0] ?? '', name: rest[1], subresource: rest[2] };
}

/** Equality and existence label selectors, and `metadata.name=` field selectors: what the controller sends. */
function matches(
  o: Obj,
  namespace: string | undefined,
  labelSelector: string | undefined,
  fieldSelector: string | undefined,
): boolean {
  if (namespace && o.metadata.namespace !== namespace) return false;
  const labels = o.metadata.labels ?? {};
  for (const term of (labelSelector ?? '').split(',').filter(Boolean)) {
    const [k, v] = term.split('=');
    if (!k || !(k in labels) || (v !== undefined && labels[k] !== v)) return false;
  }
  for (const term of (fieldSelector ?? '').split(',').filter(Boolean)) {
    const [k, v] = term.split('=');
    if (k === 'metadata.name' && o.metadata.name !== v) return false;
  }
  return true;
}
