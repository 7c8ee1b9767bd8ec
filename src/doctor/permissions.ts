// What `net-higress run` does to the API server, as RBAC permissions. The chart's templates/rbac.yaml grants
// exactly these (the chart tests compare the two); `doctor` asks the API server whether they are granted.
import type { ObjectRef } from '../api/meta.js';
import type { ResourceAttributes } from './types.js';

export interface Permission {
  group: string;
  /** `ingresses`, or with a subresource `ingresses/status`. */
  resource: string;
  verbs: readonly string[];
  /** Absent: in every namespace. */
  namespace?: string;
  resourceName?: string;
  why: string;
}

export interface PermissionScope {
  systemNamespace: string;
  higressNamespace: string;
  lease: ObjectRef;
}

const KNATIVE = 'networking.internal.knative.dev';
const ISTIO = 'networking.istio.io';

export function operatorPermissions(s: PermissionScope): Permission[] {
  return [
    { group: KNATIVE, resource: 'ingresses', verbs: ['get', 'list', 'watch'], why: 'the KIngress informer' },
    { group: KNATIVE, resource: 'ingresses', verbs: ['patch'], why: 'adding and removing the finalizer' },
    { group: KNATIVE, resource: 'ingresses/status', verbs: ['update'], why: 'writing KIngress status' },
    {
      group: KNATIVE,
      resource: 'ingresses/finalizers',
      verbs: ['update'],
      why: 'ownerReferences with blockOwnerDeletion',
    },
    { group: '', resource: 'secrets/finalizers', verbs: ['update'], why: 'wildcard Gateways owned by their Secret' },
    {
      group: ISTIO,
      resource: 'virtualservices',
      verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'],
      why: 'the translated VirtualServices',
    },
    {
      group: ISTIO,
      resource: 'gateways',
      verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'],
      why: 'TLS and wildcard Gateways',
    },
    { group: '', resource: 'secrets', verbs: ['get', 'list', 'watch'], why: 'TLS origin Secrets' },
    {
      group: '',
      resource: 'secrets',
      verbs: ['create', 'update', 'delete'],
      namespace: s.higressNamespace,
      why: 'TLS Secret copies for the gateway',
    },
    { group: '', resource: 'services', verbs: ['get', 'list', 'watch'], why: 'gateway Services' },
    {
      group: 'discovery.k8s.io',
      resource: 'endpointslices',
      verbs: ['get', 'list', 'watch'],
      why: 'readiness probe targets',
    },
    { group: '', resource: 'events', verbs: ['create', 'patch'], why: 'Events on KIngresses' },
    {
      group: '',
      resource: 'configmaps',
      verbs: ['get', 'list', 'watch'],
      namespace: s.systemNamespace,
      why: 'config-istio and config-network',
    },
    {
      group: 'coordination.k8s.io',
      resource: 'leases',
      verbs: ['create'],
      namespace: s.lease.namespace,
      why: 'leader election',
    },
    {
      group: 'coordination.k8s.io',
      resource: 'leases',
      verbs: ['get', 'update'],
      namespace: s.lease.namespace,
      resourceName: s.lease.name,
      why: 'leader election',
    },
  ];
}

/** One SubjectAccessReview per verb. */
export function accessReviews(
  permissions: readonly Permission[],
): Array<{ attrs: ResourceAttributes; permission: Permission }> {
  return permissions.flatMap((p) =>
    p.verbs.map((verb) => {
      const [resource = p.resource, subresource] = p.resource.split('/');
      const attrs: ResourceAttributes = {
        verb,
        group: p.group,
        resource,
        ...(subresource ? { subresource } : {}),
        ...(p.namespace ? { namespace: p.namespace } : {}),
        ...(p.resourceName ? { name: p.resourceName } : {}),
      };
      return { attrs, permission: p };
    }),
  );
}

/** `create secrets in higress-system`, `update ingresses.networking.internal.knative.dev/status (all namespaces)`. */
export function describeAccess(a: ResourceAttributes): string {
  const resource = `${a.resource}${a.group ? `.${a.group}` : ''}${a.subresource ? `/${a.subresource}` : ''}${a.name ? ` "${a.name}"` : ''}`;
  return `${a.verb} ${resource} ${a.namespace ? `in ${a.namespace}` : '(all namespaces)'}`;
}
