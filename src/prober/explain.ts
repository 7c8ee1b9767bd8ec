/**
 * A failed probe in one line a person can act on: which gateway pod, which host, what came back, and the
 * likely cause with where to look. This is what the KIngress LoadBalancerReady condition, the Warning Event
 * and the warn log say while a KIngress waits for its gateway pods. Pure.
 */
import type { ProbeTarget } from './targets.js';
import type { ProbeCause, ProbeResponse } from './verdict.js';

export interface ProbeFailure {
  cause: ProbeCause;
  /** `ip:port` of the gateway pod. */
  pod: string;
  host: string;
  message: string;
}

const ROUTE_FIX = 'target it by route (matchRules.ingress), see README';

const LIKELY: Readonly<Record<ProbeCause, string>> = {
  unauthorized: `a Higress plugin (key-auth?) rejects Knative probes — ${ROUTE_FIX}`,
  forbidden: `a Higress plugin (key-auth allow list? WAF?) rejects Knative probes — ${ROUTE_FIX}`,
  rate_limited: `a Higress rate-limit plugin throttles Knative probes — ${ROUTE_FIX}`,
  upgrade_required:
    'the gateway demands another protocol on this port (a plugin or a Gateway server wanting HTTPS or HTTP/2?) — check the Gateway servers and plugins for this host',
  unexpected_status: `something in front of Knative (a Higress plugin? a redirect?) answers Knative probes — if it is a plugin, ${ROUTE_FIX}`,
  not_found:
    'Higress has not loaded the route yet (or no Gateway of this KIngress selects this pod) — if it lasts, check the higress-controller logs and run net-higress doctor',
  unavailable: 'Higress has the route but no healthy backend yet (Knative activator or revision not ready?)',
  stale:
    'Higress still serves an older generation of this KIngress (config push pending or rejected?) — if it lasts, check the higress-controller logs',
  refused: 'nothing listens on that port in the pod (gateway still starting, or no Gateway server for this port?)',
  tls: 'the gateway has no certificate for this host yet (TLS secret copy not loaded?)',
  timeout: 'the pod is overloaded, or a NetworkPolicy drops traffic from net-higress to the gateway pods',
  error: 'net-higress cannot reach the pod',
};

/** Probe failures of these causes are normal for a moment after every change; the others never are. */
const TRANSIENT: ReadonlySet<ProbeCause> = new Set<ProbeCause>([
  'not_found',
  'unavailable',
  'stale',
  'refused',
  'tls',
  'timeout',
  'error',
]);

export function isTransient(cause: ProbeCause): boolean {
  return TRANSIENT.has(cause);
}

export function explainFailure(target: ProbeTarget, res: ProbeResponse, cause: ProbeCause): ProbeFailure {
  const pod = `${target.podIP.includes(':') ? `[${target.podIP}]` : target.podIP}:${target.podPort}`;
  return {
    cause,
    pod,
    host: target.host,
    message: `gateway pod ${pod} ${whatCameBack(res, cause)} for ${target.host}: ${LIKELY[cause]}`,
  };
}

function whatCameBack(res: ProbeResponse, cause: ProbeCause): string {
  if (res.kind === 'response')
    return cause === 'stale' ? 'answered with the hash of another generation' : `answered ${res.status}`;
  if (cause === 'refused') return 'refused the connection';
  if (cause === 'tls') return `failed the TLS handshake (${res.message})`;
  if (cause === 'timeout') return `did not answer (${res.message})`;
  return `could not be probed (${res.message})`;
}
