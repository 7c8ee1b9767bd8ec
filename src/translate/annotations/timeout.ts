import { lookup, type Annotations } from './keys.js';
import { integer, INT32_MAX, type Problems } from './values.js';

/** `higress.io/timeout`: whole seconds for the whole request (retries included); 0 leaves the route without one. */
export function parseTimeout(annotations: Annotations, problems: Problems): string | undefined {
  const found = lookup(annotations, 'timeout', 'higress');
  if (!found) return undefined;
  const seconds = integer(found, problems, 0, INT32_MAX, 'want whole seconds, e.g. "5"');
  return seconds ? `${seconds}s` : undefined;
}
