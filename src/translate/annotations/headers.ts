import { lookup, type Annotations, type Found } from './keys.js';
import { text, TOKEN, type Problems } from './values.js';

export interface HeaderOperations {
  add?: Record<string, string>;
  set?: Record<string, string>;
  remove?: string[];
}

export interface HeaderControl {
  request?: HeaderOperations;
  response?: HeaderOperations;
}

/**
 * `higress.io/{request,response}-header-control-{add,update,remove}` (Higress's own prefix only).
 * add/update take one `Name value` per line (the value is everything after the first run of spaces; one pair
 * of surrounding quotes is dropped from name and value);
 * update overwrites, add appends; remove takes a comma-separated list of names.
 */
export function parseHeaderControl(annotations: Annotations, problems: Problems): HeaderControl | undefined {
  const request = operations(annotations, 'request', problems);
  const response = operations(annotations, 'response', problems);
  if (!request && !response) return undefined;
  return { ...(request ? { request } : {}), ...(response ? { response } : {}) };
}

function operations(
  annotations: Annotations,
  direction: 'request' | 'response',
  problems: Problems,
): HeaderOperations | undefined {
  const ops: HeaderOperations = {};
  const add = headerLines(lookup(annotations, `${direction}-header-control-add`, 'higress'), problems);
  if (add) ops.add = add;
  const set = headerLines(lookup(annotations, `${direction}-header-control-update`, 'higress'), problems);
  if (set) ops.set = set;
  const removeFound = lookup(annotations, `${direction}-header-control-remove`, 'higress');
  const remove = removeFound ? text(removeFound, problems) : undefined;
  if (removeFound && remove !== undefined) {
    const names = remove
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n !== '');
    const bad = names.filter((n) => !TOKEN.test(n));
    if (bad.length > 0 || names.length === 0) problems.add(removeFound, 'want a comma-separated list of header names');
    else ops.remove = names;
  }
  return ops.add || ops.set || ops.remove ? ops : undefined;
}

function headerLines(found: Found | undefined, problems: Problems): Record<string, string> | undefined {
  const value = found ? text(found, problems) : undefined;
  if (!found || value === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const line of value.split('\n')) {
    if (line === '') continue;
    const m = /^(\S+)\s+(.+)$/.exec(line);
    const name = unquoted(m?.[1] ?? '');
    if (!m || !TOKEN.test(name)) return problems.add(found, `line "${line}" is not "Header-Name value"`);
    out[name] = unquoted(m[2] ?? '');
  }
  return out;
}

/** Higress drops one pair of surrounding quotes, so a value with spaces at its ends can be written `"  x  "`. */
function unquoted(s: string): string {
  return s.length >= 2 && (s[0] === '"' || s[0] === "'") && s[s.length - 1] === s[0] ? s.slice(1, -1) : s;
}
