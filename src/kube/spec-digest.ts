import { createHash } from 'node:crypto';

/**
 * A cached object whose spec was replaced by its digest. A VirtualService spec is about 3 KB of JSON and
 * 7 KiB of heap, the largest thing the caches hold, yet it is only ever compared with the spec we want:
 * a SHA-256 of its canonical JSON answers that in 44 bytes.
 */
export interface SpecDigested {
  specDigest?: string;
}

/** Replaces `spec` by `specDigest`, in place (spec left undefined, not deleted: see leanObject). */
export function digestSpec(obj: object): void {
  const o = obj as { spec?: unknown } & SpecDigested;
  if (o.spec === undefined) return;
  o.specDigest = specDigest(o.spec);
  o.spec = undefined;
}

/**
 * SHA-256 of `spec` as canonical JSON: keys in sorted order (undefined fields and array elements as
 * JSON.stringify writes them). Two specs have the same digest exactly when `jsonEqual` holds for them.
 * What the API server sends already has its keys sorted (it encodes custom resources from Go maps), so
 * the 5,000 VirtualServices of a restart's list are checked and passed to the native JSON.stringify as they
 * are; only a spec we built is copied with its keys sorted first.
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
