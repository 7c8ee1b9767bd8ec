import * as z from 'zod';
import { objectMetaSchema } from './meta.js';

/** `discovery.k8s.io/v1` EndpointSlice, as far as the prober reads it. Loose: objects come from the cluster. */
export const endpointSliceSchema = z.looseObject({
  metadata: objectMetaSchema,
  addressType: z.string(),
  endpoints: z
    .array(
      z.looseObject({
        addresses: z.array(z.string()),
        // Absent means unknown, which the API says consumers must treat as ready.
        conditions: z.looseObject({ ready: z.boolean().nullable().optional() }).optional(),
      }),
    )
    .nullable()
    .optional(),
  ports: z
    .array(
      z.looseObject({
        name: z.string().nullable().optional(),
        port: z.number().int().nullable().optional(),
        protocol: z.string().optional(),
      }),
    )
    .nullable()
    .optional(),
});
export type EndpointSlice = z.infer<typeof endpointSliceSchema>;

/** The label the EndpointSlice controller puts on every slice of a Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
