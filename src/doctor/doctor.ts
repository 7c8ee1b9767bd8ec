// `net-higress doctor`: the setup the Higress + Knative guide asks for, checked against a live cluster.
import { checkHigressIstioAPI, checkIngressClass, checkIstioConfigServices, readIstioConfig } from './config.js';
import { checkControllerDeployment, isChartManaged, readControllerDeployment } from './controller.js';
import { checkCrd } from './crds.js';
import { checkLocalGatewayService, checkSharedGateways } from './gateways.js';
import { checkWasmPlugins } from './plugins.js';
import { checkRBAC } from './rbac.js';
import type { CheckResult, DoctorCluster, DoctorSettings } from './types.js';

/** Every check, in the order a user fixes things: APIs, Knative config, data path, permissions. */
export async function runDoctor(cluster: DoctorCluster, s: DoctorSettings): Promise<CheckResult[]> {
  const istio = await readIstioConfig(cluster, s);
  // Fixes name chart values only when our chart installed the controller (or, without one, config-istio's Gateway).
  const chart =
    isChartManaged((await readControllerDeployment(cluster, s))?.labels) ||
    (await firstGatewayIsChartManaged(cluster, istio));
  const groups = await Promise.all([
    Promise.all(s.crds.map((crd) => checkCrd(cluster, crd))),
    checkControllerDeployment(cluster, s).then((r) => [r]),
    checkIngressClass(cluster, s, chart).then((r) => [r]),
    checkIstioConfigServices(cluster, istio).then((r) => [r]),
    checkSharedGateways(cluster, s, istio, chart),
    checkLocalGatewayService(cluster, s, istio, chart).then((r) => [r]),
    checkHigressIstioAPI(cluster, s).then((r) => [r]),
    checkWasmPlugins(cluster, s).then((r) => [r]),
    checkRBAC(cluster, s, chart).then((r) => [r]),
  ]);
  return groups.flat();
}

export function allPassed(results: readonly CheckResult[]): boolean {
  return results.every((r) => r.status !== 'FAIL');
}

async function firstGatewayIsChartManaged(
  cluster: DoctorCluster,
  istio: Awaited<ReturnType<typeof readIstioConfig>>,
): Promise<boolean> {
  const g = istio.ok ? (istio.value.config.ingressGateways[0] ?? istio.value.config.localGateways[0]) : undefined;
  if (!g) return false;
  try {
    return isChartManaged((await cluster.gateway(g.namespace, g.name))?.labels);
  } catch {
    return false;
  }
}
