import { createHash } from 'node:crypto';

/**
 * A cached object whose spec was replaced by its digest. A VirtualService spec is about 3 KB of JSON and
 * 7 KiB of heap, the largest thing the caches hold, yet it is only ever compared with the spec we want:
 * a SHA-256 of its canonical JSON answers that in 44 bytes.
 */
export interface SpecDigested {
  specDigest?: string;
}

/** Replaces `spec` by `specDigest`, in place. */
export function digestSpec(obj: object): void {
  const o = obj as { spec?: unknown } & SpecDigested;
  if (o.spec === undefined) return;
  o.specDigest = specDigest(o.spec);
  delete o.spec;
}

/**
 * SHA-256 of `spec` written as canonical JSON: keys sorted, undefined fields left out, undefined array
 * elements written as null (as JSON.stringify does). Two specs have the same digest exactly when
 * `jsonEqual` holds for them.
 */
export function specDigest(spec: unknown): string {
  return createHash('sha256').update(canonicalJSON(spec)).digest('base64');
}

function canonicalJSON(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i ? ',' : '') + canonicalJSON(v[i]);
    return out + ']';
  }
  const obj = v as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const k of Object.keys(obj).sort()) {
    const field = obj[k];
    if (field === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(k) + ':' + canonicalJSON(field);
    first = false;
  }
  return out + '}';
}
