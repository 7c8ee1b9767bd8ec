import * as z from 'zod';

export const stringMap = z.record(z.string(), z.string());

export const ownerReferenceSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});
export type OwnerReference = z.infer<typeof ownerReferenceSchema>;

/** ObjectMeta as far as we read it; loose so that objects read from the cluster keep every field. */
export const objectMetaSchema = z.looseObject({
  name: z.string().min(1, 'name is required'),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().int().optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
  finalizers: z.array(z.string()).optional(),
  ownerReferences: z.array(ownerReferenceSchema).optional(),
  deletionTimestamp: z.string().optional().nullable(),
});
export type ObjectMeta = z.infer<typeof objectMetaSchema>;

/** Names one namespaced object; its kind is known from where the ref is used. */
export interface ObjectRef {
  namespace: string;
  name: string;
}

/** Names one namespaced object and its kind: what a request for an arbitrary object needs. */
export interface TypedObjectRef extends ObjectRef {
  apiVersion: string;
  kind: string;
}

/** The ref of a parsed object; a missing namespace is ''. */
export function refOf(obj: { metadata: { namespace?: string | undefined; name: string } }): ObjectRef {
  return { namespace: obj.metadata.namespace ?? '', name: obj.metadata.name };
}

/** The typed ref of an object as read from or written to the API server; throws when a part is missing. */
export function typedRefOf(obj: {
  apiVersion?: string;
  kind?: string;
  metadata?: { namespace?: string; name?: string };
}): TypedObjectRef {
  const { apiVersion, kind } = obj;
  const name = obj.metadata?.name;
  const namespace = obj.metadata?.namespace;
  if (!apiVersion || !kind || !name || !namespace) {
    throw new Error(`object needs apiVersion, kind, metadata.name and metadata.namespace (got ${kind}/${name})`);
  }
  return { apiVersion, kind, namespace, name };
}

/**
 * `namespace/name`, or `name` alone for a cluster-scoped object (client-go's MetaNamespaceKeyFunc): the
 * key of informer caches, of the work queue and of every map of objects by name.
 */
export function keyOf(ref: { namespace?: string | undefined; name: string }): string {
  return ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
}

/** The inverse of {@link keyOf}. */
export function parseKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  if (slash < 0) return { namespace: undefined, name: key };
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
