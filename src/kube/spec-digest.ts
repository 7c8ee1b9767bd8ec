import { createHash } from 'node:crypto';

/**
 * SHA-256 of `spec` as canonical JSON: keys in sorted order (undefined fields and array elements as
 * JSON.stringify writes them). Two specs have the same digest exactly when `jsonEqual` holds for them.
 * A spec already in key order (as the API server sends custom resources, encoded from Go maps) is hashed as
 * it is; any other is copied with its keys sorted first.
 */
export function specDigest(spec: unknown): string {
  const canonical = keysSorted(spec) ? spec : sortedCopy(spec);
  return createHash('sha256')
    .update(JSON.stringify(canonical) ?? 'null')
    .digest('base64');
}

/**
 * Whether every object under `v` lists its keys in sorted order. V8 lists integer-like keys ("0", "10")
 * first whatever the insertion order; an object whose keys are then out of order is copied, and the
 * copy lists them in the one order V8 gives every object with the same keys.
 */
function keysSorted(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return true;
  if (Array.isArray(v)) {
    for (const x of v) if (!keysSorted(x)) return false;
    return true;
  }
  let previous: string | undefined;
  for (const k in v) {
    if (previous !== undefined && !(previous < k)) return false;
    previous = k;
    if (!keysSorted((v as Record<string, unknown>)[k])) return false;
  }
  return true;
}

function sortedCopy(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(sortedCopy);
  const obj = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj).sort()) out[k] = sortedCopy(obj[k]);
  return out;
}
