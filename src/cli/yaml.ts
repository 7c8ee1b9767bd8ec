import { isRecord } from '../api/json.js';

/**
 * A small YAML emitter for JSON-shaped Kubernetes objects. js-yaml's dump cost more than the whole
 * translation; this writes block style like kubectl and quotes every string that a YAML 1.1 or 1.2
 * reader could take for something else, so `kubectl apply` and js-yaml read back the same data.
 */
export function toYAML(value: unknown): string {
  if (isRecord(value)) return writeMap(value, '', '');
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
    out += `${first ? firstPad : pad}${scalarString(key)}:${writeValue(v, pad)}`;
    first = false;
  }
  return first ? `${firstPad}{}\n` : out;
}

function writeSeq(items: readonly unknown[], pad: string, firstPad: string): string {
  if (items.length === 0) return `${firstPad}[]\n`;
  let out = '';
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const lead = `${i === 0 ? firstPad : pad}- `;
    if (isRecord(item) && !isEmpty(item)) out += writeMap(item, `${pad}  `, lead);
    else if (Array.isArray(item) && item.length > 0) out += writeSeq(item, `${pad}  `, lead);
    else out += `${lead}${inline(item)}\n`;
  }
  return out;
}

/** After `key:` — scalars and empty collections stay on the line; the rest nests below. */
function writeValue(v: unknown, pad: string): string {
  if (isRecord(v) && !isEmpty(v)) return `\n${writeMap(v, `${pad}  `, `${pad}  `)}`;
  // Sequences under a key are not indented, as kubectl writes them.
  if (Array.isArray(v) && v.length > 0) return `\n${writeSeq(v, pad, pad)}`;
  return ` ${inline(v)}\n`;
}

function inline(v: unknown): string {
  if (isRecord(v)) return '{}';
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
// Not printable in YAML, or line breaks to a YAML 1.1 reader: escaped although JSON leaves them raw.
const NON_PRINTABLE = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;

// Keys and values repeat a lot (field names, hosts, gateway names): deciding how to write each once is cheaper.
const written = new Map<string, string>();

function scalarString(s: string): string {
  let out = written.get(s);
  if (out !== undefined) return out;
  out =
    PLAIN.test(s) && (s.length > 5 || !SPECIAL.test(s))
      ? s
      : // A JSON string is a valid YAML double-quoted scalar.
        JSON.stringify(s).replace(NON_PRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (written.size >= 4096) written.clear();
  written.set(s, out);
  return out;
}

function isEmpty(map: Record<string, unknown>): boolean {
  for (const k in map) if (map[k] !== undefined) return false;
  return true;
}
