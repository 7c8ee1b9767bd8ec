// Builders for the objects a reconciler table row starts from and expects; desired objects come from
// translate(), as net-istio's tests build theirs with its resources package.
import { readFileSync } from 'node:fs';
import type { Secret } from '../../../src/api/core.js';
import type { Gateway, Server, VirtualService } from '../../../src/api/istio.js';
import type { Condition, IngressStatus, IngressTLS, KIngress } from '../../../src/api/kingress.js';
import type { ObjectMeta } from '../../../src/api/meta.js';
import type { IstioConfig } from '../../../src/config/istio.js';
import {
  CERTIFICATE_UID_LABEL,
  INGRESS_CLASS_ANNOTATION,
  KINGRESS_FINALIZER,
} from '../../../src/translate/constants.js';
import { defaultIngress } from '../../../src/translate/defaults.js';
import { specDigest } from '../../../src/kube/spec-digest.js';
import { recordWrittenSpec } from '../../../src/reconciler/written-spec.js';
import { translate, type Desired } from '../../../src/translate/translate.js';
import { kingress, rule, split } from '../translate/fixtures.js';
import { defaultConfig, NOW_TIME, OPTIONS } from './fakes.js';

export const NS = 'default';
export const NAME = 'hello';
export const KEY = `${NS}/${NAME}`;
export const UID = 'hello-uid';
export const GATEWAY_SERVICE = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'higress-gateway', namespace: 'higress-system' },
  spec: { selector: { app: 'higress-gateway' } },
};
export const PUBLIC_LB = { ingress: [{ domainInternal: 'higress-gateway.higress-system.svc.cluster.local' }] };
export const PRIVATE_LB = { ingress: [{ domainInternal: 'knative-local-gateway.higress-system.svc.cluster.local' }] };

export interface IngressOptions {
  finalizer?: boolean;
  class?: string;
  generation?: number;
  status?: IngressStatus;
  tls?: IngressTLS[];
  httpOption?: string;
  deleting?: boolean;
  annotations?: Record<string, string>;
  /** Replaces the one external rule. */
  rules?: KIngress['spec']['rules'];
}

/** `default/hello`: one external rule for hello.example.com. */
export function ingress(o: IngressOptions = {}): KIngress {
  const base = kingress(
    NAME,
    NS,
    o.rules ?? [rule(['hello.example.com'], 'ExternalIP', [{ splits: [split('hello', NS, 80, 100)] }])],
    { ...(o.tls ? { tls: o.tls } : {}), ...(o.httpOption ? { httpOption: o.httpOption } : {}) },
  );
  return {
    ...base,
    metadata: {
      ...base.metadata,
      uid: UID,
      resourceVersion: '7',
      generation: o.generation ?? 1,
      annotations: { [INGRESS_CLASS_ANNOTATION]: o.class ?? OPTIONS.ingressClass, ...o.annotations },
      ...((o.finalizer ?? true) ? { finalizers: [KINGRESS_FINALIZER] } : {}),
      ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    ...(o.status ? { status: o.status } : {}),
  };
}

type Cond = [status: Condition['status'], reason?: string, message?: string];

/** A KIngress status at `generation`: conditions as given, load balancers when `lb`. */
export function status(
  conditions: { Ready: Cond; NetworkConfigured: Cond; LoadBalancerReady: Cond },
  o: { lb?: boolean; generation?: number } = {},
): IngressStatus {
  const cond = (type: string, [s, reason, message]: Cond): Condition => ({
    type,
    status: s,
    lastTransitionTime: NOW_TIME,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  });
  return {
    observedGeneration: o.generation ?? 1,
    conditions: [
      cond('LoadBalancerReady', conditions.LoadBalancerReady),
      cond('NetworkConfigured', conditions.NetworkConfigured),
      cond('Ready', conditions.Ready),
    ],
    ...(o.lb ? { publicLoadBalancer: PUBLIC_LB, privateLoadBalancer: PRIVATE_LB } : {}),
  };
}

export const READY_STATUS = status(
  { Ready: ['True'], NetworkConfigured: ['True'], LoadBalancerReady: ['True'] },
  { lb: true },
);

/** A real certificate (host-1.example.com): translation reads its DNS names. */
export const CERT = readFileSync(new URL('../../fixtures/certs/host-1.crt', import.meta.url)).toString('base64');

export function tlsSecret(name: string, data: Record<string, string>, namespace = NS): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, uid: `${name}-uid`, labels: { [CERTIFICATE_UID_LABEL]: `${name}-cert` } },
    type: 'kubernetes.io/tls',
    data,
  };
}

/** What the reconciler wants for `ing`, given the Secrets and Services in `objects`. */
export function desiredFor(
  ing: KIngress,
  objects: ReadonlyArray<{ kind?: string; metadata: ObjectMeta }> = [],
  istio?: IstioConfig,
): Desired {
  const find = (kind: string, ref: { namespace: string; name: string }) =>
    objects.find((o) => o.kind === kind && o.metadata.namespace === ref.namespace && o.metadata.name === ref.name);
  const config = defaultConfig();
  const result = translate(
    defaultIngress(ing),
    {
      istio: istio ?? config.istio,
      secret: (ref) => find('Secret', ref) as Secret | undefined,
      gatewayService: (ref) => {
        const svc = find('Service', ref) as { spec?: { selector?: Record<string, string> } } | undefined;
        return svc ? { selector: svc.spec?.selector ?? {} } : undefined;
      },
    },
    { ...OPTIONS, clusterLocalDomainTLS: config.network.clusterLocalDomainTLS },
  );
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

/** The desired objects as stored by an earlier reconcile (a VirtualService at generation 1, recorded as written). */
export function stored<T extends { kind?: string; metadata: object }>(obj: T, extra: Partial<ObjectMeta> = {}): T {
  const o = obj.kind === 'VirtualService' ? (written(obj as unknown as VirtualService, 1) as unknown as T) : obj;
  return {
    ...o,
    metadata: {
      ...o.metadata,
      ...(obj.kind === 'VirtualService' ? { generation: 1 } : {}),
      uid: `${(obj.metadata as ObjectMeta).name}-uid`,
      resourceVersion: '3',
      ...extra,
    },
  };
}

/** `vs` as we write it at `generation`: the written-spec annotation records its spec. */
export function written<T extends VirtualService>(vs: T, generation: number): T {
  const annotations = recordWrittenSpec(vs.metadata.annotations, generation, specDigest(vs.spec));
  return { ...vs, metadata: { ...vs.metadata, annotations } };
}

/** `vs` with its spec changed by another writer: the API server moved it to the next generation. */
export function edited<T extends VirtualService>(vs: T, spec: Partial<T['spec']>): T {
  return { ...withSpec(vs, spec), metadata: { ...vs.metadata, generation: (vs.metadata.generation ?? 0) + 1 } };
}

export function withSpec<T extends { spec: object }>(obj: T, spec: Partial<T['spec']>): T {
  return { ...obj, spec: { ...obj.spec, ...spec } };
}

/** A shared Gateway as an older net-istio left it: its own HTTP server plus a TLS server of this KIngress. */
export function sharedGateway(servers: Server[]): Gateway {
  return {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'Gateway',
    metadata: {
      name: 'knative-ingress-gateway',
      namespace: 'knative-serving',
      uid: 'shared-uid',
      resourceVersion: '2',
    },
    spec: { selector: { app: 'higress-gateway' }, servers },
  };
}
