// The net-higress controller itself: its Deployment must be Available, or no KIngress is reconciled. It is
// the Deployment whose pods run as the ServiceAccount --service-account names (the chart's, by default).
import { fail, formatLabels, pass, skip, unreadable } from './result.js';
import type { CheckResult, DeploymentInfo, DoctorCluster, DoctorSettings } from './types.js';

/** Installed by our chart: its fixes may name chart values; otherwise only kubectl. */
export function isChartManaged(labels: Readonly<Record<string, string>> | undefined): boolean {
  return (labels?.['helm.sh/chart'] ?? '').startsWith('net-higress-');
}

/** The Deployment running as the ServiceAccount; undefined with `self`, or when there is none or it cannot be read. */
export async function readControllerDeployment(
  cluster: DoctorCluster,
  s: DoctorSettings,
): Promise<DeploymentInfo | undefined> {
  try {
    return await findDeployment(cluster, s);
  } catch {
    return undefined;
  }
}

async function findDeployment(cluster: DoctorCluster, s: DoctorSettings): Promise<DeploymentInfo | undefined> {
  if (s.subject.kind !== 'serviceAccount') return undefined;
  const { namespace, name } = s.subject;
  const all = (await cluster.deployments(namespace)).filter((d) => d.serviceAccountName === name);
  return all.find((d) => d.name === name) ?? all[0];
}

export async function checkControllerDeployment(cluster: DoctorCluster, s: DoctorSettings): Promise<CheckResult> {
  const id = 'controller/deployment';
  if (s.subject.kind !== 'serviceAccount') {
    return skip(
      id,
      'with --service-account=self the controller Deployment is unknown',
      'pass --service-account NAMESPACE/NAME (the ServiceAccount the controller runs as)',
    );
  }
  const { namespace, name } = s.subject;
  let d: DeploymentInfo | undefined;
  try {
    d = await findDeployment(cluster, s);
  } catch (err) {
    return unreadable(id, `Deployments in ${namespace}`, err);
  }
  if (!d) {
    return fail(
      id,
      `no Deployment in ${namespace} runs as ServiceAccount ${namespace}/${name}: no controller reconciles KIngresses`,
      `helm upgrade --install net-higress charts/net-higress -n ${namespace}, or pass --service-account NAMESPACE/NAME of the controller`,
    );
  }
  const where = `${namespace}/${d.name}`;
  const ready = `${d.readyReplicas}/${d.replicas} replicas ready`;
  if (d.replicas === 0)
    return fail(
      id,
      `Deployment ${where} is scaled to 0`,
      `kubectl -n ${namespace} scale deployment ${d.name} --replicas=1`,
    );
  const available = d.conditions.find((c) => c.type === 'Available');
  if (available?.status !== 'True') {
    const why = available
      ? `${available.reason ?? available.status}${available.message ? `: ${available.message}` : ''}`
      : 'no Available condition yet';
    const pods = Object.keys(d.selector).length > 0 ? formatLabels(d.selector) : '';
    return fail(
      id,
      `Deployment ${where} is not Available (${why}), ${ready}`,
      `kubectl -n ${namespace} describe pods${pods ? ` -l ${pods}` : ''} (why its pods are not ready), then kubectl -n ${namespace} logs deployment/${d.name}`,
    );
  }
  return pass(id, `Deployment ${where} Available, ${ready}`);
}
