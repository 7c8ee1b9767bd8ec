/** Label, annotation and header names from Knative networking; values must match upstream byte for byte. */
export const INGRESS_CLASS_ANNOTATION = 'networking.knative.dev/ingress.class';
export const DEFAULT_INGRESS_CLASS = 'istio.ingress.networking.knative.dev';

export const INGRESS_LABEL = 'networking.internal.knative.dev/ingress';
export const ROUTE_LABEL = 'serving.knative.dev/route';
export const ROUTE_NAMESPACE_LABEL = 'serving.knative.dev/routeNamespace';
export const ORIGIN_SECRET_NAME_LABEL = 'networking.internal.knative.dev/originSecretName';
export const ORIGIN_SECRET_NAMESPACE_LABEL = 'networking.internal.knative.dev/originSecretNamespace';
export const CERTIFICATE_UID_LABEL = 'networking.internal.knative.dev/certificate-uid';
/** Ours, not Knative's: with INGRESS_LABEL it ties a per-KIngress secret copy to its KIngress, for cleanup. */
export const INGRESS_NAMESPACE_LABEL = 'networking.internal.knative.dev/ingressNamespace';

export const KINGRESS_FINALIZER = 'ingresses.networking.internal.knative.dev';

export const HASH_HEADER = 'K-Network-Hash';
export const HASH_OVERRIDE = 'override';
export const PROBE_HEADER = 'K-Network-Probe';
export const PROBE_VALUE = 'probe';
export const PROBE_USER_AGENT = 'Knative-Ingress-Probe';

export const MESH_GATEWAY = 'mesh';
export const HTTP_SERVER_PORT_NAME = 'http-server';

/** Pod labels of a default Higress install's gateway (helm/core `_helpers.tpl`). */
export const HIGRESS_GATEWAY_POD_LABELS: Readonly<Record<string, string>> = {
  app: 'higress-gateway',
  higress: 'higress-system-higress-gateway',
};
