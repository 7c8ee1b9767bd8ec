import { errorMessage, statusCode } from './errors.js';
import type { RestClient } from './rest.js';
import { objectKey, type KubeObject } from './types.js';

/** The annotation on the bookmark that ends a streaming list's initial events. */
const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

/** A stream that sends nothing for this long is given up, as a list page that never came would be. */
const IDLE_MS = 60_000;

/** The server ends the stream after this long; it is normally closed by us at its end bookmark. */
const STREAM_TIMEOUT_SECONDS = 1800;

/**
 * A list as a watch that starts with the current objects (`sendInitialEvents`, Kubernetes' WatchList; on by default
 * in the 1.36 API server tested here). Each object arrives as its own event and is parsed and trimmed alone, so what
 * a cache drops of it (managedFields) dies young instead of being copied by the scavenger
 * with the rest of a 250-object page. Restarting on 5,000 converged KIngresses: `/readyz` after a median 1.43 s
 * against 1.66 s with paged lists, 1.07 against 1.33 s of CPU. The result is as fresh as a list's (NotOlderThan with
 * no resourceVersion is a consistent read), and its resourceVersion is the end bookmark's, where the watch resumes.
 */
export function streamingList<T extends KubeObject>(
  rest: RestClient,
  path: string,
  selectors: { labelSelector?: string; fieldSelector?: string },
  lean: (obj: T) => T,
  accept?: string,
): Promise<{ items: T[]; resourceVersion: string }> {
  return new Promise((resolve, reject) => {
    const objects = new Map<string, T>();
    let stream: { abort(): void } | undefined;
    let settled = false;
    let idle: NodeJS.Timeout | undefined;
    const finish = (err: unknown, resourceVersion = '') => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      stream?.abort();
      if (err) reject(err instanceof Error ? err : new Error(errorMessage(err)));
      else resolve({ items: [...objects.values()], resourceVersion });
    };
    const alive = () => {
      clearTimeout(idle);
      idle = setTimeout(
        () =>
          finish(
            Object.assign(new Error(`streaming list of ${path} sent nothing for ${IDLE_MS / 1000} s`), {
              code: 'ETIMEDOUT',
            }),
          ),
        IDLE_MS,
      );
      idle.unref(); // the stream's socket keeps the process up while it lasts
    };
    alive();
    const query = {
      ...selectors,
      sendInitialEvents: true,
      resourceVersionMatch: 'NotOlderThan',
      allowWatchBookmarks: true,
      timeoutSeconds: STREAM_TIMEOUT_SECONDS,
    };
    rest
      .watch(
        path,
        query,
        (type, raw) => {
          if (settled) return;
          alive();
          const obj = raw as T;
          if (type === 'ADDED' || type === 'MODIFIED') objects.set(objectKey(obj), lean(obj));
          else if (type === 'DELETED') objects.delete(objectKey(obj));
          // A Status in the stream: kept as the error's code and body, where isGone and the logs read it.
          else if (type === 'ERROR')
            finish(Object.assign(new Error(errorMessage(raw)), { code: statusCode(raw), body: JSON.stringify(raw) }));
          else if (type === 'BOOKMARK' && endsInitialEvents(raw))
            finish(undefined, obj.metadata?.resourceVersion ?? '');
        },
        (err) => finish(err ?? new Error(`streaming list of ${path} ended before its initial events did`)),
        accept,
      )
      .then(
        (s) => {
          stream = s;
          if (settled) s.abort();
        },
        (err: unknown) => finish(err),
      );
  });
}

function endsInitialEvents(bookmark: unknown): boolean {
  const meta = (bookmark as { metadata?: { annotations?: Record<string, string> } } | null)?.metadata;
  return meta?.annotations?.[INITIAL_EVENTS_END] === 'true';
}

/**
 * An API server that cannot stream lists says so with 422 Invalid: `sendInitialEvents` is forbidden while the
 * WatchList gate is off, and `resourceVersionMatch` on a watch before 1.27. 400 is taken the same way. Anything
 * else (403, 5xx, a broken connection) is the list's failure, retried as any failed list.
 */
export function refusesStreamingList(err: unknown): boolean {
  const code = statusCode(err);
  return code === 422 || code === 400;
}
