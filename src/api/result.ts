/**
 * The outcome of something that can fail without throwing: the value, or why not. A failure is data
 * the caller reports (a status condition, a log line, a CLI error), not an exception to unwind.
 */
export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const err = <E>(error: E): { ok: false; error: E } => ({ ok: false, error });
