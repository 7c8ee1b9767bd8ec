import { hostname } from 'node:os';
import { type Clock, realClock } from './clock.js';
import { isNotFound } from './errors.js';
import { collectionPath, EVENT, objectPath } from './resources.js';
import type { RestClient } from './rest.js';
import type { KubeObject } from './types.js';

export type EventType = 'Normal' | 'Warning';

/** Where events go; the REST implementation writes core/v1 Events. */
export interface EventSink {
  create(namespace: string, event: CoreEvent): Promise<{ metadata?: { name?: string } } | undefined>;
  patch(namespace: string, name: string, patch: Partial<CoreEvent>): Promise<unknown>;
}

export interface CoreEvent {
  apiVersion: 'v1';
  kind: 'Event';
  metadata: { name: string; namespace: string };
  involvedObject: {
    apiVersion?: string;
    kind?: string;
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
  };
  reason: string;
  message: string;
  type: EventType;
  source: { component: string; host?: string };
  reportingComponent: string;
  reportingInstance: string;
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
}

export interface EventRecorderOptions {
  component?: string;
  /** Defaults to the host name (the pod name in a cluster). */
  instance?: string;
  /** Failures to record are passed here (for logging) and never thrown. */
  onError?: (err: unknown, summary: string) => void;
  /** A repeat of the same event within this window bumps its count instead of creating another (default 10 min). */
  dedupWindowMs?: number;
  /** How many distinct recent events are remembered for that (default 4096). */
  maxRemembered?: number;
  clock?: Clock;
}

const MAX_MESSAGE = 1024;

export function restEventSink(rest: RestClient): EventSink {
  return {
    create: (namespace, event) =>
      rest.request<{ metadata?: { name?: string } }>({
        method: 'POST',
        path: collectionPath(EVENT, namespace),
        body: event,
      }),
    patch: (namespace, name, patch) =>
      rest.request({
        method: 'PATCH',
        path: objectPath(EVENT, namespace, name),
        body: patch,
        contentType: 'application/merge-patch+json',
      }),
  };
}

/**
 * Records Kubernetes Events on objects (`kubectl describe kingress` shows them). Like client-go's
 * recorder it folds repeats of the same event into one with a growing count, so a KIngress that
 * keeps failing does not flood its namespace. Recording is best effort: it never throws.
 */
export class EventRecorder {
  private readonly recent = new Map<string, { name: string; count: number; at: number }>();
  private readonly component: string;
  private readonly instance: string;
  private readonly clock: Clock;
  private seq = 0;

  constructor(
    private readonly sink: EventSink,
    private readonly opts: EventRecorderOptions = {},
  ) {
    this.component = opts.component ?? 'net-higress';
    this.instance = opts.instance ?? hostname();
    this.clock = opts.clock ?? realClock;
  }

  async record(involved: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const meta = involved.metadata ?? {};
    const namespace = meta.namespace || 'default';
    const text = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message;
    const summary = `${type} ${reason} on ${involved.kind ?? 'object'} ${namespace}/${meta.name ?? ''}`;
    try {
      const now = this.clock.now();
      const key = [namespace, involved.kind, meta.name, meta.uid, type, reason, text].join('\u0000');
      const seen = this.recent.get(key);
      if (seen && now - seen.at < (this.opts.dedupWindowMs ?? 600_000)) {
        try {
          await this.sink.patch(namespace, seen.name, { count: seen.count + 1, lastTimestamp: rfc3339(now) });
          this.remember(key, { ...seen, count: seen.count + 1, at: now });
          return;
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      const name = `${meta.name ?? 'object'}.${this.uniqueSuffix(now)}`;
      const event: CoreEvent = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: involved.apiVersion,
          kind: involved.kind,
          name: meta.name,
          namespace: meta.namespace,
          uid: meta.uid,
          resourceVersion: meta.resourceVersion,
        },
        reason,
        message: text,
        type,
        source: { component: this.component, host: this.instance },
        reportingComponent: this.component,
        reportingInstance: this.instance,
        firstTimestamp: rfc3339(now),
        lastTimestamp: rfc3339(now),
        count: 1,
      };
      await this.sink.create(namespace, event);
      this.remember(key, { name, count: 1, at: now });
    } catch (err) {
      try {
        this.opts.onError?.(err, summary);
      } catch {
        // The recorder promises never to throw.
      }
    }
  }

  private remember(key: string, entry: { name: string; count: number; at: number }): void {
    this.recent.delete(key);
    this.recent.set(key, entry);
    const max = this.opts.maxRemembered ?? 4096;
    while (this.recent.size > max) {
      const oldest = this.recent.keys().next().value;
      if (oldest === undefined) break;
      this.recent.delete(oldest);
    }
  }

  /** client-go names events `<object>.<unix nanos in hex>`; a counter keeps same-millisecond ones apart. */
  private uniqueSuffix(nowMs: number): string {
    this.seq = (this.seq + 1) % 1_000_000;
    return (BigInt(Math.floor(nowMs)) * 1_000_000n + BigInt(this.seq)).toString(16);
  }
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
