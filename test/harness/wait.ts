// Waiting in tests, unit and integration alike. What must happen is polled for (eventually) instead of
// slept on; a stretch of time in which nothing may happen is waited out by name (quietFor), only where that
// stretch is itself the claim. Both use the real timers captured when this module loads, so they keep
// working in a test that fakes the global ones.
const realSetTimeout = globalThis.setTimeout;
const realNow = Date.now.bind(Date);

/** Poll `fn` until it returns a non-undefined value, or fail after `timeoutMs` with `what` in the message. */
export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 10_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = realNow() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      lastErr = e;
    }
    if (realNow() > deadline) {
      const detail = lastErr instanceof Error ? `: ${lastErr.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((r) => realSetTimeout(r, intervalMs));
  }
}

/**
 * Lets `ms` of real time pass. Only for a claim that something does NOT happen within a window (no probe
 * after cancelling, say) where no later event can stand in for the window; each call says why.
 */
export function quietFor(ms: number): Promise<void> {
  return new Promise((r) => realSetTimeout(r, ms));
}
