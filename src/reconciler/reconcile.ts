import type { Secret } from '../api/core.js';
import { parseKIngress, tlsSecretRef, type KIngress } from '../api/kingress.js';
import { describeErrors, type FieldError } from '../api/fielderror.js';
import { keyOf, parseKey, refOf, typedRefOf } from '../api/meta.js';
import { parseServiceURL, selectGateways } from '../config/istio.js';
import { errorMessage, isConflict } from '../kube/errors.js';
import { INGRESS_CLASS_ANNOTATION, KINGRESS_FINALIZER } from '../translate/constants.js';
import { defaultIngress } from '../translate/defaults.js';
import { refusedSecretReferences, SECRET_NOT_ALLOWED } from '../translate/secretpolicy.js';
import { translate, type Desired } from '../translate/translate.js';
import { validateIngress } from '../translate/validate.js';
import { applyDesired } from './apply.js';
import { NETWORK_CONFIGURED, READY } from './conditions.js';
import type { ReconcileDeps, ReconcileOutcome } from './deps.js';
import { ReconcileError } from './errors.js';
import { finalize } from './finalize.js';
import { releaseRefusedCopies } from './secretcopies.js';
import { sameStatus, StatusBuilder } from './status.js';
import { reportUnsupportedAnnotations } from './unsupported.js';
import { handedOverChildren, holdsChildren } from './handover.js';

/**
 * Level-based, as net-istio's reconciler: read the KIngress from the cache, converge, report. Unlike it, an
 * invalid spec is reported (InvalidSpec) instead of trusted, and what the KIngress no longer needs goes.
 */
export async function reconcileIngress(key: string, deps: ReconcileDeps): Promise<ReconcileOutcome> {
  const { namespace, name } = parseKey(key);
  const ing = deps.cluster.kingress({ namespace: namespace ?? '', name });
  if (!ing) {
    deps.readiness.forget(key);
    deps.annotationReports.forget(key);
    return { outcome: 'skipped' };
  }
  const hasFinalizer = (ing.metadata.finalizers ?? []).includes(KINGRESS_FINALIZER);
  const ingressClass = ing.metadata.annotations?.[INGRESS_CLASS_ANNOTATION];
  if (ingressClass !== deps.options.ingressClass) {
    // Handed over to another networking layer: what we made for it goes, and so does our finalizer. Every
    // Knative layer uses this same finalizer name, so it is only taken off while objects of ours are left;
    // once they are gone, a finalizer the new layer adds (or always had) is left alone.
    if (!hasFinalizer) return { outcome: 'skipped' };
    const children = handedOverChildren(ing, deps);
    if (!holdsChildren(ing, children, deps)) return { outcome: 'skipped' };
    deps.log.info('ingress class changed away: deleting our objects and finalizer', {
      ingressClass: ingressClass ?? '',
    });
    await finalize(ing, deps, children);
    return { outcome: 'done' };
  }
  if (ing.metadata.deletionTimestamp) {
    if (hasFinalizer) await finalize(ing, deps);
    return { outcome: 'done' };
  }

  const live = await ensureFinalizer(ing, deps);
  const status = new StatusBuilder(live, deps.now);
  let outcome: ReconcileOutcome['outcome'] = 'done';
  let failure: { error: unknown } | undefined;
  try {
    outcome = await converge(live, status, deps);
  } catch (err) {
    // A write refused for a stale resourceVersion: our cache is a step behind. Nothing is wrong with the
    // KIngress, so its status is left alone and the retry (requeued quietly) works from a fresher cache.
    if (isConflict(err)) throw err;
    failure = { error: err };
    if (err instanceof ReconcileError) err.mark?.(status.conditions);
    const readyReason = err instanceof ReconcileError ? err.details.readyReason : undefined;
    if (readyReason && err instanceof ReconcileError) status.conditions.markFalse(READY, readyReason, err.message);
    else status.conditions.markUnknown(READY, 'ReconcileIngressFailed', 'Ingress reconciliation failed');
    deps.recorder.event(live, 'Warning', 'InternalError', errorMessage(err));
  }
  await updateStatus(live, status, deps);
  if (failure) throw failure.error;
  return { outcome };
}

async function converge(
  ing: KIngress,
  status: StatusBuilder,
  deps: ReconcileDeps,
): Promise<'done' | 'invalid' | 'waiting'> {
  // The CRD schema makes a malformed spec unlikely, but one that gets through is reported, not thrown.
  const parsed = parseKIngress(ing);
  const checked = parsed.ok ? validateIngress(defaultIngress(parsed.value)) : parsed;
  // Retrying cannot fix a bad spec: report it and wait for the next change.
  if (!checked.ok) return reportNotConfigured(ing, status, 'InvalidSpec', checked.error, deps);
  // Before anything is read: a Secret the policy refuses is never looked up.
  const refused = refusedSecretReferences(checked.value, deps.options.tlsSecretNamespaces ?? []);
  if (refused.length > 0) {
    await releaseRefusedCopies(ing, deps);
    return reportNotConfigured(ing, status, SECRET_NOT_ALLOWED, refused, deps);
  }
  reportUnsupportedAnnotations(ing, deps);
  const desired = await translateWithCluster(checked.value, deps);
  await applyDesired(ing, desired, deps);
  status.conditions.markTrue(NETWORK_CONFIGURED);

  const ready = desired.meshOnly || status.wasReady || (await deps.readiness.isReady(checked.value, desired));
  if (!ready) {
    const why = deps.readiness.explain?.(keyOf(refOf(ing)));
    status.markLoadBalancerNotReady(why?.message);
    // Once per cause (the prober remembers), not once per probe or reconcile.
    if (why?.announce) deps.recorder.event(ing, 'Warning', 'GatewayProbeFailed', why.message);
    return 'waiting';
  }
  status.markLoadBalancerReady(desired.loadBalancers.public, desired.loadBalancers.private);
  return 'done';
}

/** NetworkConfigured=False with the first problem; a Warning Event with all of them when that changes. */
function reportNotConfigured(
  ing: KIngress,
  status: StatusBuilder,
  reason: string,
  errors: readonly FieldError[],
  deps: ReconcileDeps,
): 'invalid' {
  const first = errors[0];
  const message = describeErrors(first ? [first] : []);
  const before = status.conditions.get(NETWORK_CONFIGURED);
  if (before?.reason !== reason || before.message !== message)
    deps.recorder.event(ing, 'Warning', reason, describeErrors(errors));
  status.conditions.markFalse(NETWORK_CONFIGURED, reason, message);
  return 'invalid';
}

/** translate() is pure: fetch what it may look up first (TLS origins, external gateway Services). */
async function translateWithCluster(ing: ReturnType<typeof defaultIngress>, deps: ReconcileDeps): Promise<Desired> {
  const config = deps.config();
  const secrets = new Map<string, Secret>();
  for (const t of ing.spec.tls ?? []) {
    const ref = tlsSecretRef(t);
    const secret = await deps.cluster.tlsSecret(ref);
    if (secret) secrets.set(keyOf(ref), secret);
  }
  const services = new Map<string, { selector: Record<string, string> }>();
  for (const gw of selectGateways(config.istio, ing.metadata.labels).external) {
    const parsed = parseServiceURL(gw.serviceURL);
    const svc = parsed.ok ? await deps.cluster.gatewayService(parsed.value) : undefined;
    if (parsed.ok && svc) services.set(keyOf(parsed.value), svc);
  }
  // Only Host-rewriting paths (DomainMappings) may send to a gateway through an ExternalName Service.
  const externalNames = new Map<string, string | undefined>();
  for (const split of (ing.spec.rules ?? [])
    .flatMap((r) => r.http?.paths ?? [])
    .filter((p) => p.rewriteHost)
    .flatMap((p) => p.splits ?? [])) {
    const ref = { namespace: split.serviceNamespace, name: split.serviceName };
    if (!externalNames.has(keyOf(ref))) externalNames.set(keyOf(ref), await deps.cluster.externalName(ref));
  }
  const result = translate(
    ing,
    {
      istio: config.istio,
      secret: (ref) => secrets.get(keyOf(ref)),
      gatewayService: (ref) => services.get(keyOf(ref)),
      externalName: (ref) => externalNames.get(keyOf(ref)),
    },
    { ...deps.options, clusterLocalDomainTLS: config.network.clusterLocalDomainTLS },
  );
  if (!result.ok) throw new ReconcileError(result.error);
  return result.value;
}

async function ensureFinalizer(ing: KIngress, deps: ReconcileDeps): Promise<KIngress> {
  const finalizers = ing.metadata.finalizers ?? [];
  if (finalizers.includes(KINGRESS_FINALIZER)) return ing;
  try {
    const patched = await deps.writer.mergePatchMetadata<KIngress>(typedRefOf(ing), {
      finalizers: [...finalizers, KINGRESS_FINALIZER],
      resourceVersion: ing.metadata.resourceVersion ?? '',
    });
    return {
      ...ing,
      metadata: {
        ...ing.metadata,
        finalizers: patched.metadata.finalizers,
        resourceVersion: patched.metadata.resourceVersion,
      },
    };
  } catch (err) {
    writeFailed(ing, 'FinalizerUpdateFailed', 'finalizers', err, deps);
  }
}

/** Only through /status, and only when something changed: steady state writes nothing. */
async function updateStatus(ing: KIngress, status: StatusBuilder, deps: ReconcileDeps): Promise<void> {
  const next = status.build();
  if (sameStatus(ing.status ?? {}, next)) return;
  try {
    await deps.writer.updateStatus({ ...ing, status: next });
  } catch (err) {
    writeFailed(ing, 'UpdateFailed', 'status', err, deps);
  }
}

/** A failed write to the KIngress is a Warning Event, except a 409: the retry from a fresher cache is routine. */
function writeFailed(ing: KIngress, reason: string, what: string, err: unknown, deps: ReconcileDeps): never {
  if (!isConflict(err))
    deps.recorder.event(
      ing,
      'Warning',
      reason,
      `Failed to update ${what} for "${ing.metadata.name}": ${errorMessage(err)}`,
    );
  throw err;
}
