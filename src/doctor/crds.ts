// The APIs net-higress reads and writes must be served: KIngress (Knative Serving), VirtualService and
// Gateway (Istio's CRDs; Higress ships only EnvoyFilter). Read through discovery, which every
// authenticated user may read, so this check needs no extra permission.
import { fail, pass, unreadable } from './result.js';
import type { CheckResult, CrdRequirement, DoctorCluster } from './types.js';

const ISTIO_BASE =
  'helm install istio-base istio/base -n istio-system --create-namespace ' +
  '(repo https://istio-release.storage.googleapis.com/charts); Higress does not install these CRDs';

export const DEFAULT_CRDS: readonly CrdRequirement[] = [
  {
    group: 'networking.internal.knative.dev',
    version: 'v1alpha1',
    plural: 'ingresses',
    kind: 'Ingress',
    install: 'install Knative Serving (serving-crds.yaml and serving-core.yaml of a knative/serving release)',
  },
  {
    group: 'networking.istio.io',
    version: 'v1beta1',
    plural: 'virtualservices',
    kind: 'VirtualService',
    install: ISTIO_BASE,
  },
  { group: 'networking.istio.io', version: 'v1beta1', plural: 'gateways', kind: 'Gateway', install: ISTIO_BASE },
];

export async function checkCrd(cluster: DoctorCluster, crd: CrdRequirement): Promise<CheckResult> {
  const id = `crd/${crd.plural}.${crd.group}`;
  try {
    const versions = await cluster.servedVersions(crd.group);
    if (versions.length === 0)
      return fail(id, `API group ${crd.group} is not served (no ${crd.kind} CRD)`, crd.install);
    const served = `served versions: ${versions.join(', ')}`;
    if (!versions.includes(crd.version)) {
      return fail(
        id,
        `${served}; net-higress uses ${crd.group}/${crd.version}`,
        `${crd.install} (a release that serves ${crd.version})`,
      );
    }
    const resources = await cluster.resources(crd.group, crd.version);
    if (!resources?.includes(crd.plural)) {
      return fail(id, `${crd.group}/${crd.version} is served but has no ${crd.plural}`, crd.install);
    }
    return pass(id, served);
  } catch (err) {
    return unreadable(id, `API discovery of ${crd.group}`, err);
  }
}
