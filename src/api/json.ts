/** A JSON object (not null, not an array): how a value of unknown shape is narrowed before its fields are read. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
