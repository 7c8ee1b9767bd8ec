import { z } from 'zod';

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

/** The metadata we write on objects we create. */
export interface ChildMeta {
  name: string;
  namespace: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

export interface ObjectRef {
  namespace: string;
  name: string;
}

export function refKey(ref: ObjectRef): string {
  return `${ref.namespace}/${ref.name}`;
}
