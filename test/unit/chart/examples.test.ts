// examples/wasmplugin-*.yaml: valid for Higress, identical to what the chart renders, and aimed at routes and
// hosts net-higress really writes for examples/hello.yaml.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { load, loadAll } from 'js-yaml';
import { main } from '../../../src/cli/main.js';
import { probeBlockingRules } from '../../../src/doctor/plugins.js';
import { helmBinary, renderChart, type K8sObject } from '../../harness/helm.js';
import { validateWasmPlugin, type WasmPlugin } from './wasmplugin.js';

const example = (file: string) =>
  load(readFileSync(new URL(`../../../examples/${file}`, import.meta.url), 'utf8')) as WasmPlugin;
const PLUGINS = ['wasmplugin-key-auth.yaml', 'wasmplugin-key-rate-limit.yaml'];

interface RenderedVS {
  kind: string;
  spec: {
    hosts: string[];
    http: Array<{
      name?: string;
      match: Array<{ headers?: Record<string, { exact?: string }> }>;
      route: Array<{ destination: { host: string; port?: { number?: number } } }>;
    }>;
  };
}

async function renderHello(): Promise<RenderedVS> {
  let out = '';
  const code = await main(['render', '-f', new URL('../../../examples/hello.yaml', import.meta.url).pathname], {
    stdout: (s) => {
      out += s;
    },
    stderr: () => undefined,
    readStdin: () => '',
  });
  expect(code).toBe(0);
  const vs = (loadAll(out) as RenderedVS[]).find((o) => o.kind === 'VirtualService');
  if (!vs) throw new Error('examples/hello.yaml rendered no VirtualService');
  return vs;
}

beforeAll(() => {
  helmBinary();
}, 20 * 60_000);

describe.each(PLUGINS)('examples/%s', (file) => {
  test("validates against Higress's WasmPlugin schema and the plugin's config", () => {
    expect(validateWasmPlugin(example(file), 'higress-system')).toEqual([]);
  });

  test('is what the chart renders with the plugin enabled (no drift between the two)', () => {
    const rendered = renderChart({
      values: { wasmPlugins: { keyAuth: { enabled: true }, keyRateLimit: { enabled: true } } },
    }).filter((o): o is K8sObject & { spec: unknown } => o.kind === 'WasmPlugin');
    const mine = example(file);
    const twin = rendered.find((o) => o.metadata.name === mine.metadata.name);
    expect(twin?.metadata.namespace).toBe(mine.metadata.namespace);
    expect(twin?.spec).toEqual(mine.spec);
  });

  test('targets the serving routes net-higress writes for examples/hello.yaml, and no probe route', async () => {
    const vs = await renderHello();
    const rules = example(file).spec.matchRules ?? [];
    const routes = rules.flatMap((r) => r.ingress ?? []);
    expect(routes).toEqual(['default/hello']);
    // No rule by host: Knative's probes carry the host and would be answered by the plugin.
    expect(rules.flatMap((r) => r.domain ?? [])).toEqual([]);
    const probe = (r: RenderedVS['spec']['http'][number]) =>
      r.match.some((m) => m.headers?.['K-Network-Hash']?.exact === 'override');
    expect([...new Set(vs.spec.http.filter((r) => !probe(r)).map((r) => r.name))]).toEqual(routes);
    // Higress compares matchRules[].ingress with the Envoy route name (Istio: the HTTP route name) for equality.
    const probeNames = [...new Set(vs.spec.http.filter(probe).map((r) => r.name))];
    expect(probeNames).toEqual(['knative-probe/default/hello']);
    for (const name of probeNames) expect(routes).not.toContain(name);
    // What `net-higress doctor` checks on a cluster: nothing in the plugin applies to the probes of hello.
    const backends = vs.spec.http.flatMap((r) =>
      r.route.map((d) => `${d.destination.host}:${d.destination.port?.number ?? ''}`),
    );
    const ing = { namespace: 'default', name: 'hello', ingressClass: 'c', hosts: vs.spec.hosts, backends };
    const spec = example(file).spec;
    expect(
      probeBlockingRules(
        [
          {
            name: file,
            url: spec.url,
            hasPluginConfig: false,
            matchRules: spec.matchRules ?? [],
            ...(spec.defaultConfig ? { defaultConfig: spec.defaultConfig } : {}),
            ...(spec.defaultConfigDisable !== undefined ? { defaultConfigDisable: spec.defaultConfigDisable } : {}),
          },
        ],
        [ing],
      ),
    ).toEqual([]);
  });
});

test('key-auth: consumer2 allowed, consumer1 known but not allowed (403), keys read from a header', () => {
  const spec = example('wasmplugin-key-auth.yaml').spec;
  expect(spec.defaultConfig).toMatchObject({ global_auth: false, in_header: true, keys: ['x-api-key'] });
  expect((spec.defaultConfig?.['consumers'] as Array<{ name: string }>).map((c) => c.name)).toEqual([
    'consumer1',
    'consumer2',
  ]);
  for (const r of spec.matchRules ?? []) expect(r.config).toEqual({ allow: ['consumer2'] });
});
