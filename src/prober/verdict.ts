/**
 * The verdict table of Knative's status prober (knative-networking.md §3.3): what one probe response
 * says about one gateway pod. Pure, so the table is tested as a table.
 */
import type { ProbeOutcome } from '../observability/metrics.js';

/** What came back from one probe: a response, or no response at all. */
export type ProbeResponse =
  | { kind: 'response'; status: number; hash: string | undefined }
  | { kind: 'error'; timeout: boolean; message: string };

/** `done` ends probing of that pod; `abandoned` counts as done, like upstream's "best effort". */
export type Verdict =
  | { done: true; outcome: Extract<ProbeOutcome, 'ready' | 'abandoned'>; reason: string }
  | { done: false; outcome: Exclude<ProbeOutcome, 'ready' | 'abandoned'>; reason: string };

export function verdict(res: ProbeResponse, expectedHash: string): Verdict {
  if (res.kind === 'error') {
    return { done: false, outcome: res.timeout ? 'timeout' : 'error', reason: res.message };
  }
  if (res.status === 200) {
    if (res.hash === expectedHash) return { done: true, outcome: 'ready', reason: 'hash matches' };
    // An old configuration is still live on this pod: it must catch up.
    if (res.hash) return { done: false, outcome: 'stale', reason: `serves hash ${res.hash}` };
    // Something answers without the probe handler behind it: better Ready early than never (upstream).
    return { done: true, outcome: 'abandoned', reason: '200 without K-Network-Hash' };
  }
  // The route is not programmed yet (404), or its backend is not there yet (503).
  if (res.status === 404 || res.status === 503) return { done: false, outcome: 'not_ready', reason: `status ${res.status}` };
  return { done: true, outcome: 'abandoned', reason: `unexpected status ${res.status}` };
}
