import { Informer, type InformerOptions, type ListWatchSource } from './informer.js';
import { StringTable } from './intern.js';
import { apiVersionOf, collectionPath, type ResourceType } from './resources.js';
import type { RestClient } from './rest.js';
import { refusesStreamingList, streamingList } from './streamlist.js';
import type { KubeObject } from './types.js';

export interface ListWatchSpec {
  /** Collection path, e.g. `/apis/networking.internal.knative.dev/v1alpha1/ingresses`. */
  path: string;
  /** Applied to the list and the watch alike (makeInformer applies it to the watch only). */
  labelSelector?: string;
  /** e.g. `metadata.name=config-istio` to follow a single ConfigMap. */
  fieldSelector?: string;
  /**
   * Page size of a paged list, where the API server refuses streaming lists (default 250). Each page is
   * parsed in one go, blocking the event loop: 500 VirtualServices are 2.4 MB of JSON and 20-50 ms, 250 are
   * 8-12 ms. Smaller pages cost round trips: with 100, 20,000 KIngresses on a loaded API server took minutes
   * to list, long enough for a continue token to expire (410) and the list to start over.
   */
  pageSize?: number;
  /** Drops, in place, what this cache need not keep beyond what every cache drops (called on each object). */
  trim?: (obj: object) => void;
  /** List with a streaming watch (see streamlist.ts) where the API server serves one; default true. */
  streamingList?: boolean;
  /**
   * Ask for metadata only (PartialObjectMetadata): the API server encodes and sends no spec or status. Listing
   * 5,000 converged VirtualServices took it 0.26-1.0 s of CPU this way against 1.5-4.4 s in full. The objects are
   * cached with this apiVersion and kind instead of PartialObjectMetadata's, so that a delete or an update built
   * from one goes to the resource it came from.
   */
  metadataOnly?: { apiVersion: string; kind: string };
}

/** The media types of a metadata-only list and of a metadata-only watch (or streaming list). */
const METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
const METADATA_WATCH = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

const DEFAULT_PAGE_SIZE = 250;

interface ListPage<T> {
  items?: T[] | null;
  metadata?: { resourceVersion?: string; continue?: string };
}

/**
 * Lists and watches through our RestClient (raw JSON both ways, so cached objects have one shape
 * whichever way they arrived).
 */
export function kubeListWatch<T extends KubeObject>(rest: RestClient, spec: ListWatchSpec): ListWatchSource<T> {
  const selectors = { labelSelector: spec.labelSelector, fieldSelector: spec.fieldSelector };
  const accept = spec.metadataOnly ? { list: METADATA_LIST, watch: METADATA_WATCH } : undefined;
  const lean = (obj: T): T => {
    spec.trim?.(obj);
    if (spec.metadataOnly) Object.assign(obj, spec.metadataOnly);
    return leanObject(obj);
  };
  // Off for good once the API server refuses a streaming list: it is not going to learn while we run.
  let streaming = spec.streamingList ?? true;
  const pagedList = async () => {
    const items: T[] = [];
    let resourceVersion = '';
    const fetchPage = (cont: string | undefined) =>
      rest.requestText({
        method: 'GET',
        path: spec.path,
        query: { ...selectors, limit: spec.pageSize ?? DEFAULT_PAGE_SIZE, continue: cont },
        accept: accept?.list,
        timeoutMs: 60_000,
      });
    let next: Promise<string> | undefined = fetchPage(undefined);
    while (next) {
      const text: string = await next;
      // The next page is asked for before this one is parsed, so the API server encodes it meanwhile.
      const ahead = continueAtEnd(text);
      const early = ahead?.continue !== undefined ? fetchPage(ahead.continue) : undefined;
      if (early) {
        early.catch(() => undefined); // awaited below; a failure before then is not unhandled
        // One turn of the event loop: the request is written out before the parse takes the thread.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const page = JSON.parse(text) as ListPage<T>;
      for (const item of page.items ?? []) items.push(lean(item));
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      const cont = page.metadata?.continue || undefined;
      next = cont === undefined ? undefined : cont === ahead?.continue ? early : fetchPage(cont);
    }
    return { items, resourceVersion };
  };
  return {
    async list() {
      if (streaming) {
        try {
          return await streamingList(rest, spec.path, selectors, lean, accept?.watch);
        } catch (err) {
          if (!refusesStreamingList(err)) throw err;
          streaming = false;
        }
      }
      return pagedList();
    },

    async watch(resourceVersion, timeoutSeconds, onEvent, onDone) {
      const query = { ...selectors, resourceVersion, allowWatchBookmarks: true, timeoutSeconds };
      return rest.watch(
        spec.path,
        query,
        (type, obj) => onEvent(type, type === 'ERROR' ? obj : lean(obj as T)),
        onDone,
        accept?.watch,
      );
    },
  };
}

/**
 * The list's own metadata, when the page ends with it: custom resources are encoded with their keys sorted, so
 * `"metadata":{"continue":...,"resourceVersion":...}` comes after every item. Undefined when the page is laid out
 * otherwise (built-in kinds put metadata first), and the caller waits for the parse.
 */
function continueAtEnd(text: string): { continue?: string } | undefined {
  const tail = /"metadata":(\{[^{}]*\})\}\s*$/.exec(text.length > 2048 ? text.slice(-2048) : text);
  if (!tail) return undefined;
  try {
    const meta = JSON.parse(tail[1] as string) as { continue?: unknown };
    return { continue: typeof meta.continue === 'string' && meta.continue !== '' ? meta.continue : undefined };
  } catch {
    return undefined;
  }
}

/** Shared by every informer: a KIngress and the VirtualService made from it repeat each other's hosts. */
const strings = new StringTable();

/**
 * What the caches keep of an object: everything but metadata.managedFields, often the largest part of a small
 * object and never read by us. Writes built from a cached object then carry no managedFields, which the API
 * server reads as "unchanged". The strings of metadata, spec and status are shared between objects (a Secret's
 * or ConfigMap's data is not: it is seldom repeated, and Secret data stays out of any shared table).
 */
function leanObject<T extends KubeObject>(obj: T): T {
  const o = obj as { metadata?: { managedFields?: unknown }; spec?: unknown; status?: unknown } | undefined;
  // Set to undefined rather than deleted: a delete (not of the last key) turns metadata into a dictionary-mode
  // object, 1,017 bytes against 260 for a KIngress's metadata in a microbenchmark, slower to read and to scan.
  // JSON.stringify and jsonEqual take an undefined field for an absent one.
  if (o?.metadata?.managedFields !== undefined) o.metadata.managedFields = undefined;
  strings.internAll(o?.metadata);
  strings.internAll(o?.spec);
  strings.internAll(o?.status);
  return obj;
}

export interface KubeInformerOptions extends InformerOptions, Omit<ListWatchSpec, 'path' | 'metadataOnly'> {
  /** Cache metadata only (see ListWatchSpec.metadataOnly). */
  metadataOnly?: boolean;
  /** Watch a single namespace; all namespaces when omitted. */
  namespace?: string;
  /** Served version to use instead of the resource's default. */
  version?: string;
}

/** An informer over one resource type, e.g. `createInformer<KIngress>(rest, KINGRESS)`. */
export function createInformer<T extends KubeObject>(
  rest: RestClient,
  rt: ResourceType,
  opts: KubeInformerOptions = {},
): Informer<T> {
  const path = collectionPath(rt, opts.namespace, opts.version ?? rt.version);
  const source = kubeListWatch<T>(rest, {
    path,
    labelSelector: opts.labelSelector,
    fieldSelector: opts.fieldSelector,
    pageSize: opts.pageSize,
    trim: opts.trim,
    streamingList: opts.streamingList,
    metadataOnly: opts.metadataOnly ? { apiVersion: apiVersionOf(rt, opts.version), kind: rt.kind } : undefined,
  });
  return new Informer<T>(source, { name: `${rt.plural}${opts.namespace ? ` in ${opts.namespace}` : ''}`, ...opts });
}
