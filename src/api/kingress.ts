import * as z from 'zod';
import type { Validated } from './fielderror.js';
import { objectMetaSchema, stringMap, type ObjectRef } from './meta.js';
import { ok } from './result.js';
import { parseWith } from './schema.js';
import { shapeCheckOf } from './shape.js';

/** Knative's internal ingress, `networking.internal.knative.dev/v1alpha1` kind `Ingress` ("KIngress"). */
export const KINGRESS_API_VERSION = 'networking.internal.knative.dev/v1alpha1';
export const KINGRESS_KIND = 'Ingress';

const headerMatchSchema = z.object({ exact: z.string() });

export const ingressBackendSplitSchema = z.object({
  serviceNamespace: z.string(),
  serviceName: z.string(),
  servicePort: z.union([z.number().int(), z.string()]),
  percent: z.number().int().optional(),
  appendHeaders: stringMap.optional(),
});

export const httpIngressPathSchema = z.object({
  path: z.string().optional(),
  rewriteHost: z.string().optional(),
  headers: z.record(z.string(), headerMatchSchema).optional(),
  // Not omitempty in Go: `null` is a distinct value for the hash.
  splits: z.array(ingressBackendSplitSchema).nullable().optional(),
  appendHeaders: stringMap.optional(),
});

const httpIngressRuleValueSchema = z.object({
  // Not omitempty in Go either; validation reports a missing list with its path.
  paths: z.array(httpIngressPathSchema).nullable().optional(),
});

export const ingressRuleSchema = z.object({
  hosts: z.array(z.string()).optional(),
  visibility: z.string().optional(),
  http: httpIngressRuleValueSchema.optional().nullable(),
});

export const ingressTLSSchema = z.object({
  hosts: z.array(z.string()).optional(),
  secretName: z.string().optional(),
  secretNamespace: z.string().optional(),
});

export const ingressSpecSchema = z.object({
  tls: z.array(ingressTLSSchema).optional().nullable(),
  rules: z.array(ingressRuleSchema).optional().nullable(),
  httpOption: z.string().optional(),
});

export const conditionSchema = z.looseObject({
  type: z.string(),
  status: z.enum(['True', 'False', 'Unknown']),
  severity: z.string().optional(),
  lastTransitionTime: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

export const loadBalancerIngressSchema = z.object({
  ip: z.string().optional(),
  domain: z.string().optional(),
  domainInternal: z.string().optional(),
  meshOnly: z.boolean().optional(),
});

const loadBalancerStatusSchema = z.object({
  ingress: z.array(loadBalancerIngressSchema).optional(),
});

export const ingressStatusSchema = z.looseObject({
  observedGeneration: z.number().int().optional(),
  conditions: z.array(conditionSchema).optional(),
  annotations: stringMap.optional(),
  publicLoadBalancer: loadBalancerStatusSchema.optional(),
  privateLoadBalancer: loadBalancerStatusSchema.optional(),
});

export const kingressSchema = z.looseObject({
  apiVersion: z.literal(KINGRESS_API_VERSION),
  kind: z.literal(KINGRESS_KIND),
  metadata: objectMetaSchema,
  spec: ingressSpecSchema,
  status: ingressStatusSchema.optional(),
});

const hasKIngressShape = shapeCheckOf(kingressSchema);

/**
 * A KIngress as the schema reads it. One that already has the schema's exact shape (what the API server and
 * Serving send) is returned as it is, not copied: callers never modify what they parse.
 */
export function parseKIngress(input: unknown): Validated<KIngress> {
  return hasKIngressShape(input) ? ok(input as KIngress) : parseWith(kingressSchema, input);
}

export type IngressBackendSplit = z.infer<typeof ingressBackendSplitSchema>;
export type HTTPIngressPath = z.infer<typeof httpIngressPathSchema>;
export type IngressRule = z.infer<typeof ingressRuleSchema>;
export type IngressTLS = z.infer<typeof ingressTLSSchema>;

/** The origin Secret a `spec.tls` entry names (a missing part is ''). */
export function tlsSecretRef(tls: {
  secretNamespace?: string | undefined;
  secretName?: string | undefined;
}): ObjectRef {
  return { namespace: tls.secretNamespace ?? '', name: tls.secretName ?? '' };
}
export type IngressSpec = z.infer<typeof ingressSpecSchema>;
export type Condition = z.infer<typeof conditionSchema>;
export type LoadBalancerIngress = z.infer<typeof loadBalancerIngressSchema>;
export type IngressStatus = z.infer<typeof ingressStatusSchema>;
export type KIngress = z.infer<typeof kingressSchema>;

export const VISIBILITY_EXTERNAL = 'ExternalIP';
export const VISIBILITY_CLUSTER_LOCAL = 'ClusterLocal';
export type Visibility = typeof VISIBILITY_EXTERNAL | typeof VISIBILITY_CLUSTER_LOCAL;

export const HTTP_OPTION_ENABLED = 'Enabled';
export const HTTP_OPTION_REDIRECTED = 'Redirected';
