import { isRecord } from '../api/json.js';

/**
 * A small YAML emitter for JSON-shaped Kubernetes objects. js-yaml's dump cost more than the whole
 * translation; this writes block style like kubectl and quotes every string that a YAML 1.1 or 1.2
 * reader could take for something else, so `kubectl apply` and js-yaml read back the same data.
 */
export function toYAML(value: unknown): string {
  if (isRecord(value)) return writeMap(value, TOP, TOP) || '{}\n';
  if (Array.isArray(value)) return writeSeq(value, TOP, TOP);
  return `${scalar(value)}\n`;
}

/**
 * How lines start at one place in the output: the indentation (or `- ` lead) and, made once per key, the key
 * and colon after it. The same few field names recur at the same places, and building each line start anew
 * (or looking it up by indentation string) was the writer's largest cost.
 */
class Indent {
  // A prototype-less object, not a Map: a property lookup by an interned key name is the cheaper of the two.
  private keys: Record<string, KeyStart> = Object.create(null) as Record<string, KeyStart>;
  private size = 0;
  private deeper: Indent | undefined;
  private item: Indent | undefined;

  constructor(readonly pad: string) {}

  /** Two more spaces. */
  get inner(): Indent {
    return (this.deeper ??= new Indent(`${this.pad}  `));
  }

  /** `- ` after this indentation: the first line of a sequence item. */
  get dash(): Indent {
    return (this.item ??= new Indent(`${this.pad}- `));
  }

  key(key: string): KeyStart {
    let start = this.keys[key];
    if (start === undefined) {
      const nested = `${this.pad}${scalarString(key)}:`;
      start = { nested, scalar: `${nested} ` };
      // Bounded: keys of user maps (labels, annotations) are many and each seen once.
      if (++this.size > 1024) {
        this.keys = Object.create(null) as Record<string, KeyStart>;
        this.size = 1;
      }
      this.keys[key] = start;
    }
    return start;
  }
}

/** `pad + key + ':'`, and with the space before a scalar. */
interface KeyStart {
  nested: string;
  scalar: string;
}

const TOP = new Indent('');

/**
 * `first` replaces the indentation of the first line: `- ` when the map is a sequence item. An empty map (or one
 * of undefined fields only) gives '', and the caller writes `{}`: found while writing it, not by a scan before.
 */
function writeMap(map: Record<string, unknown>, indent: Indent, first: Indent): string {
  let out = '';
  let at = first;
  for (const key in map) {
    const v = map[key];
    if (v === undefined) continue;
    const start = at.key(key);
    out += typeof v === 'string' ? start.scalar + scalarString(v) + '\n' : start.nested + writeValue(v, indent);
    at = indent;
  }
  return out;
}

function writeSeq(items: readonly unknown[], indent: Indent, first: Indent): string {
  if (items.length === 0) return `${first.pad}[]\n`;
  let out = '';
  const inner = indent.inner;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const lead = (i === 0 ? first : indent).dash;
    if (isRecord(item)) out += writeMap(item, inner, lead) || `${lead.pad}{}\n`;
    else if (Array.isArray(item) && item.length > 0) out += writeSeq(item, inner, lead);
    else out += lead.pad + inline(item) + '\n';
  }
  return out;
}

/** After `key:` — scalars and empty collections stay on the line; the rest nests below. */
function writeValue(v: unknown, indent: Indent): string {
  if (isRecord(v)) {
    const body = writeMap(v, indent.inner, indent.inner);
    return body === '' ? ' {}\n' : '\n' + body;
  }
  // Sequences under a key are not indented, as kubectl writes them.
  if (Array.isArray(v) && v.length > 0) return '\n' + writeSeq(v, indent, indent);
  return ' ' + inline(v) + '\n';
}

/** A scalar, or an empty sequence (maps never get here: writeMap answers for them). */
function inline(v: unknown): string {
  return Array.isArray(v) ? '[]' : scalar(v);
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
