import { errorMessage, isForbidden } from '../kube/errors.js';
import type { CheckResult } from './types.js';

export const pass = (id: string, detail: string): CheckResult => ({ id, status: 'PASS', detail });
export const fail = (id: string, detail: string, fix: string): CheckResult => ({ id, status: 'FAIL', detail, fix });
export const skip = (id: string, detail: string, fix?: string): CheckResult => ({
  id,
  status: 'SKIP',
  detail,
  ...(fix ? { fix } : {}),
});

/** A read the check depends on failed: the check cannot say PASS, and says what it could not read. */
export function unreadable(id: string, what: string, err: unknown): CheckResult {
  const fix = isForbidden(err)
    ? `run doctor with credentials that may read ${what} (e.g. a cluster admin's kubeconfig)`
    : 'check that the API server is reachable with this kubeconfig (kubectl get --raw /readyz)';
  return fail(id, `cannot read ${what}: ${errorMessage(err)}`, fix);
}

export function formatLabels(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? '{}' : entries.map(([k, v]) => `${k}=${v}`).join(',');
}
