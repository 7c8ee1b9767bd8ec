import { has, lookup, type Annotations } from './keys.js';
import { integer, INT32_MAX, text, type Problems } from './values.js';

export interface RetryPolicy {
  attempts: number;
  perTryTimeout?: string;
  retryOn: string;
}

const TRIES = 'proxy-next-upstream-tries';
const PER_TRY_TIMEOUT = 'proxy-next-upstream-timeout';
const RETRY_ON = 'proxy-next-upstream';

// Higress's defaults once any retry annotation is present.
const DEFAULT_ATTEMPTS = 3;
const DEFAULT_RETRY_ON = '5xx';

/** nginx's conditions that Envoy can only express as "any 5xx or connect failure". */
const AS_5XX = new Set(['error', 'timeout', 'invalid_header']);
const STATUS = /^http_([1-5]\d\d)$/;

/**
 * The nginx retry annotations (under either prefix): attempts, a per-try timeout in seconds, and the
 * nginx conditions translated as Higress does — error/timeout/invalid_header become `5xx`, `http_NNN`
 * become retriable status codes, `non_idempotent` is passed on, `off` means no retries.
 */
export function parseRetries(annotations: Annotations, problems: Problems): RetryPolicy | undefined {
  if (![TRIES, PER_TRY_TIMEOUT, RETRY_ON].some((k) => has(annotations, k, 'both'))) return undefined;
  const policy: RetryPolicy = { attempts: DEFAULT_ATTEMPTS, retryOn: DEFAULT_RETRY_ON };

  const tries = lookup(annotations, TRIES, 'both');
  if (tries)
    policy.attempts = integer(tries, problems, 0, INT32_MAX, 'want a whole number of attempts') ?? DEFAULT_ATTEMPTS;

  const perTry = lookup(annotations, PER_TRY_TIMEOUT, 'both');
  const seconds = perTry ? integer(perTry, problems, 0, INT32_MAX, 'want whole seconds, e.g. "2"') : undefined;
  if (seconds) policy.perTryTimeout = `${seconds}s`;

  const on = lookup(annotations, RETRY_ON, 'both');
  const value = on ? text(on, problems) : undefined;
  if (on && value !== undefined) {
    // Like nginx: comma-separated when there is a comma, else space-separated.
    const conditions = (value.includes(',') ? value.split(',') : value.split(/\s+/))
      .map((c) => c.trim())
      .filter((c) => c !== '');
    const unknown = conditions.filter(
      (c) => !AS_5XX.has(c) && !STATUS.test(c) && c !== 'non_idempotent' && c !== 'off',
    );
    if (unknown.length > 0 || conditions.length === 0) {
      problems.add(
        on,
        `unknown retry condition(s) ${unknown.map((c) => `"${c}"`).join(', ') || '(none given)'}; want error, timeout, invalid_header, http_NNN, non_idempotent or off`,
      );
    } else if (conditions.includes('off')) {
      policy.attempts = 0;
    } else {
      const codes = [
        ...new Set(conditions.map((c) => STATUS.exec(c)?.[1]).filter((c): c is string => c !== undefined)),
      ];
      const parts = [
        ...(conditions.some((c) => AS_5XX.has(c)) ? [DEFAULT_RETRY_ON] : []),
        ...(conditions.includes('non_idempotent') ? ['non_idempotent'] : []),
        ...(codes.length > 0 ? ['retriable-status-codes', ...codes] : []),
      ];
      policy.retryOn = parts.join(',');
    }
  }
  return policy;
}
