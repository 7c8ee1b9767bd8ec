import { describe, expect, test } from '@jest/globals';
import { explainFailure, isTransient } from '../../../src/prober/explain.js';
import type { ProbeTarget } from '../../../src/prober/targets.js';
import { verdict, type ProbeResponse } from '../../../src/prober/verdict.js';

const target: ProbeTarget = {
  service: 'higress-system/higress-gateway',
  podIP: '10.0.0.5',
  podPort: 80,
  scheme: 'http',
  host: 'hello.default.example.com',
  port: 80,
};
const response = (status: number, hash?: string): ProbeResponse => ({ kind: 'response', status, hash });

/** The one line a user reads in `kubectl get kingress -o yaml`, the Event and the log, per kind of failure. */
const lines: Array<[string, ProbeResponse, string]> = [
  [
    '401',
    response(401),
    'gateway pod 10.0.0.5:80 answered 401 for hello.default.example.com: a Higress plugin (key-auth?) rejects Knative probes — target it by route (matchRules.ingress), see README',
  ],
  [
    '403',
    response(403),
    'gateway pod 10.0.0.5:80 answered 403 for hello.default.example.com: a Higress plugin (key-auth allow list? WAF?) rejects Knative probes — target it by route (matchRules.ingress), see README',
  ],
  [
    '429',
    response(429),
    'gateway pod 10.0.0.5:80 answered 429 for hello.default.example.com: a Higress rate-limit plugin throttles Knative probes — target it by route (matchRules.ingress), see README',
  ],
  [
    '404',
    response(404),
    'gateway pod 10.0.0.5:80 answered 404 for hello.default.example.com: Higress has not loaded the route yet (or no Gateway of this KIngress selects this pod) — if it lasts, check the higress-controller logs and run net-higress doctor',
  ],
  [
    '426',
    response(426),
    'gateway pod 10.0.0.5:80 answered 426 for hello.default.example.com: the gateway demands another protocol on this port (a plugin or a Gateway server wanting HTTPS or HTTP/2?) — check the Gateway servers and plugins for this host',
  ],
  [
    '503',
    response(503),
    'gateway pod 10.0.0.5:80 answered 503 for hello.default.example.com: Higress has the route but no healthy backend yet (Knative activator or revision not ready?)',
  ],
  [
    '500',
    response(500),
    'gateway pod 10.0.0.5:80 answered 500 for hello.default.example.com: something in front of Knative (a Higress plugin? a redirect?) answers Knative probes — if it is a plugin, target it by route (matchRules.ingress), see README',
  ],
  [
    'older hash',
    response(200, 'b'.repeat(64)),
    'gateway pod 10.0.0.5:80 answered with the hash of another generation for hello.default.example.com: Higress still serves an older generation of this KIngress (config push pending or rejected?) — if it lasts, check the higress-controller logs',
  ],
  [
    'refused',
    { kind: 'error', timeout: false, message: 'connect ECONNREFUSED 10.0.0.5:80', code: 'ECONNREFUSED' },
    'gateway pod 10.0.0.5:80 refused the connection for hello.default.example.com: nothing listens on that port in the pod (gateway still starting, or no Gateway server for this port?)',
  ],
  [
    'TLS',
    {
      kind: 'error',
      timeout: false,
      message: 'Client network socket disconnected before secure TLS connection was established',
      code: 'ECONNRESET',
      tls: true,
    },
    'gateway pod 10.0.0.5:80 failed the TLS handshake (Client network socket disconnected before secure TLS connection was established) for hello.default.example.com: the gateway has no certificate for this host yet (TLS secret copy not loaded?)',
  ],
  [
    'timeout',
    { kind: 'error', timeout: true, message: 'no response within 1000 ms' },
    'gateway pod 10.0.0.5:80 did not answer (no response within 1000 ms) for hello.default.example.com: the pod is overloaded, or a NetworkPolicy drops traffic from net-higress to the gateway pods',
  ],
  [
    'other error',
    { kind: 'error', timeout: false, message: 'connect EHOSTUNREACH 10.0.0.5:80', code: 'EHOSTUNREACH' },
    'gateway pod 10.0.0.5:80 could not be probed (connect EHOSTUNREACH 10.0.0.5:80) for hello.default.example.com: net-higress cannot reach the pod',
  ],
];

describe('explainFailure', () => {
  test.each(lines)('%s', (_name, res, line) => {
    const v = verdict(res, 'a'.repeat(64));
    if (v.done) throw new Error('not a failure');
    expect(explainFailure(target, res, v.cause).message).toBe(line);
  });

  test('an IPv6 pod is bracketed', () => {
    expect(explainFailure({ ...target, podIP: 'fd00::5' }, response(401), 'unauthorized').pod).toBe('[fd00::5]:80');
  });

  test('plugin answers are never transient; a moment of 404 after a change is', () => {
    expect(
      ['unauthorized', 'forbidden', 'rate_limited', 'upgrade_required', 'unexpected_status'].some((c) =>
        isTransient(c as never),
      ),
    ).toBe(false);
    expect(
      ['not_found', 'unavailable', 'stale', 'refused', 'tls', 'timeout', 'error'].every((c) => isTransient(c as never)),
    ).toBe(true);
  });
});
