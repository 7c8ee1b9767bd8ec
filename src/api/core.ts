import * as z from 'zod';
import { objectMetaSchema, stringMap } from './meta.js';

/** Core objects as far as we read them. */
export const secretSchema = z.looseObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Secret'),
  metadata: objectMetaSchema,
  type: z.string().optional(),
  data: stringMap.optional(),
});
export type Secret = z.infer<typeof secretSchema>;

export const serviceSchema = z.looseObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Service'),
  metadata: objectMetaSchema,
  spec: z
    .looseObject({
      type: z.string().optional(),
      externalName: z.string().optional(),
      selector: stringMap.optional(),
      ports: z
        .array(
          z.looseObject({
            name: z.string().optional(),
            port: z.number().int(),
            targetPort: z.union([z.number().int(), z.string()]).optional(),
            protocol: z.string().optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});

/** A ConfigMap as its informer holds it: only `data` is read, so no schema checks it. */
export interface ConfigMap {
  apiVersion?: string;
  kind?: string;
  metadata: z.infer<typeof objectMetaSchema>;
  data?: Record<string, string>;
}
