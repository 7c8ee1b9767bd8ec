import { describe, test, expect } from '@jest/globals';
import { verdict, type ProbeResponse } from '../../../src/prober/verdict.js';

const HASH = 'a'.repeat(64);
const OLD = 'b'.repeat(64);
const response = (status: number, hash?: string): ProbeResponse => ({ kind: 'response', status, hash });

// knative-networking.md §3.3, "Response verdicts".
const cases: Array<{ name: string; res: ProbeResponse; done: boolean; outcome: string }> = [
  { name: '200 echoing this hash → success', res: response(200, HASH), done: true, outcome: 'ready' },
  { name: '200 without the hash → success (abandoned, best effort)', res: response(200), done: true, outcome: 'abandoned' },
  { name: '200 with an empty hash → success (abandoned)', res: response(200, ''), done: true, outcome: 'abandoned' },
  { name: '200 with an older hash → retry (stale config still live)', res: response(200, OLD), done: false, outcome: 'stale' },
  { name: '200 echoing "override" (no probe route matched) → retry', res: response(200, 'override'), done: false, outcome: 'stale' },
  { name: '404 → retry (route not programmed yet)', res: response(404), done: false, outcome: 'not_ready' },
  { name: '404 even with the hash → retry', res: response(404, HASH), done: false, outcome: 'not_ready' },
  { name: '503 → retry', res: response(503), done: false, outcome: 'not_ready' },
  { name: '301 (https redirect) → success (abandoned)', res: response(301), done: true, outcome: 'abandoned' },
  { name: '302 → success (abandoned)', res: response(302), done: true, outcome: 'abandoned' },
  { name: '400 → success (abandoned)', res: response(400), done: true, outcome: 'abandoned' },
  { name: '401 → success (abandoned)', res: response(401), done: true, outcome: 'abandoned' },
  { name: '500 → success (abandoned)', res: response(500), done: true, outcome: 'abandoned' },
  { name: 'transport error → retry', res: { kind: 'error', timeout: false, message: 'connect ECONNREFUSED' }, done: false, outcome: 'error' },
  { name: 'timeout → retry', res: { kind: 'error', timeout: true, message: 'no response within 1000 ms' }, done: false, outcome: 'timeout' },
];

describe('probe verdicts', () => {
  test.each(cases)('$name', ({ res, done, outcome }) => {
    const v = verdict(res, HASH);
    expect({ done: v.done, outcome: v.outcome }).toEqual({ done, outcome });
    expect(v.reason).not.toBe('');
  });
});
