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
    const start = keyOf(first ? firstPad : pad, key);
    out += typeof v === 'string' ? start.scalar + scalarString(v) + '\n' : start.nested + writeValue(v, pad);
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
    const lead = dashOf(i === 0 ? firstPad : pad);
    if (isMap(item) && !isEmpty(item)) out += writeMap(item, inner, lead);
    else if (Array.isArray(item) && item.length > 0) out += writeSeq(item, inner, lead);
    else out += lead + inline(item) + '\n';
  }
  return out;
}

/** After `key:` — scalars and empty collections stay on the line; the rest nests below. */
function writeValue(v: unknown, pad: string): string {
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

/** How a line with a key starts: `pad + key + ':'`, and with the space before a scalar. */
interface KeyStart {
  nested: string;
  scalar: string;
}

// Line starts per indentation (or `- ` lead), made once: the same few field names recur at the same places.
const KEYS = new Map<string, Map<string, KeyStart>>();
const DASHES = new Map<string, string>();

function keyOf(pad: string, key: string): KeyStart {
  let byKey = KEYS.get(pad);
  if (byKey === undefined) KEYS.set(pad, (byKey = new Map()));
  let start = byKey.get(key);
  if (start === undefined) {
    const nested = `${pad}${scalarString(key)}:`;
    start = { nested, scalar: `${nested} ` };
    if (byKey.size >= 1024) byKey.clear();
    byKey.set(key, start);
  }
  return start;
}

function dashOf(pad: string): string {
  let lead = DASHES.get(pad);
  if (lead === undefined) DASHES.set(pad, (lead = `${pad}- `));
  return lead;
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
