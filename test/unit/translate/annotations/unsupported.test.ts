import { describe, expect, test } from '@jest/globals';
import { describeUnsupported, unsupportedAnnotations } from '../../../../src/translate/annotations/unsupported.js';
import { validateIngress } from '../../../../src/translate/validate.js';
import { defaultIngress, kingress, rule, split } from '../fixtures.js';

const H = 'higress.io/';
const N = 'nginx.ingress.kubernetes.io/';

describe('annotations net-higress cannot honour', () => {
  test.each<[string, Record<string, string>, string[]]>([
    ['none', { [`${H}timeout`]: '5', [`${N}enable-cors`]: 'true', 'serving.knative.dev/creator': 'admin' }, []],
    [
      'DestinationRule-backed, both prefixes',
      {
        [`${N}load-balance`]: 'ewma',
        [`${H}upstream-hash-by`]: '$remote_addr',
        [`${H}proxy-ssl-secret`]: 'ns/s',
        [`${N}backend-protocol`]: 'GRPC',
        [`${H}session-cookie-name`]: 'c',
      },
      [
        `${H}proxy-ssl-secret (needs a DestinationRule)`,
        `${H}session-cookie-name (needs a DestinationRule)`,
        `${H}upstream-hash-by (needs a DestinationRule)`,
        `${N}backend-protocol (needs a DestinationRule)`,
        `${N}load-balance (needs a DestinationRule)`,
      ],
    ],
    [
      'filter-backed: IP access control, local rate limit, auth, fallback',
      {
        [`${N}whitelist-source-range`]: '10.0.0.0/8',
        [`${H}route-limit-rpm`]: '100',
        [`${H}auth-type`]: 'basic',
        [`${H}default-backend`]: 'x',
      },
      [
        `${H}auth-type (needs an Envoy filter)`,
        `${H}default-backend (needs an Envoy filter)`,
        `${H}route-limit-rpm (needs an Envoy filter)`,
        `${N}whitelist-source-range (needs an Envoy filter)`,
      ],
    ],
    [
      "Higress-only keys under the nginx prefix are not Higress's",
      { [`${N}route-limit-rpm`]: '100', [`${N}ignore-path-case`]: 'true' },
      [],
    ],
    [
      'routing Knative owns',
      {
        [`${N}canary`]: 'true',
        [`${H}exact-match-header-x-user`]: 'a',
        [`${H}regex-match-query-q`]: '.*',
        [`${N}use-regex`]: 'true',
        [`${H}ssl-redirect`]: 'true',
        [`${N}app-root`]: '/app',
      },
      [
        `${H}exact-match-header-x-user (Knative owns the routing)`,
        `${H}regex-match-query-q (Knative owns the routing)`,
        `${H}ssl-redirect (use networking.knative.dev/http-protocol: redirected)`,
        `${N}app-root (Knative owns the routing)`,
        `${N}canary (Knative owns the routing)`,
        `${N}use-regex (Knative owns the routing)`,
      ],
    ],
    [
      'gateway-level',
      { [`${N}ssl-cipher`]: 'ECDHE-RSA-AES128-GCM-SHA256', [`${H}auth-tls-secret`]: 'ca' },
      [`${H}auth-tls-secret (configures the Gateway)`, `${N}ssl-cipher (configures the Gateway)`],
    ],
  ])('%s', (_name, annotations, want) => {
    expect(unsupportedAnnotations(annotations).map((u) => `${u.key} (${u.why})`)).toEqual(want);
  });

  test('one line says what is ignored and why', () => {
    expect(describeUnsupported(unsupportedAnnotations({ [`${H}load-balance`]: 'round_robin' }))).toBe(
      'annotations not supported on Knative services, ignored: higress.io/load-balance (needs a DestinationRule)',
    );
  });
});

describe('annotation errors go through validateIngress with the spec errors', () => {
  test('a bad annotation and a bad split are reported together; a good KIngress with annotations passes', () => {
    const ing = kingress('hello', 'default', [
      rule(['hello.example.com'], undefined, [{ splits: [split('hello', 'default', 80, 90)] }]),
    ]);
    ing.metadata.annotations = { [`${H}timeout`]: 'soon', [`${H}load-balance`]: 'anything' };
    const r = validateIngress(defaultIngress(ing));
    expect(r.ok ? [] : r.error).toEqual([
      { path: 'spec.rules[0].http.paths[0].splits', message: 'percents sum to 90, want 100' },
      {
        path: 'metadata.annotations["higress.io/timeout"]',
        message: 'invalid value "soon": want whole seconds, e.g. "5"',
      },
    ]);
    ing.metadata.annotations = { [`${H}timeout`]: '10', [`${H}load-balance`]: 'anything' };
    ing.spec.rules![0]!.http!.paths![0]!.splits![0]!.percent = 100;
    expect(validateIngress(defaultIngress(ing)).ok).toBe(true);
  });
});
