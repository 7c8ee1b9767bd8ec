import type { Secret } from '../api/core.js';
import { ISTIO_API_VERSION, type Gateway, type Server } from '../api/istio.js';
import { keyOf, refOf, type ObjectRef } from '../api/meta.js';
import {
  HTTP_OPTION_REDIRECTED,
  VISIBILITY_EXTERNAL,
  tlsSecretRef,
  type IngressTLS,
  type KIngress,
} from '../api/kingress.js';
import { HTTP_SERVER_PORT_NAME, INGRESS_LABEL } from './constants.js';
import { TranslateError } from './error.js';
import { compareBytes, sortedUnique } from './hosts.js';
import { controllerReference, ingressOwnerReferences } from './metadata.js';
import { gatewayName, secretCopyName, tlsPortName, wildcardGatewayName, wildcardSecretCopyName } from './names.js';

/** A gateway Service as the translation needs it: where it lives and which pods it selects. */
export interface GatewayService extends ObjectRef {
  selector: Record<string, string>;
}

export const HTTPS_PORT = 443;
/** Container port of cluster-local TLS; the local gateway Service maps 443 to it. */
export const LOCAL_HTTPS_PORT = 8444;

/** One HTTPS server per TLS entry, credential in the gateway namespace, sorted by port name. */
export function makeTLSServers(
  ing: KIngress,
  tls: readonly IngressTLS[],
  service: GatewayService,
  port: number,
  origins: ReadonlyMap<string, Secret>,
): Server[] {
  const namespace = ing.metadata.namespace ?? '';
  const servers = tls.map((entry, i): Server => {
    const originKey = keyOf(tlsSecretRef(entry));
    let credentialName = entry.secretName ?? '';
    if (entry.secretNamespace !== service.namespace) {
      const origin = origins.get(originKey);
      if (!origin) throw new TranslateError(`unable to get the original secret ${originKey}`);
      credentialName = secretCopyName(ing.metadata.name, origin.metadata.uid ?? '');
    }
    return {
      hosts: [...(entry.hosts ?? [])],
      port: { name: tlsPortName(namespace, ing.metadata.name, i), number: port, protocol: 'HTTPS' },
      tls: { mode: 'SIMPLE', credentialName },
    };
  });
  return servers.sort((a, b) => compareBytes(a.port.name, b.port.name));
}

/** Port 80 for the public hosts; it redirects to HTTPS when the KIngress asks for it. */
export function makeHTTPServer(ing: KIngress): Server {
  const hosts = sortedUnique(
    (ing.spec.rules ?? []).filter((r) => r.visibility === VISIBILITY_EXTERNAL).flatMap((r) => r.hosts ?? []),
  );
  return {
    hosts,
    port: { name: HTTP_SERVER_PORT_NAME, number: 80, protocol: 'HTTP' },
    ...(ing.spec.httpOption === HTTP_OPTION_REDIRECTED ? { tls: { httpsRedirect: true } } : {}),
  };
}

/** A Gateway owned by the KIngress, in its namespace, selecting the pods of the gateway Service. */
export function makeIngressGateway(
  ing: KIngress,
  visibility: string,
  service: GatewayService,
  servers: Server[],
): Gateway {
  return {
    apiVersion: ISTIO_API_VERSION,
    kind: 'Gateway',
    metadata: {
      name: gatewayName(ing.metadata.name, visibility, service),
      namespace: ing.metadata.namespace ?? '',
      labels: { [INGRESS_LABEL]: ing.metadata.name },
      ...ingressOwnerReferences(ing),
    },
    spec: { selector: { ...service.selector }, servers },
  };
}

/** The Gateway shared by every KIngress using a wildcard certificate; it lives and dies with the Secret. */
export function makeWildcardGateway(secret: Secret, dnsNames: string[], service: GatewayService): Gateway {
  const origin = refOf(secret);
  const credentialName = origin.namespace === service.namespace ? origin.name : wildcardSecretCopyName(origin);
  return {
    apiVersion: ISTIO_API_VERSION,
    kind: 'Gateway',
    metadata: {
      name: wildcardGatewayName(origin.name, service),
      namespace: origin.namespace,
      ...controllerReference('v1', 'Secret', origin.name, secret.metadata.uid),
    },
    spec: {
      selector: { ...service.selector },
      servers: [
        {
          hosts: dnsNames,
          port: { name: 'https', number: HTTPS_PORT, protocol: 'HTTPS' },
          tls: { mode: 'SIMPLE', credentialName },
        },
      ],
    },
  };
}

export function qualifiedGatewayName(gw: Gateway): string {
  return `${gw.metadata.namespace ?? ''}/${gw.metadata.name}`;
}
