import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { ingressSpecSchema } from '../../../src/api/kingress.js';
import { goJSONOfSpec } from '../../../src/translate/gojson.js';
import { computeHash } from '../../../src/translate/hash.js';

/** Vectors produced once by knative.dev/networking's Go ComputeHash (see generatedWith in the file). */
interface Vector {
  name: string;
  namespace: string;
  ingressName: string;
  spec: unknown;
  goJSON: string;
  hash: string;
}
const file = JSON.parse(readFileSync(new URL('../../fixtures/hash/vectors.json', import.meta.url), 'utf8')) as {
  vectors: Vector[];
};

describe('computeHash matches Knative Go ComputeHash', () => {
  test('the vector file covers the cases we rely on', () => {
    expect(file.vectors.length).toBeGreaterThanOrEqual(12);
  });

  test.each(file.vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const spec = ingressSpecSchema.parse(v.spec);
    expect(goJSONOfSpec(spec)).toBe(v.goJSON);
    expect(computeHash(spec, v.namespace, v.ingressName)).toBe(v.hash);
  });
});

describe("net-istio's examples", () => {
  test('the reconciling-ingress KIngress hashes as in net-istio', () => {
    const split = { serviceNamespace: 'test-ns', serviceName: 'test-service', servicePort: 80, percent: 100 };
    const spec = {
      rules: [
        { hosts: ['host-tls.example.com'], visibility: 'ExternalIP', http: { paths: [{ splits: [split] }] } },
        {
          hosts: ['host-tls.test-ns.svc.cluster.local'],
          visibility: 'ClusterLocal',
          http: { paths: [{ splits: [split] }] },
        },
      ],
      httpOption: 'Enabled',
    };
    expect(computeHash(spec, 'test-ns', 'reconciling-ingress')).toBe(
      'a60946a43f4ed91f795f5e6de021a74b133c5a32bdfa1bf015e5832dff38ec6a',
    );
  });

  test('a changed split changes the hash', () => {
    const spec = (percent: number) => ({
      rules: [
        {
          hosts: ['a.example.com'],
          http: { paths: [{ splits: [{ serviceNamespace: 'n', serviceName: 's', servicePort: 80, percent }] }] },
        },
      ],
    });
    expect(computeHash(spec(100), 'n', 'x')).not.toBe(computeHash(spec(99), 'n', 'x'));
  });
});
