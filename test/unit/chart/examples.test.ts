// examples/wasmplugin-*.yaml: valid for Higress, identical to what the chart renders, and aimed at routes and
// hosts net-higress really writes for examples/hello.yaml.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { load, loadAll } from 'js-yaml';
import { main } from '../../../src/cli/main.js';
import { helmBinary, renderChart, type K8sObject } from '../../harness/helm.js';
import { validateWasmPlugin, type WasmPlugin } from './wasmplugin.js';

const example = (file: string) => load(readFileSync(new URL(`../../../examples/${file}`, import.meta.url), 'utf8')) as WasmPlugin;
const PLUGINS = ['wasmplugin-key-auth.yaml', 'wasmplugin-key-rate-limit.yaml'];

interface RenderedVS { kind: string; spec: { hosts: string[]; http: Array<{ name?: string }> } }

async function renderHello(): Promise<RenderedVS> {
  let out = '';
  const code = await main(['render', '-f', new URL('../../../examples/hello.yaml', import.meta.url).pathname],
    { stdout: (s) => { out += s; }, stderr: () => undefined, readStdin: () => '' });
  expect(code).toBe(0);
  const vs = (loadAll(out) as RenderedVS[]).find((o) => o.kind === 'VirtualService');
  if (!vs) throw new Error('examples/hello.yaml rendered no VirtualService');
  return vs;
}

beforeAll(() => { helmBinary(); }, 20 * 60_000);

describe.each(PLUGINS)('examples/%s', (file) => {
  test('validates against Higress\'s WasmPlugin schema and the plugin\'s config', () => {
    expect(validateWasmPlugin(example(file), 'higress-system')).toEqual([]);
  });

  test('is what the chart renders with the plugin enabled (no drift between the two)', () => {
    const rendered = renderChart({ values: { wasmPlugins: { keyAuth: { enabled: true }, keyRateLimit: { enabled: true } } } })
      .filter((o): o is K8sObject & { spec: unknown } => o.kind === 'WasmPlugin');
    const mine = example(file);
    const twin = rendered.find((o) => o.metadata.name === mine.metadata.name);
    expect(twin?.metadata.namespace).toBe(mine.metadata.namespace);
    expect(twin?.spec).toEqual(mine.spec);
  });

  test('targets the route names and hosts net-higress writes for examples/hello.yaml', async () => {
    const vs = await renderHello();
    const rules = example(file).spec.matchRules ?? [];
    const routes = rules.flatMap((r) => r.ingress ?? []);
    const domains = rules.flatMap((r) => r.domain ?? []);
    expect(routes).toEqual(['default/hello']);
    expect(domains).toEqual(['hello.default.example.com']);
    // Every HTTP route of the KIngress carries the name, so the plugin covers the probe route too.
    expect([...new Set(vs.spec.http.map((r) => r.name))]).toEqual(routes);
    for (const d of domains) expect(vs.spec.hosts).toContain(d);
  });
});

test('key-auth: consumer2 allowed, consumer1 known but not allowed (403), keys read from a header', () => {
  const spec = example('wasmplugin-key-auth.yaml').spec;
  expect(spec.defaultConfig).toMatchObject({ global_auth: false, in_header: true, keys: ['x-api-key'] });
  expect((spec.defaultConfig?.['consumers'] as Array<{ name: string }>).map((c) => c.name)).toEqual(['consumer1', 'consumer2']);
  for (const r of spec.matchRules ?? []) expect(r.config).toEqual({ allow: ['consumer2'] });
});
