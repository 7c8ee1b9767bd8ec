// The net-higress controller itself: its Deployment must be Available, or no KIngress is reconciled.
// The chart names the Deployment like its ServiceAccount, which is what --service-account names.
import { fail, formatLabels, pass, skip, unreadable } from './result.js';
import type { CheckResult, DeploymentInfo, DoctorCluster, DoctorSettings } from './types.js';

/** Installed by our chart: its fixes may name chart values; otherwise only kubectl. */
export function isChartManaged(labels: Readonly<Record<string, string>> | undefined): boolean {
  return (labels?.['helm.sh/chart'] ?? '').startsWith('net-higress-');
}

export async function readControllerDeployment(cluster: DoctorCluster, s: DoctorSettings): Promise<DeploymentInfo | undefined> {
  if (s.subject.kind !== 'serviceAccount') return undefined;
  try {
    return await cluster.deployment(s.subject.namespace, s.subject.name);
  } catch {
    return undefined;
  }
}

export async function checkControllerDeployment(cluster: DoctorCluster, s: DoctorSettings): Promise<CheckResult> {
  const id = 'controller/deployment';
  if (s.subject.kind !== 'serviceAccount') {
    return skip(id, 'with --service-account=self the controller Deployment is unknown', 'pass --service-account NAMESPACE/NAME (the chart names the Deployment like its ServiceAccount)');
  }
  const { namespace, name } = s.subject;
  const where = `${namespace}/${name}`;
  let d: DeploymentInfo | undefined;
  try {
    d = await cluster.deployment(namespace, name);
  } catch (err) {
    return unreadable(id, `Deployment ${where}`, err);
  }
  if (!d) {
    return fail(id, `Deployment ${where} not found: no controller reconciles KIngresses`,
      `helm upgrade --install net-higress charts/net-higress -n ${namespace}, or pass --service-account NAMESPACE/NAME of the controller`);
  }
  const ready = `${d.readyReplicas}/${d.replicas} replicas ready`;
  if (d.replicas === 0) return fail(id, `Deployment ${where} is scaled to 0`, `kubectl -n ${namespace} scale deployment ${name} --replicas=1`);
  const available = d.conditions.find((c) => c.type === 'Available');
  if (available?.status !== 'True') {
    const why = available ? `${available.reason ?? available.status}${available.message ? `: ${available.message}` : ''}` : 'no Available condition yet';
    const pods = Object.keys(d.selector).length > 0 ? formatLabels(d.selector) : '';
    return fail(id, `Deployment ${where} is not Available (${why}), ${ready}`,
      `kubectl -n ${namespace} describe pods${pods ? ` -l ${pods}` : ''} (why its pods are not ready), then kubectl -n ${namespace} logs deployment/${name}`);
  }
  return pass(id, `Deployment ${where} Available, ${ready}`);
}
