/**
 * A small YAML emitter for JSON-shaped Kubernetes objects. js-yaml's dump cost more than the whole
 * translation; this writes block style like kubectl and quotes every string that a YAML 1.1 or 1.2
 * reader could take for something else, so `kubectl apply` and js-yaml read back the same data.
 */
export function toYAML(value: unknown): string {
  if (isMap(value)) return writeMap(value, '', '');
  if (Array.isArray(value)) return writeSeq(value, '', '');
  return `${scalar(value)}\n`;
}

/** `firstPad` replaces the indentation of the first line: `- ` when the map is a sequence item. */
function writeMap(map: Record<string, unknown>, pad: string, firstPad: string): string {
  let out = '';
  let first = true;
  for (const key in map) {
    const v = map[key];
    if (v === undefined) continue;
    out += (first ? firstPad + scalarString(key) + ':' : keyOf(pad, key)) + writeValue(v, pad);
    first = false;
  }
  return first ? `${firstPad}{}\n` : out;
}

function writeSeq(items: readonly unknown[], pad: string, firstPad: string): string {
  if (items.length === 0) return `${firstPad}[]\n`;
  let out = '';
  const inner = indented(pad);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const lead = i === 0 ? firstPad + '- ' : dashOf(pad);
    if (isMap(item) && !isEmpty(item)) out += writeMap(item, inner, lead);
    else if (Array.isArray(item) && item.length > 0) out += writeSeq(item, inner, lead);
    else out += lead + inline(item) + '\n';
  }
  return out;
}

/** After `key:` — scalars and empty collections stay on the line; the rest nests below. */
function writeValue(v: unknown, pad: string): string {
  if (typeof v === 'string') return ' ' + scalarString(v) + '\n';
  if (isMap(v) && !isEmpty(v)) {
    const inner = indented(pad);
    return '\n' + writeMap(v, inner, inner);
  }
  // Sequences under a key are not indented, as kubectl writes them.
  if (Array.isArray(v) && v.length > 0) return '\n' + writeSeq(v, pad, pad);
  return ' ' + inline(v) + '\n';
}

// Indentation strings by depth, made once: objects nest a handful of levels.
const PADS: string[] = [''];

function indented(pad: string): string {
  const depth = pad.length / 2 + 1;
  return (PADS[depth] ??= `${pad}  `);
}

// `pad + key + ':'` and `pad + '- '` by depth, made once: the same few field names recur at the same depths.
const KEYS: Array<Map<string, string>> = [];
const DASHES: string[] = [];

function keyOf(pad: string, key: string): string {
  const byKey = (KEYS[pad.length] ??= new Map());
  let line = byKey.get(key);
  if (line === undefined) {
    line = pad + scalarString(key) + ':';
    if (byKey.size >= 1024) byKey.clear();
    byKey.set(key, line);
  }
  return line;
}

function dashOf(pad: string): string {
  return (DASHES[pad.length] ??= `${pad}- `);
}

function inline(v: unknown): string {
  if (isMap(v)) return '{}';
  if (Array.isArray(v)) return '[]';
  return scalar(v);
}

function scalar(v: unknown): string {
  if (typeof v === 'string') return scalarString(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return 'null';
}

// Plain only when it starts with a letter and holds no indicator; words YAML 1.1 reads as booleans or null are quoted.
const PLAIN = /^[A-Za-z][A-Za-z0-9_./+=-]*$/;
const SPECIAL = /^(?:y|n|yes|no|on|off|true|false|null)$/i;
// Below U+007F, JSON's own escapes are enough: a JSON string is a valid YAML double-quoted scalar.
const JSON_ENOUGH = /^[^\u007f-\uffff]*$/;
// Not printable in YAML, or line breaks to a YAML 1.1 reader: escaped although JSON leaves them raw.
const NON_PRINTABLE = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;

/** No memo: most strings are plain, and many are seen once (hashes, uids), so a cache only thrashed. */
function scalarString(s: string): string {
  if (PLAIN.test(s)) return s.length > 5 || !SPECIAL.test(s) ? s : JSON.stringify(s);
  if (JSON_ENOUGH.test(s)) return JSON.stringify(s);
  return JSON.stringify(s).replace(NON_PRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isEmpty(map: Record<string, unknown>): boolean {
  for (const k in map) if (map[k] !== undefined) return false;
  return true;
}
