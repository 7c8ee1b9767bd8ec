import type { FieldError } from '../../api/fielderror.js';
import { annotationPath, type Found } from './keys.js';

/** Collects every bad annotation value, each naming its annotation and value. */
export class Problems {
  readonly errors: FieldError[] = [];

  add(found: Found, want: string): undefined {
    this.errors.push({
      path: annotationPath(found.key),
      message: `invalid value ${JSON.stringify(found.value)}: ${want}`,
    });
    return undefined;
  }
}

// Go's strconv.Atoi and ParseBool, which Higress uses: no surrounding spaces, optional sign.
const INTEGER = /^[+-]?\d+$/;
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

export function integer(found: Found, problems: Problems, min: number, max: number, want: string): number | undefined {
  if (!INTEGER.test(found.value)) return problems.add(found, want);
  const n = Number(found.value);
  return n >= min && n <= max ? n : problems.add(found, want);
}

export function boolean(found: Found, problems: Problems): boolean | undefined {
  if (TRUE.has(found.value)) return true;
  if (FALSE.has(found.value)) return false;
  return problems.add(found, 'want true or false');
}

/** Higress trims every line of a string value; an empty result counts as a bad value. */
export function text(found: Found, problems: Problems): string | undefined {
  const s = found.value
    .split('\n')
    .map((line) => line.trim())
    .join('\n');
  return s === '' ? problems.add(found, 'empty') : s;
}

/** A comma-separated list, items trimmed; a lone `*` anywhere means everything, as Higress reads CORS lists. */
export function commaList(s: string): string[] {
  const items = s
    .split(',')
    .map((i) => i.trim())
    .filter((i) => i !== '');
  return items.includes('*') ? ['*'] : items;
}

/** RFC 7230 token: HTTP methods and header names. */
export const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
// Non-capturing groups, and the length checked outside: capture groups and a look-ahead made the test 1.7 times
// slower, and it runs on every host of every KIngress.
const DNS_NAME = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)*$/;

/** A lower-case RFC 1123 DNS name: labels of at most 63 characters, 253 in all. */
export function isDNSName(s: string): boolean {
  return s.length <= 253 && DNS_NAME.test(s);
}

export const INT32_MAX = 2147483647;
