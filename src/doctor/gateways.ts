// The data path: each shared Gateway of config-istio must select running Higress gateway pods, and the
// cluster-local gateway Service must reach their local listener (80 → 8081) without port translation.
import { parseServiceURL, qualifiedName, type GatewayConfig } from '../config/istio.js';
import type { IstioConfigRead } from './config.js';
import { isChartManaged } from './controller.js';
import { fail, formatLabels, pass, unreadable } from './result.js';
import type { CheckResult, DoctorCluster, DoctorSettings, GatewayInfo, PodInfo } from './types.js';

const PORT_TRANSLATION_LABEL = 'experimental.istio.io/disable-gateway-port-translation';
const DEFAULT_LOCAL_PORT = 8081;

/**
 * "Running": phase Running and not being deleted. Readiness is Higress's business (its pods only turn
 * ready once configured); a Pending or Failed pod serves nothing, so it does not count.
 */
function isRunning(pod: PodInfo): boolean {
  return pod.phase === 'Running' && !pod.terminating;
}

/** One result per Gateway named in config-istio (external and local). */
export async function checkSharedGateways(
  cluster: DoctorCluster,
  s: DoctorSettings,
  read: IstioConfigRead,
  chart = true,
): Promise<CheckResult[]> {
  if (!read.ok) return [];
  const all = [...read.value.config.ingressGateways, ...read.value.config.localGateways];
  return Promise.all(all.map((g) => checkGateway(cluster, s, g, chart)));
}

/**
 * Pods match but none runs: the selector is right, the pods are not. Pending is the usual case (not
 * scheduled, image not pulled); the fix is about those pods.
 */
function notRunning(id: string, what: string, namespace: string, pods: readonly PodInfo[]): CheckResult {
  const listed =
    pods
      .slice(0, 3)
      .map((p) => `${p.name} (${p.terminating ? 'Terminating' : p.phase})`)
      .join(', ') + (pods.length > 3 ? ', ...' : '');
  const first = pods[0]?.name ?? '';
  return fail(
    id,
    `${what} matches ${pods.length} pod${pods.length > 1 ? 's' : ''} in ${namespace}, none Running: ${listed}`,
    `kubectl -n ${namespace} describe pod ${first} (its Events say why it does not run: scheduling, image pull, resources)`,
  );
}

async function checkGateway(
  cluster: DoctorCluster,
  s: DoctorSettings,
  g: GatewayConfig,
  chart: boolean,
): Promise<CheckResult> {
  const id = `gateway/${qualifiedName(g)}`;
  let gw: GatewayInfo | undefined;
  try {
    gw = await cluster.gateway(g.namespace, g.name);
  } catch (err) {
    return unreadable(id, `Gateway ${qualifiedName(g)}`, err);
  }
  if (!gw) {
    return fail(
      id,
      `Gateway ${qualifiedName(g)} (named in config-istio) not found`,
      chart
        ? 'helm upgrade --install net-higress charts/net-higress (gateways.create=true renders it)'
        : `create Gateway ${qualifiedName(g)} selecting the Higress gateway pods, or point config-istio at an existing one`,
    );
  }
  // Only a Gateway our chart rendered is fixed through chart values.
  const edit = isChartManaged(gw.labels) ? undefined : `kubectl edit gateway ${g.name} -n ${g.namespace}: `;
  if (Object.keys(gw.selector).length === 0) {
    return fail(
      id,
      'the Gateway has no selector',
      edit
        ? `${edit}set spec.selector to the Higress gateway pod labels`
        : 'set spec.selector to the Higress gateway pod labels (chart value gateways.selector)',
    );
  }
  const selector = formatLabels(gw.selector);
  let pods: PodInfo[];
  try {
    pods = await cluster.pods(s.higressNamespace, gw.selector);
  } catch (err) {
    return unreadable(id, `Pods in ${s.higressNamespace}`, err);
  }
  const running = pods.filter(isRunning);
  if (running.length === 0 && pods.length > 0) return notRunning(id, `selector ${selector}`, s.higressNamespace, pods);
  if (running.length === 0) {
    const seen = await runningLabelSets(cluster, s.higressNamespace);
    const hint =
      seen.length > 0
        ? `; running pods there have labels ${seen.join(' | ')}`
        : `; no pod runs in ${s.higressNamespace}`;
    return fail(
      id,
      `selector ${selector} matches no running pod in ${s.higressNamespace} (${pods.length} matching, none Running)${hint}`,
      edit
        ? `${edit}set spec.selector to labels of the Higress gateway pods (kubectl get pods -n ${s.higressNamespace} --show-labels); or pass --higress-namespace`
        : `make the selector match the Higress gateway pods (kubectl get pods -n ${s.higressNamespace} --show-labels): ` +
            'chart values higress.gatewayPodLabels / gateways.selector; or pass --higress-namespace',
    );
  }
  return pass(
    id,
    `selector ${selector} matches ${running.length} running pod${running.length > 1 ? 's' : ''} in ${s.higressNamespace}`,
  );
}

/** Up to three distinct label sets of running pods, to show what a selector could have matched. */
async function runningLabelSets(cluster: DoctorCluster, namespace: string): Promise<string[]> {
  try {
    const sets = new Set((await cluster.pods(namespace)).filter(isRunning).map((p) => formatLabels(p.labels)));
    return [...sets].slice(0, 3);
  } catch {
    return [];
  }
}

/** The default local gateway's Service: exists, maps 80 to the local Gateway's port, no port translation. */
export async function checkLocalGatewayService(
  cluster: DoctorCluster,
  s: DoctorSettings,
  read: IstioConfigRead,
  chart = true,
): Promise<CheckResult> {
  const id = 'local-gateway-service';
  if (!read.ok) return fail(id, 'config-istio is unusable (see above)', 'fix config-istio first');
  const local = read.value.config.localGateways.find((g) => g.labelSelector === undefined);
  if (!local) return pass(id, 'config-istio has no local gateway (mesh-only for cluster-local traffic)');
  const ref = parseServiceURL(local.serviceURL);
  if (!ref.ok) return fail(id, ref.error, 'set the local gateway service to <name>.<namespace>.svc.<cluster domain>');
  const where = `${ref.value.namespace}/${ref.value.name}`;
  const reinstall = chart
    ? 'helm upgrade --install net-higress charts/net-higress (localGatewayService.create=true renders it)'
    : `create Service ${where} (ClusterIP, port 80 → the local Gateway's port, selecting the Higress gateway pods)`;
  try {
    const targetPort = await localListenerPort(cluster, local);
    const svc = await cluster.service(ref.value.namespace, ref.value.name);
    if (!svc) return fail(id, `Service ${where} not found: cluster-local hosts are unreachable`, reinstall);
    const http = svc.ports.find((p) => p.port === 80);
    const target = http ? (http.targetPort ?? http.port) : undefined;
    if (target === undefined || String(target) !== String(targetPort)) {
      const ports = svc.ports.map((p) => `${p.port}→${p.targetPort ?? p.port}`).join(', ') || 'none';
      return fail(
        id,
        `Service ${where} ports [${ports}]; need 80→${targetPort}`,
        `${reinstall}, or set its port 80 targetPort to ${targetPort}`,
      );
    }
    if (svc.labels[PORT_TRANSLATION_LABEL] !== 'true') {
      return fail(
        id,
        `Service ${where} lacks the label ${PORT_TRANSLATION_LABEL}="true": Istio would translate Gateway port 80 to ${targetPort}`,
        `kubectl label service ${ref.value.name} -n ${ref.value.namespace} ${PORT_TRANSLATION_LABEL}=true`,
      );
    }
    if (Object.keys(svc.selector).length === 0) return fail(id, `Service ${where} has no selector`, reinstall);
    const pods = await cluster.pods(ref.value.namespace, svc.selector);
    const running = pods.filter(isRunning);
    if (running.length === 0 && pods.length > 0)
      return notRunning(id, `Service ${where} selector ${formatLabels(svc.selector)}`, ref.value.namespace, pods);
    if (running.length === 0) {
      return fail(
        id,
        `Service ${where} selector ${formatLabels(svc.selector)} matches no running pod`,
        isChartManaged(svc.labels)
          ? 'chart value higress.gatewayPodLabels must be the Higress gateway pod labels'
          : `kubectl edit service ${ref.value.name} -n ${ref.value.namespace}: set spec.selector to the Higress gateway pod labels`,
      );
    }
    return pass(
      id,
      `Service ${where} (${svc.type}) 80→${targetPort}, ${running.length} running pod${running.length > 1 ? 's' : ''}`,
    );
  } catch (err) {
    return unreadable(id, `Service ${where}, its pods or Gateway ${qualifiedName(local)}`, err);
  }
}

/** The local Gateway's HTTP server port (8081 in the chart); 8081 when the Gateway is missing. */
async function localListenerPort(cluster: DoctorCluster, local: GatewayConfig): Promise<number> {
  const gw = await cluster.gateway(local.namespace, local.name);
  const http = gw?.servers.find((srv) => srv.port?.protocol === 'HTTP' && typeof srv.port.number === 'number');
  return http?.port?.number ?? DEFAULT_LOCAL_PORT;
}
