import { isRecord } from '../api/json.js';

/** What replaces a value that must never reach a log line. */
export const REDACTED = '<redacted>';

/** Keys whose values are Secret payloads wherever they appear (Secret, ConfigMap-like, patches). */
const SECRET_KEYS: ReadonlySet<string> = new Set(['data', 'stringData']);

/** kubectl keeps the whole applied object here, Secret data included. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Beyond this depth a field is summarised: log fields are for people, not object dumps. */
const MAX_DEPTH = 8;

/**
 * A JSON-safe copy of `value` with Secret payloads replaced by `<redacted>`: any `data`/`stringData`
 * field, and a Secret object's last-applied annotation. Errors become their message, bigints
 * strings, and cycles `<cycle>`, so a log call can never throw or leak.
 */
export function redact(value: unknown): unknown {
  return walk(value, new WeakSet<object>(), 0);
}

/** `redact` for a whole field record. */
export function redactFields(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return walk(fields, new WeakSet<object>(), 0) as Record<string, unknown>;
}

function walk(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') return String(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return value.message;
  if (value instanceof Date) return value.toISOString();
  if (seen.has(value)) return '<cycle>';
  if (depth >= MAX_DEPTH) return '<truncated>';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => walk(v, seen, depth + 1));
    if (ArrayBuffer.isView(value)) return REDACTED; // raw bytes (Buffer) are most likely key material
    const isSecret = (value as { kind?: unknown }).kind === 'Secret';
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (SECRET_KEYS.has(key) && v !== undefined) out[key] = REDACTED;
      else if (isSecret && key === 'metadata') out[key] = secretMetadata(v, seen, depth + 1);
      else out[key] = walk(v, seen, depth + 1);
    }
    return out;
  } finally {
    // Only ancestors count as cycles; the same object twice side by side is fine.
    seen.delete(value);
  }
}

function secretMetadata(metadata: unknown, seen: WeakSet<object>, depth: number): unknown {
  const copy = walk(metadata, seen, depth);
  const annotations = isRecord(copy) ? copy['annotations'] : undefined;
  if (isRecord(annotations) && annotations[LAST_APPLIED] !== undefined) annotations[LAST_APPLIED] = REDACTED;
  return copy;
}
