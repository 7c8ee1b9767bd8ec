/**
 * Deep copy of JSON-shaped data. Not structuredClone: under Jest's VM its copies come from another
 * realm, and js-yaml refuses to dump objects whose prototype is not its own Object.prototype.
 */
export function cloneJSON<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
