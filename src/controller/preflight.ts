import type { ObjectRef } from '../api/meta.js';
import { KubeDoctorCluster } from '../doctor/kube-cluster.js';
import { accessReviews, describeAccess, operatorPermissions, type Permission } from '../doctor/permissions.js';
import { errorMessage } from '../kube/errors.js';
import type { RestClient } from '../kube/rest.js';
import type { Logger } from '../observability/logger.js';

export class PermissionError extends Error {
  override readonly name = 'PermissionError';
}

/**
 * Needed at all times, whatever the config says: the caches, the writes and (when electing) the Lease.
 * Left out: Secret copies (their namespace is only known from config-istio), the prober's reads (not
 * used with --readiness=written), the finalizers subresources (only some clusters enforce them) and
 * Events (we work without them). A missing one of those shows as a failure naming the request instead.
 */
function needed(p: Permission): boolean {
  if (p.namespace === '') return false;
  return !['endpointslices', 'services', 'events', 'ingresses/finalizers', 'secrets/finalizers'].includes(p.resource);
}

/**
 * Asks the API server (SelfSubjectAccessReview, which every authenticated user may create) whether our
 * credentials may do what the controller does, and throws naming every verb that is forbidden. An API
 * server that cannot answer is not a reason to refuse to start: the caches then report what fails.
 */
export async function checkPermissions(
  rest: RestClient,
  opts: { systemNamespace: string; leaderElection?: ObjectRef },
  log: Pick<Logger, 'debug'>,
): Promise<void> {
  const scope = {
    systemNamespace: opts.systemNamespace,
    higressNamespace: '',
    lease: opts.leaderElection ?? { namespace: '', name: '' },
  };
  const reviews = accessReviews(operatorPermissions(scope).filter(needed));
  const cluster = new KubeDoctorCluster(rest);
  let answers: boolean[];
  try {
    answers = await inLanes(reviews, REVIEW_LANES, (r) => cluster.allowed({ kind: 'self' }, r.attrs));
  } catch (err) {
    log.debug('permission check skipped: access reviews failed', { error: errorMessage(err) });
    return;
  }
  const denied = reviews.filter((_r, i) => !answers[i]);
  if (denied.length === 0) return;
  throw new PermissionError(
    `forbidden: these credentials may not ${denied.map((r) => `${describeAccess(r.attrs)} [${r.permission.why}]`).join('; ')}`,
  );
}

/**
 * A few at a time: the keep-alive agent opens a connection for each request in flight, and 30 reviews at once
 * cost 30 TLS handshakes at start-up, here and on the API server.
 */
const REVIEW_LANES = 4;

async function inLanes<T, R>(items: readonly T[], lanes: number, each: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await each(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
  return out;
}
