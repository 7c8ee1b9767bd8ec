import { readdirSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { loadAll } from 'js-yaml';
import { main } from '../../../src/cli/main.js';

// Every example under examples/ renders, alone and with the example config-istio, to the objects the guide shows.
const dir = new URL('../../../examples/', import.meta.url).pathname;
const CONFIG_ISTIO = `${dir}config-istio.yaml`;

interface Example {
  file: string;
  /** `kind/namespace/name` of every object rendered, in order. */
  objects: string[];
  /** Strings the YAML output must contain. */
  contains: string[];
  /** Strings it must not contain. */
  absent?: string[];
  /** Kinds of the documents a user applies, shown next to the KIngress Serving writes for them (skipped by render). */
  applied?: string[];
}

const KSERVICE = 'serving.knative.dev/v1/Service';

const examples: Example[] = [
  {
    file: 'hello.yaml',
    applied: [KSERVICE],
    objects: ['VirtualService/default/hello-ingress'],
    contains: [
      'hello.default.example.com',
      'prefix: hello.default',
      'knative-serving/knative-ingress-gateway',
      'knative-serving/knative-local-gateway',
      'host: hello-00001.default.svc.cluster.local',
      'K-Network-Hash',
    ],
  },
  {
    file: 'traffic-split.yaml',
    applied: [KSERVICE],
    objects: ['VirtualService/default/hello-ingress'],
    contains: [
      'weight: 50',
      'candidate-hello.default.example.com',
      'prefix: candidate-hello.default',
      'Knative-Serving-Tag:',
      'exact: candidate',
      'host: hello-00002.default.svc.cluster.local',
    ],
  },
  {
    file: 'tls.yaml',
    objects: [
      'Secret/higress-system/hello-3c2b1a09-8f7e-4d6c-b5a4-93827160f5e4',
      'Gateway/default/hello-3132820491',
      'VirtualService/default/hello-ingress',
    ],
    contains: [
      'protocol: HTTPS',
      'credentialName: hello-3c2b1a09-8f7e-4d6c-b5a4-93827160f5e4',
      'default/hello-3132820491',
      'tls.crt: "<redacted>"',
    ],
    absent: ['httpsRedirect'],
  },
  {
    file: 'tls-redirected.yaml',
    objects: [
      'Secret/higress-system/hello-3c2b1a09-8f7e-4d6c-b5a4-93827160f5e4',
      'Gateway/default/hello-3132820491',
      'VirtualService/default/hello-ingress',
    ],
    contains: ['protocol: HTTPS', 'httpsRedirect: true', 'default/hello-3132820491'],
  },
  {
    file: 'domain-mapping.yaml',
    applied: [
      'networking.internal.knative.dev/v1alpha1/ClusterDomainClaim',
      'serving.knative.dev/v1beta1/DomainMapping',
    ],
    objects: ['VirtualService/default/hello.example.org-ingress'],
    contains: [
      'name: default/hello.example.org',
      'prefix: hello.example.org',
      'authority: hello.default.svc.cluster.local',
      'host: knative-local-gateway.higress-system.svc.cluster.local',
      'K-Original-Host: hello.example.org',
      'knative-serving/knative-ingress-gateway',
    ],
    absent: ['knative-serving/knative-local-gateway', 'host: hello.default.svc.cluster.local'],
  },
  {
    file: 'cluster-local.yaml',
    applied: [KSERVICE],
    objects: ['VirtualService/default/internal-ingress'],
    contains: ['name: default/internal', 'knative-serving/knative-local-gateway', 'internal.default.svc.cluster.local'],
    absent: ['knative-ingress-gateway', 'example.com'],
  },
];

// Not KIngresses: Higress WasmPlugins, checked against Higress's schema in test/unit/chart/examples.test.ts.
const WASM_PLUGINS = ['wasmplugin-key-auth.yaml', 'wasmplugin-key-rate-limit.yaml'];
// A KService with its KIngress (render notes the KService): rendered in annotations-example.test.ts.
const OWN_TESTS = ['annotations.yaml'];

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

/** The kinds render skipped, from its `note:` lines; anything else on stderr fails the match. */
const skipped = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => /^note: .*: skipped, kind (\S+) is not a KIngress/.exec(l)?.[1] ?? l);

const ids = (yaml: string) =>
  loadAll(yaml).map((o) => {
    const { kind, metadata } = o as { kind: string; metadata: { namespace: string; name: string } };
    return `${kind}/${metadata.namespace}/${metadata.name}`;
  });

describe('examples/', () => {
  test('every file is covered by a case below', () => {
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    expect(files).toEqual([...examples.map((e) => e.file), 'config-istio.yaml', ...WASM_PLUGINS, ...OWN_TESTS].sort());
  });

  test.each(examples.map((e) => [e.file, e] as const))(
    '%s renders with the default config and with examples/config-istio.yaml',
    async (_f, e) => {
      const plain = await render(['-f', `${dir}${e.file}`]);
      expect(plain.code).toBe(0);
      expect(skipped(plain.stderr)).toEqual(e.applied ?? []);
      expect(ids(plain.stdout)).toEqual(e.objects);
      for (const s of e.contains) expect(plain.stdout).toContain(s);
      for (const s of e.absent ?? []) expect(plain.stdout).not.toContain(s);

      // The chart's config-istio names the same gateways as the built-in defaults: identical output.
      const withConfig = await render(['-f', `${dir}${e.file}`, '--config-istio', CONFIG_ISTIO]);
      expect({ code: withConfig.code, stderr: withConfig.stderr }).toEqual({ code: 0, stderr: plain.stderr });
      expect(withConfig.stdout).toBe(plain.stdout);

      const json = await render(['-f', `${dir}${e.file}`, '--config-istio', CONFIG_ISTIO, '-o', 'json']);
      expect(json.code).toBe(0);
      const list = JSON.parse(json.stdout) as { kind: string; items: unknown[] };
      expect(list.kind).toBe('List');
      expect(list.items).toEqual(loadAll(plain.stdout));
    },
  );

  test('the TLS Secret copy carries the example data only when asked', async () => {
    const { code, stdout } = await render(['-f', `${dir}tls.yaml`, '--include-secret-data']);
    expect(code).toBe(0);
    expect(stdout).not.toContain('<redacted>');
    expect(stdout).toMatch(/tls\.crt: [A-Za-z0-9+/=]{100,}/);
  });

  test('config-istio.yaml is a ConfigMap, not a KIngress: rendering it alone prints nothing and says why', async () => {
    const { code, stdout, stderr } = await render(['-f', CONFIG_ISTIO]);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toContain('kind v1/ConfigMap is not a KIngress');
  });
});
