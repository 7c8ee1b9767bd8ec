// `net-higress uninstall`: what is left when the controller goes away for good. Without it, KIngresses of our
// class keep our finalizer (nothing removes it any more: deleting them hangs), and the Secret copies in the
// Higress namespace (no owner reference: they are in another namespace) and wildcard Gateways stay behind.
import { gatewayServiceRefs, parseIstioConfig } from '../config/istio.js';
import { errorMessage, isConflict, isNotFound } from '../kube/errors.js';
import { KubeReader } from '../kube/reader.js';
import {
  apiVersionOf,
  CONFIG_MAP,
  GATEWAY,
  KINGRESS,
  SECRET,
  VIRTUAL_SERVICE,
  type ResourceType,
} from '../kube/resources.js';
import type { RestClient } from '../kube/rest.js';
import { keyOf, type ObjectRef, type TypedObjectRef } from '../api/meta.js';
import { tlsSecretRef } from '../api/kingress.js';
import { KubeWriter } from '../kube/writer.js';
import {
  INGRESS_CLASS_ANNOTATION,
  INGRESS_LABEL,
  INGRESS_NAMESPACE_LABEL,
  KINGRESS_FINALIZER,
  ORIGIN_SECRET_NAME_LABEL,
} from '../translate/constants.js';
import { wildcardGatewayName, wildcardSecretCopyName } from '../translate/names.js';

export interface UninstallOptions {
  ingressClass: string;
  systemNamespace: string;
  higressNamespace: string;
  clusterDomain: string;
  /** The controller's Deployment, scaled to 0 first: a running controller would put its finalizers back. */
  controller?: ObjectRef;
  /** How long to wait for the controller's pods to go. */
  waitSeconds: number;
  /** Only remove finalizers: routes, TLS Gateways and Secret copies stay for whoever takes the class over. */
  keepRoutes: boolean;
  dryRun: boolean;
}

export interface UninstallReport {
  /** One line per change, in the order made (`deleted VirtualService ns/name`). */
  actions: string[];
  /** One line per failure; the rest still runs. */
  errors: string[];
}

interface Owner {
  kind?: string;
  name?: string;
  uid?: string;
  controller?: boolean;
}
interface Meta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: Owner[];
}
interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata?: Meta;
}

const DEPLOYMENTS = '/apis/apps/v1/namespaces';

export async function uninstall(
  rest: RestClient,
  opts: UninstallOptions,
  sleep = defaultSleep,
): Promise<UninstallReport> {
  const report: UninstallReport = { actions: [], errors: [] };
  const reader = new KubeReader(rest);
  const writer = new KubeWriter(rest, { fieldManager: 'net-higress-uninstall' });
  const step = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    if (opts.dryRun) {
      report.actions.push(`would ${what}`);
      return;
    }
    try {
      await fn();
      report.actions.push(what.replace(/^(\w+)/, (v) => PAST[v] ?? v));
    } catch (err) {
      if (!isNotFound(err)) report.errors.push(`${what}: ${errorMessage(err)}`);
    }
  };

  if (opts.controller) await stopController(rest, opts, report, step, sleep);

  const all = await reader.list<Obj>(KINGRESS);
  const isOurs = (i: Obj) => i.metadata?.annotations?.[INGRESS_CLASS_ANNOTATION] === opts.ingressClass;
  const ours = all.filter(isOurs);
  const uids = new Set(ours.map((i) => i.metadata?.uid ?? ''));
  const controlledByOurs = (o: Obj) =>
    (o.metadata?.ownerReferences ?? []).some(
      (r) => r.controller === true && r.kind === KINGRESS.kind && uids.has(r.uid ?? ''),
    );

  if (!opts.keepRoutes) {
    const withIngressLabel = { labelSelector: INGRESS_LABEL };
    for (const vs of (await reader.list<Obj>(VIRTUAL_SERVICE, withIngressLabel)).filter(controlledByOurs)) {
      await step(`delete VirtualService ${id(vs)}`, () => writer.delete(ref(VIRTUAL_SERVICE, vs), precondition(vs)));
    }
    for (const gw of (await reader.list<Obj>(GATEWAY, withIngressLabel)).filter(controlledByOurs)) {
      await step(`delete Gateway ${id(gw)}`, () => writer.delete(ref(GATEWAY, gw), precondition(gw)));
    }
    const wildcards = await wildcardGateways(reader, opts, tlsSecrets(ours), tlsSecrets(all.filter((i) => !isOurs(i))));
    for (const gw of wildcards) {
      await step(`delete Gateway ${id(gw)}`, () => writer.delete(ref(GATEWAY, gw), precondition(gw)));
    }
    for (const copy of await secretCopies(reader, opts, ours, wildcards)) {
      await step(`delete Secret ${id(copy)}`, () => writer.delete(ref(SECRET, copy), precondition(copy)));
    }
  }

  for (const ing of ours.filter((i) => (i.metadata?.finalizers ?? []).includes(KINGRESS_FINALIZER))) {
    await step(`remove finalizer ${KINGRESS_FINALIZER} from KIngress ${id(ing)}`, () =>
      dropFinalizer(reader, writer, ing),
    );
  }
  return report;
}

const PAST: Record<string, string> = { delete: 'deleted', remove: 'removed', scale: 'scaled' };

async function stopController(
  rest: RestClient,
  opts: UninstallOptions,
  report: UninstallReport,
  step: (what: string, fn: () => Promise<unknown>) => Promise<void>,
  sleep: (ms: number) => Promise<void>,
): Promise<void> {
  const { namespace, name } = opts.controller!;
  const path = `${DEPLOYMENTS}/${encodeURIComponent(namespace)}/deployments/${encodeURIComponent(name)}`;
  let found = true;
  await step(`scale Deployment ${namespace}/${name} to 0 replicas`, async () => {
    try {
      await rest.request({
        method: 'PATCH',
        path: `${path}/scale`,
        contentType: 'application/merge-patch+json',
        body: { spec: { replicas: 0 } },
      });
    } catch (err) {
      if (isNotFound(err)) found = false;
      throw err;
    }
  });
  if (!found || opts.dryRun) return;
  // status.replicas counts pods not yet gone (terminating ones included); absent means none ever ran.
  const deadline = Date.now() + opts.waitSeconds * 1000;
  for (;;) {
    const d = await rest.request<{ status?: { replicas?: number } }>({ method: 'GET', path });
    if ((d.status?.replicas ?? 0) === 0) return;
    if (Date.now() > deadline) {
      report.errors.push(
        `Deployment ${namespace}/${name} still has ${d.status?.replicas} pod(s) after ${opts.waitSeconds}s; ` +
          'a controller still running may put finalizers back: run uninstall again once it is gone',
      );
      return;
    }
    await sleep(1000);
  }
}

/**
 * Wildcard-certificate Gateways are named after their Secret and the gateway Service config-istio names, and
 * shared by every KIngress using that Secret: ours when our KIngresses use it and no other class's does.
 */
async function wildcardGateways(
  reader: KubeReader,
  opts: UninstallOptions,
  usedByUs: Set<string>,
  usedByOthers: Set<string>,
): Promise<Obj[]> {
  const cm = await reader.get<{ data?: Record<string, string> } & Obj>({
    apiVersion: apiVersionOf(CONFIG_MAP),
    kind: 'ConfigMap',
    namespace: opts.systemNamespace,
    name: 'config-istio',
  });
  const cfg = parseIstioConfig(cm?.data, { systemNamespace: opts.systemNamespace, clusterDomain: opts.clusterDomain });
  if (!cfg.ok) return [];
  const services = gatewayServiceRefs(cfg.value.ingressGateways);
  return (await reader.list<Obj>(GATEWAY)).filter((gw) => {
    const owner = (gw.metadata?.ownerReferences ?? []).find((r) => r.controller === true && r.kind === 'Secret');
    if (
      owner?.name === undefined ||
      !services.some((svc) => wildcardGatewayName(owner.name!, svc) === gw.metadata?.name)
    )
      return false;
    const secret = keyOf({ namespace: gw.metadata?.namespace, name: owner.name });
    return usedByUs.has(secret) && !usedByOthers.has(secret);
  });
}

/** `namespace/name` of the TLS Secrets the KIngresses name. */
function tlsSecrets(ingresses: Obj[]): Set<string> {
  const out = new Set<string>();
  for (const i of ingresses) {
    const tls = (i as { spec?: { tls?: Array<{ secretNamespace?: string; secretName?: string }> } }).spec?.tls ?? [];
    for (const t of tls) out.add(keyOf(tlsSecretRef(t)));
  }
  return out;
}

/**
 * Copies in the Higress namespace: a per-KIngress one carries our labels naming its KIngress (one of ours), a
 * wildcard one is named after the origin Secret of one of our wildcard Gateways. Nothing else is touched.
 */
async function secretCopies(reader: KubeReader, opts: UninstallOptions, ours: Obj[], wildcards: Obj[]): Promise<Obj[]> {
  const ourKeys = new Set(ours.map(id));
  const wildcardCopies = new Set(
    wildcards.map((gw) => {
      const owner = (gw.metadata?.ownerReferences ?? []).find((r) => r.controller === true && r.kind === 'Secret');
      return wildcardSecretCopyName({ namespace: gw.metadata?.namespace ?? '', name: owner?.name ?? '' });
    }),
  );
  const copies = await reader.list<Obj>(SECRET, {
    namespace: opts.higressNamespace,
    labelSelector: ORIGIN_SECRET_NAME_LABEL,
  });
  return copies.filter((s) => {
    const l = s.metadata?.labels ?? {};
    if (l[INGRESS_NAMESPACE_LABEL] !== undefined)
      return ourKeys.has(`${l[INGRESS_NAMESPACE_LABEL]}/${l[INGRESS_LABEL] ?? ''}`);
    return wildcardCopies.has(s.metadata?.name ?? '');
  });
}

/** Merge patch guarded by resourceVersion; a conflict (someone wrote it meanwhile) retries on a fresh copy. */
async function dropFinalizer(reader: KubeReader, writer: KubeWriter, ing: Obj): Promise<void> {
  let current: Obj | undefined = ing;
  for (let attempt = 0; current && attempt < 5; attempt++) {
    const finalizers = (current.metadata?.finalizers ?? []).filter((f) => f !== KINGRESS_FINALIZER);
    try {
      await writer.mergePatchMetadata(ref(KINGRESS, current), {
        finalizers,
        resourceVersion: current.metadata?.resourceVersion ?? '',
      });
      return;
    } catch (err) {
      if (!isConflict(err)) throw err;
      current = await reader.get<Obj>(ref(KINGRESS, current));
    }
  }
}

function ref(rt: ResourceType, o: Obj): TypedObjectRef {
  return {
    apiVersion: o.apiVersion ?? apiVersionOf(rt),
    kind: rt.kind,
    namespace: o.metadata?.namespace ?? '',
    name: o.metadata?.name ?? '',
  };
}

/** The UID precondition: a same-named object created since is never deleted. */
function precondition(o: Obj): { uid: string } | undefined {
  return o.metadata?.uid ? { uid: o.metadata.uid } : undefined;
}

function id(o: Obj): string {
  return keyOf({ namespace: o.metadata?.namespace, name: o.metadata?.name ?? '' });
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
