/**
 * The verdict table of Knative's status prober: what one probe response says about one gateway pod.
 * Pure, so the table is tested as a table.
 *
 * Where we differ from upstream: a status other than 200/404/503 is not "abandoned" (counted as ready) but
 * retried and explained. On Higress such an answer is almost always a plugin (key-auth's 401/403, a rate
 * limit's 429) standing between the probe and Knative's probe handler, so the route may not be loaded at all:
 * counting it as ready would report a KIngress Ready that answers 404.
 */
import type { ProbeCause, ProbeOutcome } from '../observability/metrics.js';

export type { ProbeCause } from '../observability/metrics.js';

/** What came back from one probe: a response, or no response at all. */
export type ProbeResponse =
  | { kind: 'response'; status: number; hash: string | undefined }
  | {
      kind: 'error';
      timeout: boolean;
      message: string;
      /** Node's error code (ECONNREFUSED, ERR_SSL_…), when there is one. */
      code?: string | undefined;
      /** The connection was open but the TLS handshake failed. */
      tls?: boolean | undefined;
    };

/** `done` ends probing of that pod; `abandoned` counts as done, like upstream's "best effort". */
export type Verdict =
  | { done: true; outcome: Extract<ProbeOutcome, 'ready' | 'abandoned'>; reason: string }
  | { done: false; outcome: Exclude<ProbeOutcome, 'ready' | 'abandoned'>; reason: string; cause: ProbeCause };

const STATUS_CAUSES: Readonly<Record<number, ProbeCause>> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  426: 'upgrade_required',
  429: 'rate_limited',
  503: 'unavailable',
};

export function verdict(res: ProbeResponse, expectedHash: string): Verdict {
  if (res.kind === 'error') {
    if (res.timeout) return { done: false, outcome: 'timeout', reason: res.message, cause: 'timeout' };
    const cause: ProbeCause = res.code === 'ECONNREFUSED' ? 'refused' : res.tls ? 'tls' : 'error';
    return { done: false, outcome: 'error', reason: res.message, cause };
  }
  if (res.status === 200) {
    if (res.hash === expectedHash) return { done: true, outcome: 'ready', reason: 'hash matches' };
    // An old configuration is still live on this pod: it must catch up.
    if (res.hash) return { done: false, outcome: 'stale', reason: `serves hash ${res.hash}`, cause: 'stale' };
    // Something answers without the probe handler behind it: better Ready early than never (upstream).
    return { done: true, outcome: 'abandoned', reason: '200 without K-Network-Hash' };
  }
  // The route is not programmed yet (404), or its backend is not there yet (503).
  if (res.status === 404 || res.status === 503)
    return { done: false, outcome: 'not_ready', reason: `status ${res.status}`, cause: STATUS_CAUSES[res.status]! };
  return {
    done: false,
    outcome: 'rejected',
    reason: `status ${res.status}`,
    cause: STATUS_CAUSES[res.status] ?? 'unexpected_status',
  };
}
