import type { Result } from './result.js';

/** A problem in user input, located by the path a user can find in their YAML. */
export interface FieldError {
  path: string;
  message: string;
}

/** A value that passed validation, or every problem found in it. */
export type Validated<T> = Result<T, FieldError[]>;

/** `["spec", "rules", 0, "http"]` → `spec.rules[0].http`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of segments) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const key = String(seg);
      // Keys that are not identifiers (header names, label keys) are quoted so the path stays unambiguous.
      const plain = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key);
      out += plain ? (out === '' ? key : `.${key}`) : `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

export function joinPath(prefix: string, path: string): string {
  if (prefix === '') return path;
  if (path === '') return prefix;
  return path.startsWith('[') ? prefix + path : `${prefix}.${path}`;
}

export function describeErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ');
}
