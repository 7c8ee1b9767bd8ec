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
 * add/update take one `Name value` per line (the value is everything after the first run of spaces);
 * update overwrites, add appends; remove takes a comma-separated list of names.
 */
export function parseHeaderControl(annotations: Annotations, problems: Problems): HeaderControl | undefined {
  const request = operations(annotations, 'request', problems);
  const response = operations(annotations, 'response', problems);
  if (!request && !response) return undefined;
  return { ...(request ? { request } : {}), ...(response ? { response } : {}) };
}

function operations(annotations: Annotations, direction: 'request' | 'response', problems: Problems): HeaderOperations | undefined {
  const ops: HeaderOperations = {};
  const add = headerLines(lookup(annotations, `${direction}-header-control-add`, 'higress'), problems);
  if (add) ops.add = add;
  const set = headerLines(lookup(annotations, `${direction}-header-control-update`, 'higress'), problems);
  if (set) ops.set = set;
  const removeFound = lookup(annotations, `${direction}-header-control-remove`, 'higress');
  const remove = removeFound ? text(removeFound, problems) : undefined;
  if (removeFound && remove !== undefined) {
    const names = remove.split(',').map((n) => n.trim()).filter((n) => n !== '');
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
    if (!m || !TOKEN.test(m[1] ?? '')) return problems.add(found, `line "${line}" is not "Header-Name value"`);
    out[m[1] ?? ''] = m[2] ?? '';
  }
  return out;
}
