import { describe, expect, test } from '@jest/globals';
import { ApiException, FetchError } from '@kubernetes/client-node';
import {
  errorMessage,
  isAbortError,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isGone,
  isInvalid,
  isNetworkError,
  isNotFound,
  isTooLarge,
  isUnauthorized,
  statusCode,
  retryAfterMs,
  statusInfo,
} from '../../../src/kube/errors.js';

function status(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });
}

function apiError(code: number, body: unknown): ApiException<unknown> {
  return new ApiException(code, 'Unsuccessful HTTP Request', body, { 'content-type': 'application/json' });
}

function watchError(code: number, text: string): Error {
  return Object.assign(new Error(text), { statusCode: code });
}

const notFound = apiError(404, status(404, 'NotFound', 'ingresses.networking.internal.knative.dev "hello" not found'));
const conflict = apiError(409, status(409, 'Conflict', 'Operation cannot be fulfilled: the object has been modified'));
const exists = apiError(409, status(409, 'AlreadyExists', 'virtualservices "hello-ingress" already exists'));
const forbidden = apiError(403, status(403, 'Forbidden', 'secrets is forbidden: User "x" cannot list'));
const invalid = apiError(422, status(422, 'Invalid', 'spec.http[0].route: Required value'));
const expired = apiError(410, status(410, 'Expired', 'too old resource version: 1 (42)'));
const inStreamGone = {
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  code: 410,
  reason: 'Gone',
  message: 'too old',
};
const refused = new FetchError('request to https://127.0.0.1:6443/api failed, reason: connect ECONNREFUSED', 'system', {
  code: 'ECONNREFUSED',
} as NodeJS.ErrnoException);

describe('error classification', () => {
  const cases: Array<{ name: string; err: unknown; code: number | undefined; yes: Array<(e: unknown) => boolean> }> = [
    { name: 'ApiException 404', err: notFound, code: 404, yes: [isNotFound] },
    { name: 'ApiException 409 Conflict', err: conflict, code: 409, yes: [isConflict] },
    { name: 'ApiException 409 AlreadyExists', err: exists, code: 409, yes: [isAlreadyExists] },
    { name: 'ApiException 403', err: forbidden, code: 403, yes: [isForbidden] },
    { name: 'ApiException 422', err: invalid, code: 422, yes: [isInvalid] },
    { name: 'ApiException 410 Expired', err: expired, code: 410, yes: [isGone] },
    { name: 'ApiException 404 without body', err: apiError(404, undefined), code: 404, yes: [isNotFound] },
    {
      name: 'ApiException 409 with non-JSON body',
      err: apiError(409, 'oops'),
      code: 409,
      yes: [isConflict, isAlreadyExists],
    },
    {
      name: 'ApiException with parsed body',
      err: apiError(404, JSON.parse(status(404, 'NotFound', 'x'))),
      code: 404,
      yes: [isNotFound],
    },
    { name: 'watch HTTP 410', err: watchError(410, 'Gone'), code: 410, yes: [isGone] },
    { name: 'watch HTTP 403', err: watchError(403, 'Forbidden'), code: 403, yes: [isForbidden] },
    { name: 'in-stream ERROR Status 410', err: inStreamGone, code: 410, yes: [isGone] },
    { name: 'network error', err: refused, code: undefined, yes: [isNetworkError] },
    {
      name: 'node socket error',
      err: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      code: undefined,
      yes: [isNetworkError],
    },
    { name: 'plain error', err: new Error('x'), code: undefined, yes: [] },
    { name: 'undefined', err: undefined, code: undefined, yes: [] },
    { name: 'string', err: 'boom', code: undefined, yes: [] },
  ];
  const all = [isNotFound, isConflict, isAlreadyExists, isForbidden, isInvalid, isGone, isNetworkError];

  test.each(cases)('$name', ({ err, code, yes }) => {
    expect(statusCode(err)).toBe(code);
    for (const check of all) expect([check.name, check(err)]).toEqual([check.name, yes.includes(check)]);
  });

  test('a known reason wins over the code', () => {
    const e = apiError(409, status(409, 'AlreadyExists', 'x'));
    expect(isConflict(e)).toBe(false);
    const weird = apiError(500, status(404, 'NotFound', 'x'));
    expect(isNotFound(weird)).toBe(true);
  });

  test('statusInfo reads the body of an ApiException', () => {
    expect(statusInfo(conflict)).toEqual({
      code: 409,
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled: the object has been modified',
    });
    expect(statusInfo(new Error('x'))).toBeUndefined();
  });

  test('abort errors', () => {
    const abort = Object.assign(new Error('The user aborted a request.'), { name: 'AbortError', type: 'aborted' });
    expect(isAbortError(abort)).toBe(true);
    expect(isAbortError(refused)).toBe(false);
    expect(errorMessage(abort)).toBe('request aborted');
  });
});

describe('too large to store, unauthorized', () => {
  test.each([
    [
      '413 from the body limit',
      apiError(413, status(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728')),
      true,
    ],
    [
      "etcd's request limit passed through as 500",
      apiError(500, status(500, 'InternalError', 'etcdserver: request is too large')),
      true,
    ],
    [
      'gRPC ResourceExhausted',
      apiError(
        500,
        status(
          500,
          'InternalError',
          'rpc error: code = ResourceExhausted desc = trying to send message larger than max',
        ),
      ),
      true,
    ],
    ['another 500', apiError(500, status(500, 'InternalError', 'etcd hiccup')), false],
    ['a conflict', conflict, false],
  ])('%s', (_what, err, expected) => {
    expect(isTooLarge(err)).toBe(expected);
  });
  test('401 is Unauthorized, 403 is not', () => {
    expect(isUnauthorized(apiError(401, status(401, 'Unauthorized', 'Unauthorized')))).toBe(true);
    expect(isUnauthorized(forbidden)).toBe(false);
  });
});

describe('retryAfterMs', () => {
  const status = (code: number, details?: object) => JSON.stringify({ kind: 'Status', code, details });
  test.each([
    ['a 429 with its header', { code: 429, body: status(429), headers: { 'retry-after': '3' } }, 3000],
    ['a 503 with its header', { code: 503, body: status(503), headers: { 'retry-after': ' 1 ' } }, 1000],
    ['a 429 Status in the stream (no headers)', { kind: 'Status', code: 429, details: { retryAfterSeconds: 2 } }, 2000],
    [
      'a date in the header: the Status decides',
      {
        code: 429,
        body: status(429, { retryAfterSeconds: 1 }),
        headers: { 'retry-after': 'Wed, 21 Oct 2026 07:28:00 GMT' },
      },
      1000,
    ],
    ['a 429 that asks for nothing', { code: 429, body: status(429), headers: {} }, undefined],
    [
      'a 404 is not retried later, whatever it says',
      { code: 404, body: status(404), headers: { 'retry-after': '1' } },
      undefined,
    ],
    ['a negative wait', { kind: 'Status', code: 429, details: { retryAfterSeconds: -1 } }, undefined],
    ['a network error', Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), undefined],
  ])('%s', (_name, err, ms) => {
    expect(retryAfterMs(err)).toBe(ms);
  });
});

describe('errorMessage', () => {
  test('uses the Status message, not the body or headers', () => {
    const secretBody = JSON.stringify({
      kind: 'Status',
      code: 422,
      reason: 'Invalid',
      message: 'Secret "tls" is invalid: data[tls.key]: Invalid value',
      details: { causes: [{ message: 'c2VjcmV0LWtleS1tYXRlcmlhbA==' }] },
    });
    const err = new ApiException(422, 'Unsuccessful HTTP Request', secretBody, { authorization: 'Bearer abc' });
    const msg = errorMessage(err);
    expect(msg).toBe('422 Invalid: Secret "tls" is invalid: data[tls.key]: Invalid value');
    expect(msg).not.toContain('c2VjcmV0');
    expect(msg).not.toContain('Bearer');
  });

  test('API errors without a Status body show only the code', () => {
    expect(errorMessage(apiError(401, undefined))).toBe('HTTP 401');
    expect(errorMessage(apiError(500, '<html>secret stuff</html>'))).toBe('HTTP 500');
  });

  test('watch and network errors', () => {
    expect(errorMessage(watchError(410, 'Gone'))).toBe('410: Gone');
    expect(errorMessage(inStreamGone)).toBe('410 Gone: too old');
    expect(errorMessage(refused)).toContain('ECONNREFUSED');
    expect(errorMessage(new Error('plain'))).toBe('plain');
    expect(errorMessage('text')).toBe('text');
    expect(errorMessage({ some: 'object' })).toBe('unknown error');
  });

  test('long messages are cut short', () => {
    const long = apiError(422, status(422, 'Invalid', 'x'.repeat(5000)));
    expect(errorMessage(long).length).toBeLessThan(500);
  });
});
