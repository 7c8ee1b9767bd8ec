// Moving from net-istio: what of it is still in the cluster, and what is left to do. Only reported when some
// of net-istio's objects are found: a cluster that never ran net-istio gets no migration lines.
import { parseIstioConfig, qualifiedName } from '../config/istio.js';
import { isNotFound, statusCode } from '../kube/errors.js';
import type { RestClient } from '../kube/rest.js';
import { INGRESS_CLASS_ANNOTATION, INGRESS_LABEL } from '../translate/constants.js';
import { fail, pass, unreadable } from './result.js';
import type { CheckResult, DoctorSettings } from './types.js';

/** net-istio's install (config/500-controller.yaml, webhook, 200-clusterrole.yaml): fixed names. */
export const NET_ISTIO = {
  controller: 'net-istio-controller',
  webhook: 'net-istio-webhook',
  validatingWebhook: 'config.webhook.istio.networking.internal.knative.dev',
  mutatingWebhook: 'webhook.istio.networking.internal.knative.dev',
} as const;

/** Raw GETs: undefined when the object is not there. */
export interface MigrationReads {
  get(path: string): Promise<Record<string, unknown> | undefined>;
  list(path: string, labelSelector?: string): Promise<Array<Record<string, unknown>>>;
}

export function restMigrationReads(
  rest: RestClient,
  sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
): MigrationReads {
  // An API server answers 429 "storage is (re)initializing" while its cache of a resource fills; it says to retry.
  const request = async <T>(path: string, query?: Record<string, string | undefined>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await rest.request<T>({ method: 'GET', path, ...(query ? { query } : {}) });
      } catch (err) {
        if (statusCode(err) !== 429 || attempt >= 10) throw err;
        await sleep(1000);
      }
    }
  };
  return {
    async get(path) {
      try {
        return await request<Record<string, unknown>>(path);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async list(path, labelSelector) {
      const res = await request<{ items?: Array<Record<string, unknown>> | null }>(path, { labelSelector });
      return res.items ?? [];
    },
  };
}

const ADMISSION = '/apis/admissionregistration.k8s.io/v1';
const deploymentPath = (ns: string, name: string) => `/apis/apps/v1/namespaces/${ns}/deployments/${name}`;

export async function checkMigration(reads: MigrationReads, s: DoctorSettings): Promise<CheckResult[]> {
  try {
    const controller = await reads.get(deploymentPath(s.systemNamespace, NET_ISTIO.controller));
    const webhook = await reads.get(deploymentPath(s.systemNamespace, NET_ISTIO.webhook));
    const configs = [
      ...(servesFrom(await reads.get(`${ADMISSION}/validatingwebhookconfigurations/${NET_ISTIO.validatingWebhook}`), s)
        ? [NET_ISTIO.validatingWebhook]
        : []),
      ...(servesFrom(await reads.get(`${ADMISSION}/mutatingwebhookconfigurations/${NET_ISTIO.mutatingWebhook}`), s)
        ? [NET_ISTIO.mutatingWebhook]
        : []),
    ];
    const routes = await untakenRoutes(reads, s);
    const bridged = await bridgedGateways(reads, s);
    if (!controller && !webhook && configs.length === 0 && routes.length === 0 && bridged.length === 0) return [];
    return [
      controllerResult(controller, s),
      webhookResult(webhook, configs, s),
      routesResult(routes),
      bridgeResult(bridged),
    ];
  } catch (err) {
    return [unreadable('migration/net-istio', 'Deployments, webhook configurations and VirtualServices', err)];
  }
}

/** A webhook configuration of the net-istio installed next to this Knative (its Service in the system namespace). */
function servesFrom(config: Record<string, unknown> | undefined, s: DoctorSettings): boolean {
  const hooks = (config?.webhooks ?? []) as Array<{ clientConfig?: { service?: { namespace?: string } } }>;
  return hooks.some((h) => h.clientConfig?.service?.namespace === s.systemNamespace);
}

function replicas(d: Record<string, unknown>): number {
  const spec = d.spec as { replicas?: number } | undefined;
  return spec?.replicas ?? 1;
}

function controllerResult(d: Record<string, unknown> | undefined, s: DoctorSettings): CheckResult {
  const id = 'migration/net-istio-controller';
  const name = `${s.systemNamespace}/${NET_ISTIO.controller}`;
  if (!d) return pass(id, `no Deployment ${name}`);
  const n = replicas(d);
  // net-istio reconciles the default class only; with another class the two never meet.
  const sameClass = s.ingressClass === 'istio.ingress.networking.knative.dev';
  if (n > 0 && sameClass) {
    return fail(
      id,
      `Deployment ${name} runs ${n} replica(s): net-istio and net-higress both reconcile ${s.ingressClass} and overwrite each other's VirtualServices and status`,
      `kubectl -n ${s.systemNamespace} scale deployment ${NET_ISTIO.controller} --replicas=0 (the routes stay served; delete it once migrated)`,
    );
  }
  return fail(
    id,
    `Deployment ${name} is still there (${n} replica(s))`,
    `kubectl -n ${s.systemNamespace} delete deployment ${NET_ISTIO.controller} (never kubectl delete -f net-istio.yaml: it also deletes config-istio and the shared Gateways)`,
  );
}

function webhookResult(d: Record<string, unknown> | undefined, configs: string[], s: DoctorSettings): CheckResult {
  const id = 'migration/net-istio-webhook';
  if (!d && configs.length === 0) return pass(id, 'no net-istio webhook');
  const removeAll =
    `kubectl delete validatingwebhookconfiguration ${NET_ISTIO.validatingWebhook} --ignore-not-found; ` +
    `kubectl delete mutatingwebhookconfiguration ${NET_ISTIO.mutatingWebhook} --ignore-not-found; ` +
    `kubectl -n ${s.systemNamespace} delete deployment,service ${NET_ISTIO.webhook} --ignore-not-found; ` +
    `kubectl -n ${s.systemNamespace} delete secret ${NET_ISTIO.webhook}-certs --ignore-not-found`;
  if (configs.length > 0 && (!d || replicas(d) === 0)) {
    return fail(
      id,
      `webhook configuration(s) ${configs.join(', ')} (failurePolicy Fail) point at a net-istio webhook that is not running: ` +
        'Knative revision pods and config-istio edits are refused',
      removeAll,
    );
  }
  return fail(
    id,
    `net-istio's webhook is still installed${configs.length ? ` (${configs.join(', ')})` : ''}`,
    `after the controller: ${removeAll}`,
  );
}

interface Untaken {
  namespace: string;
  name: string;
}

/**
 * VirtualServices of our class's KIngresses as net-istio wrote them: net-higress names every HTTP route
 * `<namespace>/<kingress>` (Higress plugins match on it), net-istio names none.
 */
async function untakenRoutes(reads: MigrationReads, s: DoctorSettings): Promise<Untaken[]> {
  const ingresses = await reads.list('/apis/networking.internal.knative.dev/v1alpha1/ingresses');
  const ours = new Set(
    ingresses
      .filter(
        (i) =>
          (i.metadata as { annotations?: Record<string, string> } | undefined)?.annotations?.[
            INGRESS_CLASS_ANNOTATION
          ] === s.ingressClass,
      )
      .map((i) => (i.metadata as { uid?: string }).uid),
  );
  const vss = await reads.list('/apis/networking.istio.io/v1beta1/virtualservices', INGRESS_LABEL);
  return vss.flatMap((vs) => {
    const meta = vs.metadata as {
      namespace?: string;
      name?: string;
      ownerReferences?: Array<{ uid?: string; controller?: boolean }>;
    };
    if (!(meta.ownerReferences ?? []).some((o) => o.controller === true && ours.has(o.uid))) return [];
    const http = (vs.spec as { http?: Array<{ name?: string }> } | undefined)?.http ?? [];
    return http.length > 0 && http.every((r) => r.name === undefined || r.name === '')
      ? [{ namespace: meta.namespace ?? '', name: meta.name ?? '' }]
      : [];
  });
}

/** Shared Gateways of config-istio without a selector: every gateway workload serves them (the chart's bridge). */
async function bridgedGateways(reads: MigrationReads, s: DoctorSettings): Promise<string[]> {
  const cm = await reads.get(`/api/v1/namespaces/${s.systemNamespace}/configmaps/config-istio`);
  const cfg = parseIstioConfig(cm?.data as Record<string, string> | undefined, {
    systemNamespace: s.systemNamespace,
    clusterDomain: s.clusterDomain,
  });
  if (!cfg.ok) return [];
  const out: string[] = [];
  for (const g of [...cfg.value.ingressGateways, ...cfg.value.localGateways]) {
    const gw = await reads.get(`/apis/networking.istio.io/v1beta1/namespaces/${g.namespace}/gateways/${g.name}`);
    const selector = (gw?.spec as { selector?: Record<string, string> } | undefined)?.selector;
    if (gw && Object.keys(selector ?? {}).length === 0) out.push(qualifiedName(g));
  }
  return out;
}

function bridgeResult(bridged: string[]): CheckResult {
  const id = 'migration/gateways-bridge';
  if (bridged.length === 0) return pass(id, 'the shared Gateways select their gateway pods');
  return fail(
    id,
    `Gateway(s) ${bridged.join(', ')} have no selector: every gateway workload serves them (net-istio's Istio gateway too)`,
    'once DNS points at the Higress gateway: helm upgrade net-higress <chart> --reuse-values --set gateways.servedBy=higress',
  );
}

function routesResult(routes: Untaken[]): CheckResult {
  const id = 'migration/virtualservices';
  if (routes.length === 0) return pass(id, 'every VirtualService of the class is written by net-higress');
  const some = routes
    .slice(0, 3)
    .map((r) => `${r.namespace}/${r.name}`)
    .join(', ');
  return fail(
    id,
    `${routes.length} VirtualService(s) still as net-istio wrote them (${some}${routes.length > 3 ? ', ...' : ''})`,
    'run net-higress (it takes them over in place, same names) and wait for it to lead; check its logs if they stay',
  );
}
