import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { main } from '../../../src/cli/main.js';

const dir = new URL('../../fixtures/translate/', import.meta.url).pathname;
const update = process.env.UPDATE_GOLDEN === '1';

interface Case {
  name: string;
  /** Input files under test/fixtures/translate. */
  files: string[];
  args?: string[];
  /** Golden output (test/fixtures/translate/golden/<name>.yaml) when the run succeeds. */
  golden?: boolean;
  exit?: number;
  stderr?: string[];
}

const cfg = (file: string) => `${dir}${file}`;

// Catalogue: net-istio's reconcile cases (their output side), its worked VirtualService example, its
// Gateway cases, and the cases where net-higress differs from net-istio on purpose.
const cases: Case[] = [
  { name: 'reconcile-plain', files: ['reconcile-plain.yaml'], golden: true },
  { name: 'reconcile-plain-mesh', files: ['reconcile-plain.yaml'], args: ['--mesh-virtual-service'], golden: true },
  { name: 'reconcile-redirected', files: ['reconcile-redirected.yaml'], golden: true },
  {
    name: 'reconcile-tls-gateway-namespace',
    files: ['reconcile-tls-gateway-namespace.yaml'],
    args: ['--tls-secret-namespaces', 'higress-system'],
    golden: true,
  },
  {
    name: 'tls-secret-namespace-not-allowed',
    files: ['reconcile-tls-gateway-namespace.yaml'],
    exit: 1,
    stderr: [
      'document 0 (test-ns/reconciling-ingress)',
      'SecretNotAllowed: spec.tls[0].secretNamespace: Secret higress-system/secret0 is not in the KIngress\'s namespace "test-ns"',
      '--tls-secret-namespaces',
      'nothing rendered',
    ],
  },
  { name: 'reconcile-tls-copy', files: ['reconcile-tls-copy.yaml'], golden: true },
  {
    name: 'reconcile-tls-copy-with-data',
    files: ['reconcile-tls-copy.yaml'],
    args: ['--include-secret-data'],
    golden: true,
  },
  { name: 'reconcile-tls-redirected', files: ['reconcile-tls-redirected.yaml'], golden: true },
  { name: 'reconcile-tls-wildcard', files: ['reconcile-tls-wildcard.yaml'], golden: true },
  { name: 'reconcile-local-tls-disabled', files: ['reconcile-local-tls.yaml'], golden: true },
  {
    name: 'reconcile-local-tls',
    files: ['reconcile-local-tls.yaml'],
    args: ['--config-network', cfg('cluster-local-tls.config-network.yaml')],
    golden: true,
  },
  {
    name: 'mesh-only',
    files: ['reconcile-plain.yaml'],
    args: ['--config-istio', cfg('mesh-only.config-istio.yaml'), '--mesh-virtual-service'],
    golden: true,
  },
  {
    name: 'mesh-only-without-mesh-vs',
    files: ['reconcile-plain.yaml'],
    args: ['--config-istio', cfg('mesh-only.config-istio.yaml')],
    golden: true,
  },
  {
    name: 'old-format-config',
    files: ['reconcile-plain.yaml'],
    args: ['--config-istio', cfg('old-format.config-istio.yaml')],
    golden: true,
  },
  {
    name: 'selector-gateways',
    files: ['selector-gateways.yaml'],
    args: ['--config-istio', cfg('selector-gateways.config-istio.yaml')],
    golden: true,
  },
  { name: 'serving-traffic-split', files: ['serving-traffic-split.yaml'], golden: true },
  { name: 'path-rewrite-headers', files: ['path-rewrite-headers.yaml'], golden: true },
  { name: 'long-name', files: ['long-name.yaml'], golden: true },
  {
    name: 'route-annotations',
    files: ['route-annotations.yaml'],
    golden: true,
    stderr: [
      'document 0 (shop/shop)',
      'annotations not supported on Knative services, ignored: higress.io/load-balance (needs a DestinationRule), ' +
        'nginx.ingress.kubernetes.io/whitelist-source-range (needs an Envoy filter)',
    ],
  },
  {
    name: 'route-annotations-invalid',
    files: ['route-annotations-invalid.yaml'],
    exit: 1,
    stderr: [
      'document 0 (shop/bad)',
      'metadata.annotations["higress.io/timeout"]: invalid value "30s": want whole seconds',
      'metadata.annotations["higress.io/proxy-next-upstream"]: invalid value "error sometimes": unknown retry condition(s) "sometimes"',
      'metadata.annotations["higress.io/cors-allow-origin"]: invalid value "app.example.com": origin "app.example.com" is not a URL',
      'nothing rendered',
    ],
  },
  // A DomainMapping to a KService whose placeholder aliases our local gateway: sent to the gateway Service.
  {
    name: 'domain-mapping-placeholder',
    files: ['domain-mapping.yaml', 'domain-mapping-placeholder.yaml'],
    golden: true,
  },
  { name: 'domain-mapping-no-service', files: ['domain-mapping.yaml'], golden: true },
  {
    name: 'domain-mapping-external-name-elsewhere',
    files: ['domain-mapping.yaml', 'domain-mapping-elsewhere.yaml'],
    golden: true,
  },
  {
    name: 'mixed-classes',
    files: ['mixed-classes.yaml'],
    golden: true,
    stderr: [
      'default/kourier',
      'ingress class "kourier.ingress.networking.knative.dev" is not "istio.ingress.networking.knative.dev"',
      'default/no-class',
      '<none>',
    ],
  },
  {
    name: 'tls-secret-missing',
    files: ['reconcile-tls-missing-secret.yaml'],
    exit: 1,
    stderr: [
      'document 0 (test-ns/reconciling-ingress)',
      'secret "test-ns/secret0" not found',
      'add the TLS Secret to the input',
    ],
  },
  {
    name: 'tls-certificate-without-dns-names',
    files: ['reconcile-tls-no-dns.yaml'],
    exit: 1,
    stderr: ['certificate should have DNS names, but it has 0'],
  },
  {
    name: 'invalid-split',
    files: ['invalid.yaml'],
    exit: 1,
    stderr: [
      'document 1 (default/bad-split)',
      'spec.rules[0].http.paths[0].splits: percents sum to 90, want 100',
      'nothing rendered',
    ],
  },
];

async function render(files: string[], args: string[] = []) {
  let stdout = '';
  let stderr = '';
  const code = await main(['render', ...files.flatMap((f) => ['-f', `${dir}${f}`]), ...args], {
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

describe('net-higress render (golden)', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { code, stdout, stderr } = await render(c.files, c.args);
    for (const s of c.stderr ?? []) expect(stderr).toContain(s);
    expect({ code, stderr: code === (c.exit ?? 0) ? '' : stderr }).toEqual({ code: c.exit ?? 0, stderr: '' });
    if (!c.golden) {
      expect(stdout).toBe('');
      return;
    }
    const path = `${dir}golden/${c.name}.yaml`;
    if (update || !existsSync(path)) {
      if (!update) throw new Error(`missing golden ${path}; run with UPDATE_GOLDEN=1 and review it`);
      mkdirSync(`${dir}golden`, { recursive: true });
      writeFileSync(path, stdout);
    }
    expect(stdout).toBe(readFileSync(path, 'utf8'));
  });
});
