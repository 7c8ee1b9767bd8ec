import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { loadAll } from 'js-yaml';
import type { HTTPRoute, VirtualService } from '../../../src/api/istio.js';
import { main } from '../../../src/cli/main.js';

// examples/annotations.yaml: Higress route annotations on a KService, and the KIngress Serving writes for it.
const file = new URL('../../../examples/annotations.yaml', import.meta.url).pathname;

async function render(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(['render', ...args], {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    readStdin: () => '',
  });
  return { code, stdout, stderr };
}

interface Doc {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
}

describe('examples/annotations.yaml', () => {
  const docs = loadAll(readFileSync(file, 'utf8')) as Doc[];

  test('the KIngress carries every annotation of the KService, as Serving copies them', () => {
    const [ksvc, kingress] = docs;
    expect([ksvc?.kind, kingress?.kind]).toEqual(['Service', 'Ingress']);
    const ingressAnnotations = kingress?.metadata.annotations ?? {};
    for (const [k, v] of Object.entries(ksvc?.metadata.annotations ?? {}))
      expect([k, ingressAnnotations[k]]).toEqual([k, v]);
  });

  test('renders the policy on both serving routes and leaves both probe routes as Knative needs them', async () => {
    const { code, stdout, stderr } = await render(['-f', file]);
    expect(code).toBe(0);
    expect(stderr).toBe(
      'note: document 0 (default/hello) in ' +
        file +
        ': skipped, kind serving.knative.dev/v1/Service is not a KIngress, Secret or Service\n',
    );
    const [vs, ...rest] = loadAll(stdout) as VirtualService[];
    expect(rest).toEqual([]);
    const http = vs?.spec.http ?? [];
    const isProbe = (r: HTTPRoute) => r.match.some((m) => m.headers?.['K-Network-Hash']);
    const probes = http.filter(isProbe);
    const serving = http.filter((r) => !isProbe(r));
    expect([probes.length, serving.length]).toEqual([2, 2]);
    for (const probe of probes) {
      expect(probe.retries).toEqual({});
      expect(Object.keys(probe)).toEqual(['name', 'match', 'route', 'headers', 'retries']);
    }
    for (const route of serving) {
      expect(route).toMatchObject({
        timeout: '30s',
        retries: { attempts: 2, perTryTimeout: '10s', retryOn: '5xx,retriable-status-codes,503' },
        corsPolicy: {
          allowOrigins: [{ exact: 'https://app.example.com' }, { regex: '.*\\.example\\.org' }],
          allowCredentials: false,
          maxAge: '1728000s',
        },
        headers: { request: { add: { 'X-Env': 'prod' } }, response: { remove: ['Server'] } },
        mirror: { host: 'hello-shadow.default.svc.cluster.local', port: { number: 80 } },
        mirrorPercentage: { value: 10 },
      });
      // Knative's per-split headers are where Serving put them.
      expect(route.route?.[0]?.headers).toEqual({
        request: { set: { 'Knative-Serving-Namespace': 'default', 'Knative-Serving-Revision': 'hello-00001' } },
      });
    }
  });
});
