import { isRecord } from '../api/json.js';

/**
 * Classifying errors from client-node 1.4.0 and our own REST calls. Three shapes reach us:
 *  - ApiException: numeric `.code`, `.body` the raw response text (a JSON Status) — its `.message`
 *    embeds the whole body and headers, so it is never shown as-is;
 *  - watch errors: an Error whose `.statusCode` is the HTTP status, or an in-stream Status object;
 *  - network errors (node-fetch FetchError, node socket errors): a *string* `.code` like ECONNREFUSED.
 * Reasons win over codes, as in apimachinery's errors package: 409 is both AlreadyExists and Conflict.
 */

export interface StatusInfo {
  code?: number;
  reason?: string;
  message?: string;
  /** The Status's details.retryAfterSeconds (a 429's, say). */
  retryAfterSeconds?: number;
}

const KNOWN_REASONS = new Set([
  'Unauthorized',
  'Forbidden',
  'NotFound',
  'AlreadyExists',
  'Conflict',
  'Gone',
  'Invalid',
  'ServerTimeout',
  'StoreReadError',
  'Timeout',
  'TooManyRequests',
  'BadRequest',
  'MethodNotAllowed',
  'NotAcceptable',
  'RequestEntityTooLarge',
  'UnsupportedMediaType',
  'InternalError',
  'Expired',
  'ServiceUnavailable',
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

const MAX_MESSAGE = 400;

/** The HTTP status of an API error, or undefined for network and other errors. */
export function statusCode(err: unknown): number | undefined {
  if (!isRecord(err)) return undefined;
  if (typeof err.code === 'number') return err.code;
  if (typeof err.statusCode === 'number') return err.statusCode;
  return undefined;
}

/** The Status (code, reason, message) carried by an error, its body, or an in-stream ERROR event. */
export function statusInfo(err: unknown): StatusInfo | undefined {
  if (!isRecord(err)) return undefined;
  const fromBody = parseStatus(err.body);
  const own = err.kind === 'Status' ? parseStatus(err) : undefined;
  const code = statusCode(err);
  const found = own ?? fromBody;
  if (!found && code === undefined) return undefined;
  return { ...found, code: found?.code ?? code };
}

function parseStatus(body: unknown): StatusInfo | undefined {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (!isRecord(value)) return undefined;
  const info: StatusInfo = {};
  if (typeof value.code === 'number') info.code = value.code;
  if (typeof value.reason === 'string' && value.reason !== '') info.reason = value.reason;
  if (typeof value.message === 'string' && value.message !== '') info.message = value.message;
  const retry = isRecord(value.details) ? value.details.retryAfterSeconds : undefined;
  if (typeof retry === 'number') info.retryAfterSeconds = retry;
  return info.code === undefined && info.reason === undefined && info.message === undefined ? undefined : info;
}

/**
 * How long (ms) the server asked us to wait before trying again, on a 429 or a 5xx: its Retry-After header (in
 * seconds, as the API server writes it), else the Status's details.retryAfterSeconds (an in-stream ERROR has no
 * headers). The API server sends one while its watch cache is (re)initializing and when it sheds load.
 */
export function retryAfterMs(err: unknown): number | undefined {
  const info = statusInfo(err);
  const code = info?.code;
  if (code === undefined || (code !== 429 && (code < 500 || code > 599))) return undefined;
  const header = isRecord(err) && isRecord(err.headers) ? err.headers['retry-after'] : undefined;
  const seconds = typeof header === 'string' && /^\s*\d+\s*$/.test(header) ? Number(header) : info?.retryAfterSeconds;
  return seconds !== undefined && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** True when the reason matches, or when the reason is unknown and the code matches (apimachinery rule). */
function hasReason(err: unknown, reasons: readonly string[], code: number): boolean {
  const info = statusInfo(err);
  // A wrapping error (one that says what we were doing) keeps the API error as its cause.
  if (!info) return err instanceof Error && err.cause !== undefined ? hasReason(err.cause, reasons, code) : false;
  if (info.reason !== undefined && reasons.includes(info.reason)) return true;
  const reasonKnown = info.reason !== undefined && KNOWN_REASONS.has(info.reason);
  return !reasonKnown && info.code === code;
}

export function isNotFound(err: unknown): boolean {
  return hasReason(err, ['NotFound'], 404);
}

/** A stale resourceVersion on update/replace (not AlreadyExists, which shares the 409). */
export function isConflict(err: unknown): boolean {
  return hasReason(err, ['Conflict'], 409);
}

export function isAlreadyExists(err: unknown): boolean {
  return hasReason(err, ['AlreadyExists'], 409);
}

/** Gone or Expired: the resourceVersion is too old for a watch or list continue; relist. */
export function isGone(err: unknown): boolean {
  return hasReason(err, ['Gone', 'Expired'], 410);
}

export function isUnauthorized(err: unknown): boolean {
  return hasReason(err, ['Unauthorized'], 401);
}

export function isForbidden(err: unknown): boolean {
  return hasReason(err, ['Forbidden'], 403);
}

/** Schema validation failure: terminal, retrying the same object will not help. */
export function isInvalid(err: unknown): boolean {
  return hasReason(err, ['Invalid'], 422);
}

/**
 * The object is too large to store: 413 from the API server's body limit, or etcd's request limit
 * passed through (`etcdserver: request is too large`, gRPC ResourceExhausted).
 */
export function isTooLarge(err: unknown): boolean {
  if (hasReason(err, ['RequestEntityTooLarge'], 413)) return true;
  const text = statusInfo(err)?.message ?? (err instanceof Error ? err.message : '');
  return /request is too large|entity too large|ResourceExhausted|larger than max/i.test(text);
}

export function isAbortError(err: unknown): boolean {
  return isRecord(err) && (err.name === 'AbortError' || err.type === 'aborted');
}

/** Could not reach the API server at all (refused, reset, DNS, timeout). */
export function isNetworkError(err: unknown): boolean {
  if (!isRecord(err)) return false;
  if (typeof err.code === 'string' && NETWORK_CODES.has(err.code)) return true;
  return err.name === 'FetchError' && err.type === 'system';
}

/**
 * A short human text for logs, events and status messages. Uses only the Status message of API
 * errors — never a response body, request body or headers, which may carry secret data.
 */
export function errorMessage(err: unknown): string {
  const info = statusInfo(err);
  if (info) {
    const head = [info.code, info.reason].filter((p) => p !== undefined).join(' ');
    const text = info.message ?? (isRecord(err) && typeof err.statusCode === 'number' ? errorText(err) : undefined);
    return truncate(text ? `${head}: ${text}` : `HTTP ${head}`);
  }
  if (isAbortError(err)) return 'request aborted';
  if (err instanceof Error) return truncate(err.message || err.name);
  if (typeof err === 'string') return truncate(err);
  return 'unknown error';
}

function errorText(err: Record<string, unknown>): string | undefined {
  return typeof err.message === 'string' && err.message !== '' ? err.message : undefined;
}

function truncate(s: string): string {
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE)}…` : s;
}
