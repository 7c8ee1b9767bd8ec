import { describe, test, expect } from '@jest/globals';
import { defaultNetworkConfig, parseNetworkConfig, type NetworkConfig } from '../../../src/config/network.js';

const DEFAULTS: NetworkConfig = {
  ingressClass: 'istio.ingress.networking.knative.dev',
  certificateClass: 'cert-manager.certificate.networking.knative.dev',
  clusterLocalDomainTLS: false,
  externalDomainTLS: false,
  systemInternalTLS: false,
  httpProtocol: 'Enabled',
  domainTemplate: '{{.Name}}.{{.Namespace}}.{{.Domain}}',
  tagTemplate: '{{.Tag}}-{{.Name}}',
  rolloutDurationSeconds: 0,
  autocreateClusterDomainClaims: false,
  enableMeshPodAddressability: false,
  meshCompatibilityMode: 'auto',
  defaultExternalScheme: 'http',
};

function parsed(data: Record<string, string> | undefined): NetworkConfig {
  const got = parseNetworkConfig(data);
  if (!got.ok) throw new Error(`unexpected error: ${got.error}`);
  return got.value.config;
}

/** The problem Knative would report; for a key net-higress does not read it is only `ignored`. */
function errorOf(data: Record<string, string>): string {
  const got = parseNetworkConfig(data);
  if (!got.ok) return got.error;
  if (got.value.ignored.length === 0) throw new Error('expected a problem');
  return got.value.ignored[0]!;
}

describe('config-network defaults', () => {
  test.each([
    ['no ConfigMap data', undefined],
    ['empty data', {}],
    ['only _example and unknown keys', { _example: 'http-protocol: nonsense', 'some-future-key': 'x' }],
  ])('%s', (_name, data) => {
    expect(parsed(data)).toEqual(DEFAULTS);
  });

  test('defaultNetworkConfig is the parser default and a fresh object each time', () => {
    expect(defaultNetworkConfig()).toEqual(DEFAULTS);
    expect(defaultNetworkConfig()).not.toBe(defaultNetworkConfig());
  });
});

describe('config-network keys and legacy aliases', () => {
  const cases: Array<{ name: string; data: Record<string, string>; want: Partial<NetworkConfig> }> = [
    { name: 'ingress-class', data: { 'ingress-class': 'higress' }, want: { ingressClass: 'higress' } },
    { name: 'ingress.class (legacy)', data: { 'ingress.class': 'old' }, want: { ingressClass: 'old' } },
    {
      name: 'ingress-class wins over ingress.class',
      data: { 'ingress.class': 'old', 'ingress-class': 'new' },
      want: { ingressClass: 'new' },
    },
    { name: 'certificate-class', data: { 'certificate-class': 'c' }, want: { certificateClass: 'c' } },
    { name: 'certificate.class (legacy)', data: { 'certificate.class': 'old' }, want: { certificateClass: 'old' } },
    {
      name: 'certificate-class wins',
      data: { 'certificate.class': 'old', 'certificate-class': 'new' },
      want: { certificateClass: 'new' },
    },
    {
      name: 'domain-template',
      data: { 'domain-template': '{{.Name}}-{{.Namespace}}.{{.Domain}}' },
      want: { domainTemplate: '{{.Name}}-{{.Namespace}}.{{.Domain}}' },
    },
    {
      name: 'domainTemplate (legacy)',
      data: { domainTemplate: '{{.Name}}.{{.Domain}}' },
      want: { domainTemplate: '{{.Name}}.{{.Domain}}' },
    },
    {
      name: 'domain-template wins',
      data: { domainTemplate: '{{.Name}}.{{.Domain}}', 'domain-template': '{{.Namespace}}.{{.Domain}}' },
      want: { domainTemplate: '{{.Namespace}}.{{.Domain}}' },
    },
    {
      name: 'tag-template',
      data: { 'tag-template': '{{.Name}}-{{.Tag}}' },
      want: { tagTemplate: '{{.Name}}-{{.Tag}}' },
    },
    { name: 'tagTemplate (legacy)', data: { tagTemplate: '{{.Tag}}' }, want: { tagTemplate: '{{.Tag}}' } },
    {
      name: 'tag-template wins',
      data: { tagTemplate: '{{.Tag}}', 'tag-template': '{{.Name}}' },
      want: { tagTemplate: '{{.Name}}' },
    },
    { name: 'rollout-duration', data: { 'rollout-duration': '120' }, want: { rolloutDurationSeconds: 120 } },
    { name: 'rolloutDuration (legacy)', data: { rolloutDuration: '+7' }, want: { rolloutDurationSeconds: 7 } },
    {
      name: 'rollout-duration wins',
      data: { rolloutDuration: '7', 'rollout-duration': '0' },
      want: { rolloutDurationSeconds: 0 },
    },
    {
      name: 'autocreate-cluster-domain-claims',
      data: { 'autocreate-cluster-domain-claims': 'true' },
      want: { autocreateClusterDomainClaims: true },
    },
    {
      name: 'autocreateClusterDomainClaims (legacy)',
      data: { autocreateClusterDomainClaims: 'T' },
      want: { autocreateClusterDomainClaims: true },
    },
    {
      name: 'autocreate-cluster-domain-claims wins',
      data: { autocreateClusterDomainClaims: '1', 'autocreate-cluster-domain-claims': 'False' },
      want: { autocreateClusterDomainClaims: false },
    },
    {
      name: 'enable-mesh-pod-addressability',
      data: { 'enable-mesh-pod-addressability': 'TRUE' },
      want: { enableMeshPodAddressability: true },
    },
    {
      name: 'default-external-scheme',
      data: { 'default-external-scheme': 'https' },
      want: { defaultExternalScheme: 'https' },
    },
    {
      name: 'defaultExternalScheme (legacy)',
      data: { defaultExternalScheme: 'https' },
      want: { defaultExternalScheme: 'https' },
    },
    {
      name: 'default-external-scheme wins',
      data: { defaultExternalScheme: 'https', 'default-external-scheme': 'http' },
      want: { defaultExternalScheme: 'http' },
    },
    {
      name: 'external-domain-tls Enabled',
      data: { 'external-domain-tls': 'Enabled' },
      want: { externalDomainTLS: true },
    },
    {
      name: 'external-domain-tls is case-insensitive',
      data: { 'external-domain-tls': 'ENABLED' },
      want: { externalDomainTLS: true },
    },
    {
      name: 'external-domain-tls other values are false, never an error',
      data: { 'external-domain-tls': 'yes' },
      want: { externalDomainTLS: false },
    },
    {
      name: 'auto-tls (deprecated) sets external-domain-tls',
      data: { 'auto-tls': 'Enabled' },
      want: { externalDomainTLS: true },
    },
    { name: 'autoTLS (legacy of the deprecated)', data: { autoTLS: 'enabled' }, want: { externalDomainTLS: true } },
    {
      name: 'auto-tls wins over autoTLS',
      data: { autoTLS: 'Enabled', 'auto-tls': 'Disabled' },
      want: { externalDomainTLS: false },
    },
    {
      name: 'external-domain-tls wins over auto-tls',
      data: { 'auto-tls': 'Enabled', 'external-domain-tls': 'Disabled' },
      want: { externalDomainTLS: false },
    },
    {
      name: 'cluster-local-domain-tls Enabled',
      data: { 'cluster-local-domain-tls': 'Enabled' },
      want: { clusterLocalDomainTLS: true },
    },
    {
      name: 'cluster-local-domain-tls disabled',
      data: { 'cluster-local-domain-tls': 'DISABLED' },
      want: { clusterLocalDomainTLS: false },
    },
    {
      name: 'cluster-local-domain-tls empty',
      data: { 'cluster-local-domain-tls': '' },
      want: { clusterLocalDomainTLS: false },
    },
    {
      name: 'system-internal-tls Enabled',
      data: { 'system-internal-tls': 'Enabled' },
      want: { systemInternalTLS: true },
    },
    {
      name: 'internal-encryption (deprecated) enables system-internal-tls',
      data: { 'internal-encryption': 'true' },
      want: { systemInternalTLS: true },
    },
    {
      name: 'internal-encryption overrides system-internal-tls Disabled',
      data: { 'internal-encryption': 'true', 'system-internal-tls': 'Disabled' },
      want: { systemInternalTLS: true },
    },
    {
      name: 'system-internal-tls Enabled with internal-encryption false',
      data: { 'internal-encryption': 'false', 'system-internal-tls': 'enabled' },
      want: { systemInternalTLS: true },
    },
    { name: 'http-protocol Enabled', data: { 'http-protocol': 'Enabled' }, want: { httpProtocol: 'Enabled' } },
    { name: 'http-protocol empty', data: { 'http-protocol': '' }, want: { httpProtocol: 'Enabled' } },
    {
      name: 'http-protocol Disabled (deprecated)',
      data: { 'http-protocol': 'disabled' },
      want: { httpProtocol: 'Disabled' },
    },
    { name: 'http-protocol Redirected', data: { 'http-protocol': 'REDIRECTED' }, want: { httpProtocol: 'Redirected' } },
    { name: 'httpProtocol (legacy)', data: { httpProtocol: 'Redirected' }, want: { httpProtocol: 'Redirected' } },
    {
      name: 'http-protocol wins',
      data: { httpProtocol: 'Redirected', 'http-protocol': 'Enabled' },
      want: { httpProtocol: 'Enabled' },
    },
    {
      name: 'mesh-compatibility-mode enabled',
      data: { 'mesh-compatibility-mode': 'Enabled' },
      want: { meshCompatibilityMode: 'enabled' },
    },
    {
      name: 'mesh-compatibility-mode disabled',
      data: { 'mesh-compatibility-mode': 'DISABLED' },
      want: { meshCompatibilityMode: 'disabled' },
    },
    {
      name: 'mesh-compatibility-mode invalid is ignored',
      data: { 'mesh-compatibility-mode': 'sometimes' },
      want: { meshCompatibilityMode: 'auto' },
    },
    {
      name: 'namespace-wildcard-cert-selector empty is none',
      data: { 'namespace-wildcard-cert-selector': '' },
      want: {},
    },
    {
      name: 'namespace-wildcard-cert-selector {} selects all',
      data: { 'namespace-wildcard-cert-selector': '{}' },
      want: { namespaceWildcardCertSelector: {} },
    },
    {
      name: 'namespace-wildcard-cert-selector expression',
      data: {
        'namespace-wildcard-cert-selector':
          'matchExpressions:\n- key: "networking.knative.dev/disableWildcardCert"\n  operator: "NotIn"\n  values: ["true"]',
      },
      want: {
        namespaceWildcardCertSelector: {
          matchExpressions: [
            { key: 'networking.knative.dev/disableWildcardCert', operator: 'NotIn', values: ['true'] },
          ],
        },
      },
    },
  ];
  test.each(cases)('$name', ({ data, want }) => {
    expect(parsed(data)).toEqual({ ...DEFAULTS, ...want });
  });

  test.each(['1', 't', 'T', 'TRUE', 'true', 'True'])('bool %j is true (strconv.ParseBool)', (v) => {
    expect(parsed({ 'enable-mesh-pod-addressability': v }).enableMeshPodAddressability).toBe(true);
  });
  test.each(['0', 'f', 'F', 'FALSE', 'false', 'False'])('bool %j is false (strconv.ParseBool)', (v) => {
    expect(parsed({ 'autocreate-cluster-domain-claims': v }).autocreateClusterDomainClaims).toBe(false);
  });

  test('the stock example values parse', () => {
    expect(
      parsed({
        'ingress-class': 'istio.ingress.networking.knative.dev',
        'certificate-class': 'cert-manager.certificate.networking.knative.dev',
        'namespace-wildcard-cert-selector': '',
        'domain-template': '{{.Name}}.{{.Namespace}}.{{.Domain}}',
        'tag-template': '{{.Tag}}-{{.Name}}',
        'auto-tls': 'Disabled',
        'http-protocol': 'Enabled',
        'rollout-duration': '0',
        'autocreate-cluster-domain-claims': 'false',
        'enable-mesh-pod-addressability': 'false',
        'mesh-compatibility-mode': 'auto',
        'default-external-scheme': 'http',
      }),
    ).toEqual(DEFAULTS);
  });
});

describe('config-network: only keys net-higress reads can be refused', () => {
  test('a bad cluster-local-domain-tls is refused', () => {
    expect(parseNetworkConfig({ 'cluster-local-domain-tls': 'maybe' })).toEqual({
      ok: false,
      error: 'cluster-local-domain-tls with value: "maybe" in config-network ConfigMap is not supported',
    });
  });

  test('a domain-template Knative accepts but our checker cannot run is accepted, with the problem ignored', () => {
    const tpl = '{{.Name}}.{{.Namespace}}.{{printf "%s" .Domain}}';
    const got = parseNetworkConfig({ 'domain-template': tpl, 'cluster-local-domain-tls': 'Enabled' });
    expect(got.ok && got.value.config.clusterLocalDomainTLS).toBe(true);
    expect(got.ok && got.value.ignored).toEqual([
      expect.stringMatching(/^template: domain-template: unsupported action/),
    ]);
  });

  test('every unread key is checked: all problems are returned, none is fatal, defaults stay', () => {
    const got = parseNetworkConfig({
      'http-protocol': 'sometimes',
      'rollout-duration': '-1',
      'system-internal-tls': 'on',
      'tag-template': '{{.Tag',
    });
    expect(got).toEqual({
      ok: true,
      value: {
        config: DEFAULTS,
        ignored: [
          'rollout-duration must be a positive integer, but was -1',
          'template: tag-template: unclosed action',
          'httpProtocol sometimes in config-network ConfigMap is not supported',
          'system-internal-tls with value: "on" in config-network ConfigMap is not supported',
        ],
      },
    });
  });
});

describe('config-network problems (as Knative reports them)', () => {
  const cases: Array<{ name: string; data: Record<string, string>; want: string | RegExp }> = [
    {
      name: 'invalid cluster-local-domain-tls',
      data: { 'cluster-local-domain-tls': 'foo' },
      want: 'cluster-local-domain-tls with value: "foo" in config-network ConfigMap is not supported',
    },
    {
      name: 'invalid system-internal-tls',
      data: { 'system-internal-tls': 'on' },
      want: 'system-internal-tls with value: "on" in config-network ConfigMap is not supported',
    },
    {
      name: 'unsupported http-protocol',
      data: { 'http-protocol': 'under-the-hood' },
      want: 'httpProtocol under-the-hood in config-network ConfigMap is not supported',
    },
    {
      name: 'unsupported httpProtocol (legacy)',
      data: { httpProtocol: 'nope' },
      want: 'httpProtocol nope in config-network ConfigMap is not supported',
    },
    {
      name: 'negative rollout-duration',
      data: { 'rollout-duration': '-1' },
      want: 'rollout-duration must be a positive integer, but was -1',
    },
    {
      name: 'negative rolloutDuration (legacy)',
      data: { rolloutDuration: '-5' },
      want: 'rollout-duration must be a positive integer, but was -5',
    },
    {
      name: 'non-integer rollout-duration',
      data: { 'rollout-duration': '1.5' },
      want: 'failed to parse "rollout-duration": strconv.Atoi: parsing "1.5": invalid syntax',
    },
    {
      name: 'an invalid legacy key fails even when the new key is valid',
      data: { rolloutDuration: 'abc', 'rollout-duration': '5' },
      want: 'failed to parse "rolloutDuration": strconv.Atoi: parsing "abc": invalid syntax',
    },
    {
      name: 'huge rollout-duration',
      data: { 'rollout-duration': '99999999999999999999' },
      want: 'failed to parse "rollout-duration": strconv.Atoi: parsing "99999999999999999999": value out of range',
    },
    {
      name: 'invalid bool',
      data: { 'autocreate-cluster-domain-claims': 'yes' },
      want: 'failed to parse "autocreate-cluster-domain-claims": strconv.ParseBool: parsing "yes": invalid syntax',
    },
    {
      name: 'empty bool',
      data: { 'enable-mesh-pod-addressability': '' },
      want: 'failed to parse "enable-mesh-pod-addressability": strconv.ParseBool: parsing "": invalid syntax',
    },
    {
      name: 'invalid internal-encryption',
      data: { 'internal-encryption': 'enabled' },
      want: 'failed to parse "internal-encryption": strconv.ParseBool: parsing "enabled": invalid syntax',
    },
    {
      name: 'namespace-wildcard-cert-selector bad YAML',
      data: { 'namespace-wildcard-cert-selector': 'matchLabels: [a' },
      want: /^failed to parse "namespace-wildcard-cert-selector": error converting YAML to JSON: yaml: /,
    },
    {
      name: 'namespace-wildcard-cert-selector not an object',
      data: { 'namespace-wildcard-cert-selector': '- a' },
      want:
        'failed to parse "namespace-wildcard-cert-selector": json: cannot unmarshal array into Go struct field ' +
        'Config.NamespaceWildcardCertSelector of type v1.LabelSelector',
    },
  ];
  test.each(cases)('$name', ({ data, want }) => {
    expect(errorOf(data)).toEqual(typeof want === 'string' ? want : expect.stringMatching(want));
  });
});

describe('domain-template check', () => {
  test.each([
    '{{.Name}}.{{.Namespace}}.{{.Domain}}',
    '{{.Name}}-{{.Namespace}}.{{.Domain}}',
    '{{ .Name }}.{{.Domain}}',
    '{{.Name}}-{{.Namespace}}.{{ index .Annotations "sub"}}.{{.Domain}}',
    '{{if index .Annotations "sub"}}{{index .Annotations "sub"}}{{else}}{{.Name}}{{end}}.{{.Domain}}',
    '{{if .Labels.team}}{{.Labels.team}}.{{else if .Name}}{{.Name}}.{{end}}{{.Domain}}',
    '{{- .Name -}} . {{- .Domain}}',
    '{{/* a comment */}}{{.Name}}.{{.Domain}}',
    '{{.Name}}.{{.Namespace}}.{{.Domain}}:8080',
    '{{.Name}}.{{.Domain}}#fragment',
    'static.example.com',
  ])('accepts %j', (tpl) => {
    expect(parsed({ 'domain-template': tpl }).domainTemplate).toBe(tpl);
  });

  test.each([
    ['a path', '{{.Name}}.{{.Namespace}}.{{.Domain}}/path', 'domain-template: domain template has url path: /path'],
    ['a query', '{{.Name}}.{{.Domain}}?x=1', 'domain-template: domain template has url path: /?x=1'],
    ['an empty template', '', 'domain-template: empty hostname'],
    ['only a port', ':80', 'domain-template: empty hostname'],
    [
      'a space in the host',
      '{{.Name}} {{.Domain}}',
      'domain-template: parse "https://foo baz.com": invalid character " " in host name',
    ],
    [
      'a missing annotation printed as <no value>',
      '{{.Annotations.sub}}.{{.Domain}}',
      'domain-template: parse "https://<no value>.baz.com": invalid character " " in host name',
    ],
    [
      'a bad port',
      '{{.Name}}.{{.Domain}}:http',
      'domain-template: parse "https://foo.baz.com:http": invalid port ":http" after host',
    ],
    [
      'an unknown field',
      '{{.Foo}}.{{.Domain}}',
      'template: domain-template: executing "domain-template" at <.Foo>: can\'t evaluate field Foo in type config.DomainTemplateValues',
    ],
    [
      'a field of a string',
      '{{.Name.First}}.{{.Domain}}',
      'template: domain-template: executing "domain-template" at <.Name.First>: can\'t evaluate field First in type string',
    ],
    ['an unclosed action', '{{.Name', 'template: domain-template: unclosed action'],
    ['an unterminated if', '{{if .Name}}{{.Name}}.{{.Domain}}', 'template: domain-template: unexpected EOF'],
    ['a stray end', '{{.Name}}{{end}}', 'template: domain-template: unexpected {{end}}'],
    ['a stray else', '{{else}}{{.Name}}', 'template: domain-template: unexpected {{else}}'],
    ['an undefined function', '{{lower .Name}}.{{.Domain}}', 'template: domain-template: function "lower" not defined'],
  ])('rejects %s', (_name, tpl, want) => {
    expect(errorOf({ 'domain-template': tpl })).toBe(want);
  });

  test.each([
    '{{printf "%s" .Name}}.{{.Domain}}',
    '{{.Name | print}}.{{.Domain}}',
    '{{range .Labels}}{{end}}{{.Domain}}',
  ])('reports actions it cannot check, without refusing them: %j', (tpl) => {
    expect(errorOf({ 'domain-template': tpl })).toMatch(/^template: domain-template: unsupported action/);
  });

  test('the legacy domainTemplate key is checked too', () => {
    expect(errorOf({ domainTemplate: '{{.Name}}/x' })).toBe('domain-template: domain template has url path: /x');
  });
});

describe('tag-template check', () => {
  test.each(['{{.Tag}}-{{.Name}}', '{{.Name}}-{{.Tag}}', '{{.Tag}}', 'fixed'])('accepts %j', (tpl) => {
    expect(parsed({ 'tag-template': tpl }).tagTemplate).toBe(tpl);
  });

  test.each([
    [
      'a domain-only field',
      '{{.Namespace}}-{{.Name}}',
      'template: tag-template: executing "tag-template" at <.Namespace>: can\'t evaluate field Namespace in type config.TagTemplateValues',
    ],
    ['an unclosed action', '{{.Tag', 'template: tag-template: unclosed action'],
  ])('rejects %s', (_name, tpl, want) => {
    expect(errorOf({ 'tag-template': tpl })).toBe(want);
  });

  test('a path in the tag template is not checked (only rendered)', () => {
    expect(parsed({ tagTemplate: '{{.Tag}}/{{.Name}}' }).tagTemplate).toBe('{{.Tag}}/{{.Name}}');
  });
});
