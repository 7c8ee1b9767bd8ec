import { gatewayAliases } from './alias.js';
import { cloneJSON } from './clone.js';
import type { Secret } from '../api/core.js';
import type { Gateway, VirtualService } from '../api/istio.js';
import { keyOf, refOf, type ObjectRef } from '../api/meta.js';
import { err, ok, type Result } from '../api/result.js';
import {
  HTTP_OPTION_REDIRECTED,
  VISIBILITY_CLUSTER_LOCAL,
  VISIBILITY_EXTERNAL,
  tlsSecretRef,
  type IngressTLS,
  type LoadBalancerIngress,
} from '../api/kingress.js';
import {
  gatewaysEnabled,
  parseServiceURL,
  qualifiedName,
  selectGateways,
  type GatewayConfig,
  type IstioConfig,
} from '../config/istio.js';
import type { DefaultedIngress } from './defaults.js';
import { TranslateError } from './error.js';
import {
  HTTPS_PORT,
  LOCAL_HTTPS_PORT,
  makeHTTPServer,
  makeIngressGateway,
  makeTLSServers,
  makeWildcardGateway,
  qualifiedGatewayName,
  type GatewayService,
} from './gateway.js';
import { computeHash } from './hash.js';
import { sortedUnique } from './hosts.js';
import { secretCopyName, wildcardSecretCopyName } from './names.js';
import { insertProbe } from './probe.js';
import { makeSecretCopy } from './secret.js';
import { certificateDNSNames, ingressTLSForVisibility, isWildcardCertificate } from './tls.js';
import { makeVirtualServices, type GatewayNames } from './virtualservice.js';

export interface TranslateOptions {
  clusterDomain: string;
  systemNamespace: string;
  meshVirtualService: boolean;
  /** config-network `cluster-local-domain-tls`. */
  clusterLocalDomainTLS: boolean;
}

/** What the cluster must tell the translation; lookups return undefined for objects that do not exist. */
export interface TranslateInputs {
  istio: IstioConfig;
  gatewayService(ref: ObjectRef): { selector: Record<string, string> } | undefined;
  secret(ref: ObjectRef): Secret | undefined;
  /** `spec.externalName` of a Service of type ExternalName; without it no destination is resolved (as net-istio). */
  externalName?: (ref: ObjectRef) => string | undefined;
}

/** Everything a KIngress should produce in the cluster. */
export interface Desired {
  hash: string;
  virtualServices: VirtualService[];
  /** Owned by the KIngress, in its namespace. */
  gateways: Gateway[];
  /** Owned by their wildcard certificate Secret and shared between KIngresses. */
  wildcardGateways: Gateway[];
  secretCopies: Secret[];
  gatewayNames: GatewayNames;
  /** The config gateways selected for this KIngress, as the prober and status need them. */
  selectedGateways: { external: GatewayConfig[]; local: GatewayConfig[] };
  loadBalancers: { public: LoadBalancerIngress[]; private: LoadBalancerIngress[] };
  meshOnly: boolean;
}

export type Translated = Result<Desired>;

/**
 * KIngress → desired Istio objects, built in net-istio's order (TLS origin Secrets and their copies,
 * Gateways, VirtualServices), so that with several inputs missing the error reported is net-istio's.
 */
export function translate(ing: DefaultedIngress, inputs: TranslateInputs, opts: TranslateOptions): Translated {
  try {
    return ok(translateOrThrow(ing, inputs, opts));
  } catch (e) {
    if (e instanceof TranslateError) return err(e.message);
    throw e;
  }
}

function translateOrThrow(ing: DefaultedIngress, inputs: TranslateInputs, opts: TranslateOptions): Desired {
  const hash = computeHash(ing.spec, ing.metadata.namespace ?? '', ing.metadata.name);
  const probed = insertProbe(ing, hash);
  const vsOpts = {
    clusterDomain: opts.clusterDomain,
    systemNamespace: opts.systemNamespace,
    meshVirtualService: opts.meshVirtualService,
    destinationAliases: gatewayAliases(ing, inputs.istio, inputs.externalName, opts.clusterDomain),
  };

  if (!gatewaysEnabled(inputs.istio)) {
    const none = { external: [], local: [] };
    return {
      hash,
      virtualServices: makeVirtualServices(probed, none, vsOpts),
      gateways: [],
      wildcardGateways: [],
      secretCopies: [],
      gatewayNames: none,
      selectedGateways: none,
      loadBalancers: { public: [{ meshOnly: true }], private: [{ meshOnly: true }] },
      meshOnly: true,
    };
  }

  const selected = selectGateways(inputs.istio, ing.metadata.labels);
  const owner = refOf(ing);
  // Looked up only when Gateways of our own are needed: a plain KIngress does not depend on the Service.
  let looked: GatewayService[] | undefined;
  const services = () => (looked ??= externalGatewayServices(selected.external, inputs));
  const external: string[] = [];
  const local = selected.local.map(qualifiedName);
  const gateways: Gateway[] = [];
  const wildcardGateways: Gateway[] = [];
  const copies = new Map<string, Secret>();
  const origins = new Map<string, Secret>();
  const isPublic = (ing.spec.rules ?? []).some((r) => r.visibility === VISIBILITY_EXTERNAL);

  const externalTLS = isPublic ? ingressTLSForVisibility(ing, VISIBILITY_EXTERNAL) : [];
  let perIngressExternal: Gateway[] = [];
  if (externalTLS.length > 0) {
    const secrets = originSecretsOf(externalTLS, inputs, origins);
    const wildcard = secrets.filter(isWildcardCertificate);
    const wildcardKeys = new Set(wildcard.map((s) => keyOf(refOf(s))));
    for (const svc of services()) {
      for (const s of secrets) {
        if (wildcardKeys.has(keyOf(refOf(s)))) addCopy(copies, s, svc, wildcardSecretCopyName(refOf(s)));
        else addCopy(copies, s, svc, secretCopyName(ing.metadata.name, s.metadata.uid ?? ''), owner);
      }
    }
    const plainTLS = externalTLS.filter((t) => !wildcardKeys.has(keyOf(tlsSecretRef(t))));
    if (plainTLS.length > 0) {
      perIngressExternal = services().map((svc) =>
        makeIngressGateway(ing, VISIBILITY_EXTERNAL, svc, makeTLSServers(ing, plainTLS, svc, HTTPS_PORT, origins)),
      );
    }
    for (const svc of services()) {
      for (const s of wildcard) wildcardGateways.push(makeWildcardGateway(s, certificateDNSNames(s), svc));
    }
    external.push(...wildcardGateways.map(qualifiedGatewayName));
  }

  const localTLS = opts.clusterLocalDomainTLS ? ingressTLSForVisibility(ing, VISIBILITY_CLUSTER_LOCAL) : [];
  const perIngressLocal: Gateway[] = [];
  if (localTLS.length > 0) {
    const secrets = originSecretsOf(localTLS, inputs, origins);
    // Cluster-local TLS is served by the external gateway pods (upstream quirk kept): their Services are used.
    for (const svc of services()) {
      for (const s of secrets) addCopy(copies, s, svc, secretCopyName(ing.metadata.name, s.metadata.uid ?? ''), owner);
      perIngressLocal.push(
        makeIngressGateway(
          ing,
          VISIBILITY_CLUSTER_LOCAL,
          svc,
          makeTLSServers(ing, localTLS, svc, LOCAL_HTTPS_PORT, origins),
        ),
      );
    }
  }

  if (isPublic && (ing.spec.httpOption === HTTP_OPTION_REDIRECTED || externalTLS.length > 0)) {
    const http = makeHTTPServer(ing);
    if (perIngressExternal.length === 0)
      perIngressExternal = services().map((svc) => makeIngressGateway(ing, VISIBILITY_EXTERNAL, svc, [http]));
    else for (const gw of perIngressExternal) gw.spec.servers.push(cloneJSON(http));
  } else {
    external.push(...selected.external.map(qualifiedName));
  }
  gateways.push(...perIngressExternal, ...perIngressLocal);
  external.push(...perIngressExternal.map(qualifiedGatewayName));
  local.push(...perIngressLocal.map(qualifiedGatewayName));

  const gatewayNames = { external: sortedUnique(external), local: sortedUnique(local) };
  return {
    hash,
    virtualServices: makeVirtualServices(probed, gatewayNames, vsOpts),
    gateways,
    wildcardGateways: dedupeByKey(wildcardGateways, qualifiedGatewayName),
    secretCopies: [...copies.values()],
    gatewayNames,
    selectedGateways: selected,
    loadBalancers: { public: loadBalancer(selected.external), private: loadBalancer(selected.local) },
    meshOnly: false,
  };
}

/** Status reports only the first selected gateway, as net-istio does. */
function loadBalancer(gateways: GatewayConfig[]): LoadBalancerIngress[] {
  const first = gateways[0];
  return first ? [{ domainInternal: first.serviceURL }] : [{ meshOnly: true }];
}

function externalGatewayServices(gateways: GatewayConfig[], inputs: TranslateInputs): GatewayService[] {
  return gateways.map((gw) => {
    const parsed = parseServiceURL(gw.serviceURL);
    if (!parsed.ok) throw new TranslateError(`failed to get gateway from configuration: ${parsed.error}`);
    const svc = inputs.gatewayService(parsed.value);
    if (!svc) throw new TranslateError(`service "${parsed.value.name}" not found`);
    return { ...parsed.value, selector: svc.selector };
  });
}

function originSecretsOf(tls: IngressTLS[], inputs: TranslateInputs, seen: Map<string, Secret>): Secret[] {
  const out = new Map<string, Secret>();
  for (const entry of tls) {
    const ref = tlsSecretRef(entry);
    const key = keyOf(ref);
    if (out.has(key)) continue;
    const secret = seen.get(key) ?? inputs.secret(ref);
    if (!secret) throw new TranslateError(`secret "${key}" not found`);
    seen.set(key, secret);
    out.set(key, secret);
  }
  return [...out.values()];
}

function addCopy(
  copies: Map<string, Secret>,
  origin: Secret,
  svc: GatewayService,
  name: string,
  owner?: ObjectRef,
): void {
  if ((origin.metadata.namespace ?? '') === svc.namespace) return;
  copies.set(keyOf({ namespace: svc.namespace, name }), makeSecretCopy(origin, name, svc.namespace, owner));
}

function dedupeByKey<T>(items: T[], key: (item: T) => string): T[] {
  return [...new Map(items.map((i) => [key(i), i])).values()];
}
