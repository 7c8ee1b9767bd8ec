import * as yaml from 'js-yaml';

/** One object read from the input, with where it came from for error messages. */
export interface InputDocument {
  source: string;
  /** 0-based position among all objects read, after flattening Lists. */
  index: number;
  object: unknown;
}

/** Multi-document YAML or JSON; `kind: List` (or `*List`) objects are flattened into their items. */
export function parseDocuments(text: string, source: string, firstIndex = 0): InputDocument[] {
  let loaded: unknown[];
  try {
    loaded = yaml.loadAll(text);
  } catch (err) {
    throw new Error(`${source}: not valid YAML or JSON: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  const out: InputDocument[] = [];
  for (const doc of loaded) {
    if (doc === null || doc === undefined) continue;
    for (const object of flattenList(doc)) out.push({ source, index: firstIndex + out.length, object });
  }
  return out;
}

function flattenList(doc: unknown): unknown[] {
  if (isRecord(doc) && typeof doc.kind === 'string' && doc.kind.endsWith('List') && Array.isArray(doc.items)) {
    return doc.items.flatMap(flattenList);
  }
  return [doc];
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `namespace/name` of an object, as far as it can be read. */
export function describeObject(object: unknown): string {
  if (!isRecord(object) || !isRecord(object.metadata)) return '<no metadata>';
  const { namespace, name } = object.metadata;
  const n = typeof name === 'string' && name !== '' ? name : '<unnamed>';
  return typeof namespace === 'string' && namespace !== '' ? `${namespace}/${n}` : n;
}
