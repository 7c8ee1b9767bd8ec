// `net-higress doctor`: the setup the Higress + Knative guide asks for, checked against a live cluster.
import { checkHigressIstioAPI, checkIngressClass, checkIstioConfigServices, readIstioConfig } from './config.js';
import { checkCrd } from './crds.js';
import { checkLocalGatewayService, checkSharedGateways } from './gateways.js';
import { checkRBAC } from './rbac.js';
import type { CheckResult, DoctorCluster, DoctorSettings } from './types.js';

/** Every check, in the order a user fixes things: APIs, Knative config, data path, permissions. */
export async function runDoctor(cluster: DoctorCluster, s: DoctorSettings): Promise<CheckResult[]> {
  const istio = await readIstioConfig(cluster, s);
  const groups = await Promise.all([
    Promise.all(s.crds.map((crd) => checkCrd(cluster, crd))),
    checkIngressClass(cluster, s).then((r) => [r]),
    checkIstioConfigServices(cluster, istio).then((r) => [r]),
    checkSharedGateways(cluster, s, istio),
    checkLocalGatewayService(cluster, s, istio).then((r) => [r]),
    checkHigressIstioAPI(cluster, s).then((r) => [r]),
    checkRBAC(cluster, s).then((r) => [r]),
  ]);
  return groups.flat();
}

export function allPassed(results: readonly CheckResult[]): boolean {
  return results.every((r) => r.status !== 'FAIL');
}
