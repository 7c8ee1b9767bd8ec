// Knative's and Higress's configuration as net-higress needs it: config-network sends KIngresses to our
// class, config-istio names Services that exist, and Higress reads Istio objects from the API server.
import { CORE_SCHEMA, load } from 'js-yaml';
import { err, ok, type Result } from '../api/result.js';
import { parseIstioConfig, parseServiceURL, type GatewayConfig, type IstioConfig } from '../config/istio.js';
import { parseNetworkConfig } from '../config/network.js';
import { ISTIO_CONFIGMAP, NETWORK_CONFIGMAP } from '../config/store.js';
import { errorMessage, isForbidden } from '../kube/errors.js';
import { fail, pass, skip, unreadable } from './result.js';
import type { CheckResult, DoctorCluster, DoctorSettings } from './types.js';

/** The ConfigMap's data (undefined: no data) and where it was read; or the check's result when it was not. */
type ConfigMapRead = Result<{ data: Record<string, string> | undefined; where: string }, CheckResult>;

/** A ConfigMap of the system namespace; a failed read is already the check's result. */
async function readSystemConfigMap(
  cluster: DoctorCluster,
  s: DoctorSettings,
  id: string,
  name: string,
): Promise<ConfigMapRead> {
  const where = `${s.systemNamespace}/${name}`;
  try {
    return ok({ data: await cluster.configMapData(s.systemNamespace, name), where });
  } catch (e) {
    return err(unreadable(id, `ConfigMap ${where}`, e));
  }
}

export async function checkIngressClass(cluster: DoctorCluster, s: DoctorSettings, chart = true): Promise<CheckResult> {
  const id = 'config-network/ingress-class';
  const read = await readSystemConfigMap(cluster, s, id, NETWORK_CONFIGMAP);
  if (!read.ok) return read.error;
  const { data, where } = read.value;
  if (!data) {
    return fail(
      id,
      `ConfigMap ${where} not found`,
      `install Knative Serving into ${s.systemNamespace}, or pass --system-namespace`,
    );
  }
  const parsed = parseNetworkConfig(data);
  if (!parsed.ok)
    return fail(
      id,
      `${where} is invalid: ${parsed.error}`,
      `kubectl edit configmap ${NETWORK_CONFIGMAP} -n ${s.systemNamespace}`,
    );
  const cls = parsed.value.config.ingressClass;
  if (cls !== s.ingressClass) {
    return fail(
      id,
      `ingress-class is "${cls}"; net-higress reconciles "${s.ingressClass}"`,
      `kubectl patch configmap ${NETWORK_CONFIGMAP} -n ${s.systemNamespace} --type merge -p '{"data":{"ingress-class":"${s.ingressClass}"}}'` +
        (chart
          ? ` (or install net-higress with --set knative.ingressClass=${cls})`
          : ` (or run net-higress with --ingress-class=${cls})`),
    );
  }
  return pass(id, `ingress-class "${cls}"${Object.hasOwn(data, 'ingress-class') ? '' : ' (Knative default)'}`);
}

/** config-istio as the operator would parse it, and where it came from; or the check's failed result. */
export type IstioConfigRead = Result<{ config: IstioConfig; source: string }, CheckResult>;

/** config-istio parsed as the operator parses it; absent means the operator's built-in defaults. */
export async function readIstioConfig(cluster: DoctorCluster, s: DoctorSettings): Promise<IstioConfigRead> {
  const id = 'config-istio';
  const read = await readSystemConfigMap(cluster, s, id, ISTIO_CONFIGMAP);
  if (!read.ok) return read;
  const { data, where } = read.value;
  const parsed = parseIstioConfig(data, { systemNamespace: s.systemNamespace, clusterDomain: s.clusterDomain });
  if (!parsed.ok) {
    return err(
      fail(
        id,
        `${where} is invalid: ${parsed.error}`,
        `kubectl edit configmap ${ISTIO_CONFIGMAP} -n ${s.systemNamespace}`,
      ),
    );
  }
  return ok({ config: parsed.value, source: data ? where : `${where} absent: built-in defaults` });
}

/** Every gateway of config-istio names a Service (`name.namespace.svc...`) that exists. */
export async function checkIstioConfigServices(cluster: DoctorCluster, read: IstioConfigRead): Promise<CheckResult> {
  const id = 'config-istio';
  if (!read.ok) return read.error;
  const { config, source } = read.value;
  const gateways: Array<{ kind: 'external' | 'local'; g: GatewayConfig }> = [
    ...config.ingressGateways.map((g) => ({ kind: 'external' as const, g })),
    ...config.localGateways.map((g) => ({ kind: 'local' as const, g })),
  ];
  if (gateways.length === 0) return pass(id, `${source}: mesh-only (no gateways)`);
  const missing: string[] = [];
  const found: string[] = [];
  for (const { kind, g } of gateways) {
    const ref = parseServiceURL(g.serviceURL);
    if (!ref.ok)
      return fail(
        id,
        `${kind} gateway ${g.namespace}/${g.name}: ${ref.error}`,
        'set its service to <name>.<namespace>.svc.<cluster domain>',
      );
    try {
      const svc = await cluster.service(ref.value.namespace, ref.value.name);
      (svc ? found : missing).push(
        `${ref.value.namespace}/${ref.value.name} (${kind} gateway ${g.namespace}/${g.name})`,
      );
    } catch (e) {
      return unreadable(id, `Service ${ref.value.namespace}/${ref.value.name}`, e);
    }
  }
  if (missing.length > 0) {
    return fail(
      id,
      `${source}: Service${missing.length > 1 ? 's' : ''} not found: ${missing.join('; ')}`,
      'install Higress (the public gateway Service) and net-higress (the knative-local-gateway Service), ' +
        'or point config-istio at the Services in front of your Higress gateway pods',
    );
  }
  return pass(id, `${source}: Services exist: ${found.join('; ')}`);
}

const HIGRESS_CONFIGMAP = 'higress-config';

/**
 * Higress serves Istio VirtualServices/Gateways only when its mesh config lists the `k8s://` config source,
 * which `global.enableIstioAPI=true` adds. Unreadable or absent config is a SKIP: it is Higress's, not ours.
 */
export async function checkHigressIstioAPI(cluster: DoctorCluster, s: DoctorSettings): Promise<CheckResult> {
  const id = 'higress/istio-api';
  const where = `${s.higressNamespace}/${HIGRESS_CONFIGMAP}`;
  const enable = `helm upgrade higress higress.io/higress -n ${s.higressNamespace} --reuse-values --set global.enableIstioAPI=true`;
  let data: Record<string, string> | undefined;
  try {
    data = await cluster.configMapData(s.higressNamespace, HIGRESS_CONFIGMAP);
  } catch (e) {
    if (isForbidden(e))
      return skip(
        id,
        `cannot read ConfigMap ${where}: ${errorMessage(e)}`,
        `make sure Higress runs with global.enableIstioAPI=true`,
      );
    return unreadable(id, `ConfigMap ${where}`, e);
  }
  if (!data)
    return skip(
      id,
      `ConfigMap ${where} not found (Higress not installed there?)`,
      `install Higress into ${s.higressNamespace} with global.enableIstioAPI=true, or pass --higress-namespace`,
    );
  const sources = configSources(data['mesh']);
  if (sources === undefined)
    return skip(id, `${where} has no readable mesh config`, `make sure Higress runs with global.enableIstioAPI=true`);
  if (!sources.includes('k8s://')) {
    return fail(
      id,
      `${where} mesh configSources are [${sources.join(', ')}]: Higress ignores Istio objects in the API server`,
      enable,
    );
  }
  return pass(id, `${where} mesh configSources include k8s://`);
}

function configSources(mesh: string | undefined): string[] | undefined {
  if (mesh === undefined) return undefined;
  let doc: unknown;
  try {
    doc = load(mesh, { schema: CORE_SCHEMA });
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null) return undefined;
  const list = (doc as { configSources?: unknown }).configSources;
  if (!Array.isArray(list)) return [];
  return list.flatMap((e: unknown) => {
    const address = typeof e === 'object' && e !== null ? (e as { address?: unknown }).address : undefined;
    return typeof address === 'string' ? [address] : [];
  });
}
