import { describe, test, expect } from '@jest/globals';
import { verdict, type ProbeResponse } from '../../../src/prober/verdict.js';

const HASH = 'a'.repeat(64);
const OLD = 'b'.repeat(64);
const response = (status: number, hash?: string): ProbeResponse => ({ kind: 'response', status, hash });

// Knative's prober verdicts, one row per kind of response, and where we differ.
const cases: Array<{ name: string; res: ProbeResponse; done: boolean; outcome: string; cause?: string }> = [
  { name: '200 echoing this hash → success', res: response(200, HASH), done: true, outcome: 'ready' },
  {
    name: '200 without the hash → success (abandoned, best effort)',
    res: response(200),
    done: true,
    outcome: 'abandoned',
  },
  { name: '200 with an empty hash → success (abandoned)', res: response(200, ''), done: true, outcome: 'abandoned' },
  {
    name: '200 with an older hash → retry (stale config still live)',
    res: response(200, OLD),
    done: false,
    outcome: 'stale',
    cause: 'stale',
  },
  {
    name: '200 echoing "override" (no probe route matched) → retry',
    res: response(200, 'override'),
    done: false,
    outcome: 'stale',
    cause: 'stale',
  },
  {
    name: '404 → retry (route not programmed yet)',
    res: response(404),
    done: false,
    outcome: 'not_ready',
    cause: 'not_found',
  },
  {
    name: '404 even with the hash → retry',
    res: response(404, HASH),
    done: false,
    outcome: 'not_ready',
    cause: 'not_found',
  },
  { name: '503 → retry', res: response(503), done: false, outcome: 'not_ready', cause: 'unavailable' },
  // Upstream abandons these (counts the pod ready); on Higress they are a plugin in the probe's way: retried and explained.
  {
    name: '401 (key-auth without a key) → retry',
    res: response(401),
    done: false,
    outcome: 'rejected',
    cause: 'unauthorized',
  },
  {
    name: '403 (key-auth allow list, WAF) → retry',
    res: response(403),
    done: false,
    outcome: 'rejected',
    cause: 'forbidden',
  },
  { name: '429 (rate limit) → retry', res: response(429), done: false, outcome: 'rejected', cause: 'rate_limited' },
  { name: '426 → retry', res: response(426), done: false, outcome: 'rejected', cause: 'upgrade_required' },
  { name: '301 → retry', res: response(301), done: false, outcome: 'rejected', cause: 'unexpected_status' },
  { name: '400 → retry', res: response(400), done: false, outcome: 'rejected', cause: 'unexpected_status' },
  { name: '500 → retry', res: response(500), done: false, outcome: 'rejected', cause: 'unexpected_status' },
  {
    name: 'connection refused → retry',
    res: { kind: 'error', timeout: false, message: 'connect ECONNREFUSED 10.0.0.5:80', code: 'ECONNREFUSED' },
    done: false,
    outcome: 'error',
    cause: 'refused',
  },
  {
    name: 'TLS handshake failure → retry',
    res: { kind: 'error', timeout: false, message: 'socket hang up', code: 'ECONNRESET', tls: true },
    done: false,
    outcome: 'error',
    cause: 'tls',
  },
  {
    name: 'other transport error → retry',
    res: { kind: 'error', timeout: false, message: 'connect EHOSTUNREACH' },
    done: false,
    outcome: 'error',
    cause: 'error',
  },
  {
    name: 'timeout → retry',
    res: { kind: 'error', timeout: true, message: 'no response within 1000 ms' },
    done: false,
    outcome: 'timeout',
    cause: 'timeout',
  },
];

describe('probe verdicts', () => {
  test.each(cases)('$name', ({ res, done, outcome, cause }) => {
    const v = verdict(res, HASH);
    expect({ done: v.done, outcome: v.outcome, cause: v.done ? undefined : v.cause }).toEqual({ done, outcome, cause });
    expect(v.reason).not.toBe('');
  });
});
