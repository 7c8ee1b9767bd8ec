import * as z from 'zod';
import { objectMetaSchema, stringMap } from './meta.js';

/** The Istio shapes we emit, `networking.istio.io/v1beta1`. Strict: anything we did not mean to write fails. */
export const ISTIO_API_VERSION = 'networking.istio.io/v1beta1';

const stringMatchSchema = z.strictObject({
  exact: z.string().optional(),
  prefix: z.string().optional(),
  regex: z.string().optional(),
});

const headersSchema = z.strictObject({
  request: z
    .strictObject({ set: stringMap.optional(), add: stringMap.optional(), remove: z.array(z.string()).optional() })
    .optional(),
  response: z
    .strictObject({ set: stringMap.optional(), add: stringMap.optional(), remove: z.array(z.string()).optional() })
    .optional(),
});

export const httpMatchRequestSchema = z.strictObject({
  gateways: z.array(z.string()),
  authority: stringMatchSchema.optional(),
  uri: stringMatchSchema.optional(),
  headers: z.record(z.string(), stringMatchSchema).optional(),
});

export const httpRouteDestinationSchema = z.strictObject({
  destination: z.strictObject({
    host: z.string().min(1),
    port: z.strictObject({ number: z.number().int().min(1).max(65535).optional() }),
  }),
  weight: z.number().int().min(0).max(100).optional(),
  headers: headersSchema.optional(),
});

/** Durations as Istio writes them: whole seconds here. */
const duration = z.string().regex(/^\d+s$/);

export const httpRouteSchema = z.strictObject({
  name: z.string().optional(),
  match: z.array(httpMatchRequestSchema),
  /** Absent only on a redirect route: Istio allows one of the two. */
  route: z.array(httpRouteDestinationSchema).optional(),
  redirect: z
    .strictObject({
      scheme: z.string().optional(),
      authority: z.string().optional(),
      uri: z.string().optional(),
      redirectCode: z.number().int().min(300).max(308),
    })
    .optional(),
  headers: headersSchema.optional(),
  rewrite: z
    .strictObject({
      uri: z.string().optional(),
      uriRegexRewrite: z.strictObject({ match: z.string(), rewrite: z.string() }).optional(),
      authority: z.string().optional(),
    })
    .optional(),
  timeout: duration.optional(),
  retries: z
    .strictObject({
      attempts: z.number().int().min(0).optional(),
      perTryTimeout: duration.optional(),
      retryOn: z.string().optional(),
    })
    .optional(),
  corsPolicy: z
    .strictObject({
      allowOrigins: z.array(stringMatchSchema),
      allowMethods: z.array(z.string()),
      allowHeaders: z.array(z.string()),
      exposeHeaders: z.array(z.string()).optional(),
      allowCredentials: z.boolean(),
      maxAge: duration.optional(),
    })
    .optional(),
  mirror: z
    .strictObject({ host: z.string().min(1), port: z.strictObject({ number: z.number().int().min(1).max(65535) }) })
    .optional(),
  mirrorPercentage: z.strictObject({ value: z.number().min(0).max(100) }).optional(),
});

export const virtualServiceSchema = z.strictObject({
  apiVersion: z.literal(ISTIO_API_VERSION),
  kind: z.literal('VirtualService'),
  metadata: objectMetaSchema,
  spec: z.strictObject({
    hosts: z.array(z.string().min(1)),
    gateways: z.array(z.string()),
    http: z.array(httpRouteSchema),
  }),
});

export const serverSchema = z.strictObject({
  hosts: z.array(z.string().min(1)).min(1),
  port: z.strictObject({ name: z.string().min(1), number: z.number().int().min(1).max(65535), protocol: z.string() }),
  tls: z
    .strictObject({
      httpsRedirect: z.boolean().optional(),
      mode: z
        .enum(['SIMPLE', 'MUTUAL', 'PASSTHROUGH', 'AUTO_PASSTHROUGH', 'ISTIO_MUTUAL', 'OPTIONAL_MUTUAL'])
        .optional(),
      credentialName: z.string().optional(),
    })
    .optional(),
});

export const gatewaySchema = z.strictObject({
  apiVersion: z.literal(ISTIO_API_VERSION),
  kind: z.literal('Gateway'),
  metadata: objectMetaSchema,
  spec: z.strictObject({
    selector: stringMap,
    servers: z.array(serverSchema),
  }),
});

export type StringMatch = z.infer<typeof stringMatchSchema>;
export type HTTPMatchRequest = z.infer<typeof httpMatchRequestSchema>;
export type HTTPRouteDestination = z.infer<typeof httpRouteDestinationSchema>;
export type HTTPRoute = z.infer<typeof httpRouteSchema>;
export type VirtualService = z.infer<typeof virtualServiceSchema>;
export type Server = z.infer<typeof serverSchema>;
export type Gateway = z.infer<typeof gatewaySchema>;
