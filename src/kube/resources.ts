/** The API resources net-higress reads or writes, and how their REST paths are built. */
export interface ResourceType {
  group: string;
  /** Default version; objects may carry another served version of the same group. */
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

export const KINGRESS: ResourceType = {
  group: 'networking.internal.knative.dev',
  version: 'v1alpha1',
  kind: 'Ingress',
  plural: 'ingresses',
  namespaced: true,
};
export const VIRTUAL_SERVICE: ResourceType = {
  group: 'networking.istio.io',
  version: 'v1beta1',
  kind: 'VirtualService',
  plural: 'virtualservices',
  namespaced: true,
};
export const GATEWAY: ResourceType = {
  group: 'networking.istio.io',
  version: 'v1beta1',
  kind: 'Gateway',
  plural: 'gateways',
  namespaced: true,
};
export const SECRET: ResourceType = { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true };
export const CONFIG_MAP: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
};
export const SERVICE: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Service',
  plural: 'services',
  namespaced: true,
};
export const NAMESPACE: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  namespaced: false,
};
export const EVENT: ResourceType = { group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true };
export const ENDPOINT_SLICE: ResourceType = {
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  plural: 'endpointslices',
  namespaced: true,
};
export const LEASE: ResourceType = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  namespaced: true,
};

const KNOWN = [
  KINGRESS,
  VIRTUAL_SERVICE,
  GATEWAY,
  SECRET,
  CONFIG_MAP,
  SERVICE,
  NAMESPACE,
  EVENT,
  ENDPOINT_SLICE,
  LEASE,
];

export function apiVersionOf(rt: ResourceType, version = rt.version): string {
  return rt.group ? `${rt.group}/${version}` : version;
}

/** Looks a kind up by apiVersion + kind; the version in apiVersion is kept (v1alpha3, v1beta1, v1 ...). */
export function resourceFor(apiVersion: string, kind: string): { rt: ResourceType; version: string } {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const rt = KNOWN.find((r) => r.group === group && r.kind === kind);
  if (!rt) throw new Error(`unsupported kind ${kind} in ${apiVersion}`);
  return { rt, version };
}

/** `/api/v1/namespaces/ns/secrets`, `/apis/g/v/ingresses` (all namespaces when namespace is omitted). */
export function collectionPath(rt: ResourceType, namespace?: string, version = rt.version): string {
  const root = rt.group ? `/apis/${rt.group}/${version}` : `/api/${version}`;
  const ns = rt.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${ns}/${rt.plural}`;
}

export function objectPath(
  rt: ResourceType,
  namespace: string | undefined,
  name: string,
  subresource?: 'status',
  version = rt.version,
): string {
  if (rt.namespaced && !namespace) throw new Error(`${rt.kind} ${name}: namespace required`);
  const base = `${collectionPath(rt, namespace, version)}/${encodeURIComponent(name)}`;
  return subresource ? `${base}/${subresource}` : base;
}
