import type { ObjectMeta } from '../api/meta.js';

/**
 * On every VirtualService we write: `<generation>:<digest>`, the generation our write gave it and the digest of the
 * spec we wrote. The VirtualService cache holds metadata only (the API server then sends about a fifth of the
 * bytes at a restart), so this annotation is what tells us the spec without reading it. Any other change to the
 * spec bumps `metadata.generation` past the one recorded here (VirtualServices have a status subresource, so a
 * status write does not), and the spec is then read live once before it is put back.
 */
export const WRITTEN_SPEC_ANNOTATION = 'net-higress.dev/written-spec';

/** `annotations` plus the record of a spec of digest `digest` (see specDigest) written at `generation`. */
export function recordWrittenSpec(
  annotations: Record<string, string> | undefined,
  generation: number,
  digest: string,
): Record<string, string> {
  return { ...annotations, [WRITTEN_SPEC_ANNOTATION]: `${generation}:${digest}` };
}

/**
 * The digest of the spec the object holds, if the annotation still vouches for it (its generation is the
 * object's); undefined when the spec was changed by another writer since, or never written by us.
 */
export function writtenDigest(meta: Pick<ObjectMeta, 'annotations' | 'generation'>): string | undefined {
  const value = meta.annotations?.[WRITTEN_SPEC_ANNOTATION];
  const colon = value?.indexOf(':') ?? -1;
  if (value === undefined || colon < 1 || meta.generation === undefined) return undefined;
  return value.slice(0, colon) === String(meta.generation) ? value.slice(colon + 1) : undefined;
}
