import type { Gateway } from '../api/istio.js';
import type { KIngress } from '../api/kingress.js';
import { keyOf, refOf, typedRefOf } from '../api/meta.js';
import { errorMessage } from '../kube/errors.js';
import { ISTIO_API_VERSION } from '../api/istio.js';
import { KINGRESS_FINALIZER } from '../translate/constants.js';
import { serversOfIngress, updateGatewayServers } from '../translate/shared-gateway.js';
import { deleteObject, namespaceOf } from './apply.js';
import type { ReconcileDeps } from './deps.js';
import { ReconcileError } from './errors.js';
import { allChildren } from './handover.js';
import { deleteUnneededSecretCopies, releaseSecretCopy } from './secretcopies.js';

/**
 * Deletion: leave nothing behind, without relying on the garbage collector, then drop the finalizer.
 * Any failure keeps the finalizer so the next attempt can finish the job.
 */
export async function finalize(ing: KIngress, deps: ReconcileDeps, children = allChildren(ing)): Promise<void> {
  const { istio } = deps.config();
  const configured = [...istio.ingressGateways, ...istio.localGateways];
  for (const gw of configured) await removeLegacyServers(ing, gw.namespace, gw.name, deps);

  const namespace = namespaceOf(ing);
  // Asked of the API server, not the caches: a watch that lags (reconnecting after an outage, or denied)
  // would hide an object created meanwhile, and removing the finalizer would leave it behind for good.
  for (const vs of (await deps.cluster.listVirtualServicesOf(namespace, ing.metadata.name)).filter(
    children.virtualService,
  ))
    await deleteObject(vs, deps);
  for (const gw of (await deps.cluster.listGatewaysOf(namespace, ing.metadata.name)).filter(children.gateway))
    await deleteObject(gw, deps);
  for (const copy of deps.cluster
    .secretCopiesMadeFor({ namespace, name: ing.metadata.name })
    .filter(children.secretCopy))
    await releaseSecretCopy(copy, ing, deps);
  await deleteUnneededSecretCopies(ing, istio.ingressGateways, deps);
  deps.readiness.forget(keyOf(refOf(ing)));

  const finalizers = (ing.metadata.finalizers ?? []).filter((f) => f !== KINGRESS_FINALIZER).sort();
  await deps.writer.mergePatchMetadata(typedRefOf(ing), {
    finalizers,
    resourceVersion: ing.metadata.resourceVersion ?? '',
  });
  deps.recorder.event(ing, 'Normal', 'FinalizerUpdate', `Updated "${ing.metadata.name}" finalizers`);
}

/** Older net-istio put per-KIngress TLS servers on the shared Gateways; take this KIngress's out. */
async function removeLegacyServers(ing: KIngress, namespace: string, name: string, deps: ReconcileDeps): Promise<void> {
  const existing = await deps.cluster.gateway({ namespace, name });
  if (!existing?.spec?.servers) return;
  const gw = { apiVersion: ISTIO_API_VERSION, kind: 'Gateway', ...existing, spec: existing.spec } as Gateway;
  const servers = serversOfIngress(gw, namespaceOf(ing), ing.metadata.name);
  if (servers.length === 0) return;
  try {
    await deps.writer.update(updateGatewayServers(gw, [], servers));
  } catch (err) {
    throw new ReconcileError(`failed to update Gateway: ${errorMessage(err)}`, undefined, {}, err);
  }
  deps.recorder.event(ing, 'Normal', 'Updated', `Updated Gateway ${namespace}/${name}`);
}
