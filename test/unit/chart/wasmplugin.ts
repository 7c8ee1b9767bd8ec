// Higress's WasmPlugin (extensions.higress.io/v1alpha1) as its CRD and controller accept it, plus the
// configs of the two plugins the guide uses (key-auth, key-rate-limit). Strict: an unknown
// field is an error, as a typo in a plugin config silently does nothing on a real gateway.
import { z } from 'zod';

const nonEmptyStrings = z.array(z.string().min(1)).min(1);

const matchRule = z
  .strictObject({
    ingress: z.array(z.string().min(1)).optional(),
    domain: z.array(z.string().min(1)).optional(),
    service: z.array(z.string().min(1)).optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    configDisable: z.boolean().optional(),
    // GRPC replaces the ingress names in Higress's conversion: only HTTP is safe.
    routeType: z.literal('HTTP').optional(),
  })
  .refine((r) => [r.ingress, r.domain, r.service].some((l) => l !== undefined && l.length > 0), {
    message: 'a rule needs ingress, domain or service (one without makes Higress reject the whole plugin)',
  });

const spec = z.strictObject({
  url: z.string().regex(/^(oci|file|https?):\/\/\S+$/),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  imagePullPolicy: z.enum(['UNSPECIFIED_POLICY', 'IfNotPresent', 'Always']).optional(),
  imagePullSecret: z.string().optional(),
  verificationKey: z.string().optional(),
  pluginName: z.string().optional(),
  phase: z.enum(['UNSPECIFIED_PHASE', 'AUTHN', 'AUTHZ', 'STATS']).optional(),
  priority: z.number().int().optional(),
  failStrategy: z.enum(['FAIL_CLOSE', 'FAIL_OPEN']).optional(),
  vmConfig: z
    .strictObject({
      env: z
        .array(
          z.strictObject({
            name: z.string().min(1),
            valueFrom: z.enum(['INLINE', 'HOST']).optional(),
            value: z.string().optional(),
          }),
        )
        .optional(),
    })
    .optional(),
  // If set, Higress passes it through and ignores defaultConfig and matchRules: never what we mean.
  pluginConfig: z.never().optional(),
  defaultConfig: z.record(z.string(), z.unknown()).optional(),
  defaultConfigDisable: z.boolean().optional(),
  matchRules: z.array(matchRule).optional(),
});

export const wasmPluginSchema = z.strictObject({
  apiVersion: z.literal('extensions.higress.io/v1alpha1'),
  kind: z.literal('WasmPlugin'),
  metadata: z.object({
    name: z.string().min(1),
    namespace: z.string().min(1),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  spec,
});
export type WasmPlugin = z.infer<typeof wasmPluginSchema>;

const keyAuthGlobal = z
  .strictObject({
    consumers: z.array(z.strictObject({ name: z.string().min(1), credential: z.string().min(1) })).min(1),
    keys: nonEmptyStrings,
    in_header: z.boolean().optional(),
    in_query: z.boolean().optional(),
    global_auth: z.boolean().optional(),
  })
  .refine((c) => c.in_header !== undefined || c.in_query !== undefined, {
    message: 'in_header or in_query must be set',
  })
  .refine((c) => new Set(c.consumers.map((x) => x.credential)).size === c.consumers.length, {
    message: 'duplicate credentials',
  });
const keyAuthRule = z.strictObject({ allow: nonEmptyStrings });

const perWindow = z.number().int().positive();
const keyRateLimit = z
  .strictObject({
    limit_by_header: z.string().min(1).optional(),
    limit_by_param: z.string().min(1).optional(),
    limit_keys: z
      .array(
        z
          .strictObject({
            key: z.string().min(1),
            query_per_second: perWindow.optional(),
            query_per_minute: perWindow.optional(),
            query_per_hour: perWindow.optional(),
            query_per_day: perWindow.optional(),
          })
          .refine(
            (k) =>
              [k.query_per_second, k.query_per_minute, k.query_per_hour, k.query_per_day].filter((v) => v !== undefined)
                .length === 1,
            { message: 'each limit key needs exactly one query_per_* window' },
          ),
      )
      .min(1),
  })
  .refine((c) => (c.limit_by_header === undefined) !== (c.limit_by_param === undefined), {
    message: 'exactly one of limit_by_header, limit_by_param',
  });

const issues = (prefix: string, r: { success: boolean; error?: z.ZodError }): string[] =>
  r.success || !r.error
    ? []
    : r.error.issues.map((i) => `${prefix}${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`);

/**
 * Every problem with a WasmPlugin, as `path: message`; [] when Higress would accept it and the plugin
 * would load its config. Higress reads WasmPlugins only in its own namespace.
 */
export function validateWasmPlugin(obj: unknown, higressNamespace: string): string[] {
  const parsed = wasmPluginSchema.safeParse(obj);
  if (!parsed.success) return issues('', parsed);
  const wp = parsed.data;
  const errors: string[] = [];
  if (wp.metadata.namespace !== higressNamespace)
    errors.push(`metadata.namespace: ${wp.metadata.namespace}: Higress only reads WasmPlugins in ${higressNamespace}`);
  const plugin = /\/([a-z0-9-]+):[^/]+$/.exec(wp.spec.url)?.[1];
  const rules = wp.spec.matchRules ?? [];
  if (plugin === 'key-auth') {
    const global = keyAuthGlobal.safeParse(wp.spec.defaultConfig);
    errors.push(...issues('spec.defaultConfig', global));
    const names = new Set(global.success ? global.data.consumers.map((c) => c.name) : []);
    rules.forEach((r, i) => {
      const rule = keyAuthRule.safeParse(r.config);
      errors.push(...issues(`spec.matchRules.${i}.config`, rule));
      for (const n of rule.success ? rule.data.allow : [])
        if (!names.has(n)) errors.push(`spec.matchRules.${i}.config.allow: unknown consumer ${n}`);
    });
  } else if (plugin === 'key-rate-limit') {
    if (wp.spec.defaultConfig !== undefined)
      errors.push(...issues('spec.defaultConfig', keyRateLimit.safeParse(wp.spec.defaultConfig)));
    rules.forEach((r, i) => errors.push(...issues(`spec.matchRules.${i}.config`, keyRateLimit.safeParse(r.config))));
    if (wp.spec.defaultConfig === undefined && rules.length === 0)
      errors.push('spec: neither defaultConfig nor matchRules');
  } else {
    errors.push(`spec.url: ${wp.spec.url}: not a plugin these checks know (key-auth, key-rate-limit)`);
  }
  return errors;
}
