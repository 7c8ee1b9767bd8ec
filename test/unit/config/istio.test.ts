import { describe, test, expect } from '@jest/globals';
import { load } from 'js-yaml';
import {
  defaultIstioConfig,
  gatewaysEnabled,
  parseIstioConfig,
  parseServiceURL,
  qualifiedName,
  selectGateways,
  type GatewayConfig,
  type IstioConfig,
} from '../../../src/config/istio.js';

// As upstream's tests: SYSNS = knative-testing.
const ctx = { systemNamespace: 'knative-testing', clusterDomain: 'cluster.local' };
const defaultExternal: GatewayConfig[] = [
  {
    namespace: 'knative-testing',
    name: 'knative-ingress-gateway',
    serviceURL: 'higress-gateway.higress-system.svc.cluster.local',
  },
];
const defaultLocal: GatewayConfig[] = [
  {
    namespace: 'knative-testing',
    name: 'knative-local-gateway',
    serviceURL: 'knative-local-gateway.higress-system.svc.cluster.local',
  },
];

const DNS1123_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', " +
  "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is " +
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

const gw1 =
  '- namespace: "namespace1"\n  name: "gateway1"\n  service: "istio-ingressbackroad.istio-system.svc.cluster.local"';
const gw2 =
  '- namespace: "namespace2"\n  name: "gateway2"\n  service: "istio-local-gateway.istio-system.svc.cluster.local"';
const parsedGw1: GatewayConfig = {
  namespace: 'namespace1',
  name: 'gateway1',
  serviceURL: 'istio-ingressbackroad.istio-system.svc.cluster.local',
};
const parsedGw2: GatewayConfig = {
  namespace: 'namespace2',
  name: 'gateway2',
  serviceURL: 'istio-local-gateway.istio-system.svc.cluster.local',
};
const selectorGw = (ns: string, name: string, svc: string): string =>
  `- namespace: "${ns}"\n  name: "${name}"\n  service: "${svc}"\n  labelSelector:\n    matchExpressions:\n` +
  '    - key: "key"\n      operator: "In"\n      values: ["value"]';
const inValue = { matchExpressions: [{ key: 'key', operator: 'In', values: ['value'] }] };

type Case = { name: string; data: Record<string, string> | undefined } & (
  { want: IstioConfig } | { wantErr: string | RegExp }
);

// net-istio's gateway configuration cases, row for row, with our Higress defaults.
const cases: Case[] = [
  {
    name: 'gateway configuration with no network input',
    data: undefined,
    want: { ingressGateways: defaultExternal, localGateways: defaultLocal },
  },
  { name: 'empty data', data: {}, want: { ingressGateways: defaultExternal, localGateways: defaultLocal } },
  {
    name: 'gateway configuration with invalid url',
    data: { 'gateway.invalid': '_invalid' },
    wantErr: `invalid configuration: invalid gateway knative-testing/invalid: invalid gateway service format: [${DNS1123_MSG}]`,
  },
  {
    name: 'gateway configuration with valid url',
    data: { 'gateway.knative-ingress-freeway': 'istio-ingressfreeway.istio-system.svc.cluster.local' },
    want: {
      ingressGateways: [
        {
          namespace: 'knative-testing',
          name: 'knative-ingress-freeway',
          serviceURL: 'istio-ingressfreeway.istio-system.svc.cluster.local',
        },
      ],
      localGateways: defaultLocal,
    },
  },
  {
    name: 'gateway configuration with valid url having a dot at the end',
    data: { 'gateway.knative-ingress-freeway': 'istio-ingressfreeway.istio-system.svc.cluster.local.' },
    want: {
      ingressGateways: [
        {
          namespace: 'knative-testing',
          name: 'knative-ingress-freeway',
          serviceURL: 'istio-ingressfreeway.istio-system.svc.cluster.local.',
        },
      ],
      localGateways: defaultLocal,
    },
  },
  {
    name: 'gateway configuration in custom namespace with valid url',
    data: { 'gateway.custom-namespace.custom-gateway': 'istio-ingressfreeway.istio-system.svc.cluster.local' },
    want: {
      ingressGateways: [
        {
          namespace: 'custom-namespace',
          name: 'custom-gateway',
          serviceURL: 'istio-ingressfreeway.istio-system.svc.cluster.local',
        },
      ],
      localGateways: defaultLocal,
    },
  },
  {
    name: 'gateway configuration in custom namespace with invalid url',
    data: { 'gateway.custom-namespace.invalid': '_invalid' },
    wantErr: `invalid configuration: invalid gateway custom-namespace/invalid: invalid gateway service format: [${DNS1123_MSG}]`,
  },
  {
    name: 'local gateway configuration with valid url',
    data: { 'local-gateway.knative-ingress-backroad': 'istio-ingressbackroad.istio-system.svc.cluster.local' },
    want: {
      ingressGateways: defaultExternal,
      localGateways: [
        {
          namespace: 'knative-testing',
          name: 'knative-ingress-backroad',
          serviceURL: 'istio-ingressbackroad.istio-system.svc.cluster.local',
        },
      ],
    },
  },
  {
    name: 'local gateway configuration with invalid url',
    data: { 'local-gateway.invalid': '_invalid' },
    wantErr: `invalid configuration: invalid local gateway knative-testing/invalid: invalid gateway service format: [${DNS1123_MSG}]`,
  },
  {
    name: 'local gateway configuration in custom namespace with valid url',
    data: {
      'local-gateway.custom-namespace.custom-local-gateway': 'istio-ingressbackroad.istio-system.svc.cluster.local',
    },
    want: {
      ingressGateways: defaultExternal,
      localGateways: [
        {
          namespace: 'custom-namespace',
          name: 'custom-local-gateway',
          serviceURL: 'istio-ingressbackroad.istio-system.svc.cluster.local',
        },
      ],
    },
  },
  {
    name: 'local gateway configuration in custom namespace with invalid url',
    data: { 'local-gateway.custom-namespace.invalid': '_invalid' },
    wantErr: `invalid configuration: invalid local gateway custom-namespace/invalid: invalid gateway service format: [${DNS1123_MSG}]`,
  },
  {
    name: 'new format alone',
    data: { 'external-gateways': gw1, 'local-gateways': gw2 },
    want: { ingressGateways: [parsedGw1], localGateways: [parsedGw2] },
  },
  {
    name: 'new & old format',
    data: {
      'external-gateways': gw1,
      'local-gateways': gw2,
      'local-gateway.custom-namespace.custom-local-gateway': 'istio-ingressbackroad.istio-system.svc.cluster.local',
      'gateway.custom-namespace.custom-gateway': 'istio-ingressfreeway.istio-system.svc.cluster.local',
    },
    wantErr:
      'invalid configmap: "local-gateways" or "external-gateways" can not be defined simultaneously with "gateway." or "local-gateway."',
  },
  {
    name: 'new format - invalid URL',
    data: {
      'external-gateways': gw1,
      'local-gateways': '- namespace: "namespace2"\n  name: "gateway2"\n  service: "_invalid"',
    },
    wantErr: `invalid configuration: invalid local gateway namespace2/gateway2: invalid gateway service format: [${DNS1123_MSG}]`,
  },
  {
    name: 'new format - missing service',
    data: {
      'external-gateways': '- namespace: "namespace1"\n  name: "gateway1"\n  service: ""',
      'local-gateways': gw2,
    },
    wantErr: 'invalid configuration: invalid gateway namespace1/gateway1: missing service',
  },
  {
    name: 'new format - missing name',
    data: { 'external-gateways': '- namespace: "namespace1"\n  name: ""\n  service: "a.b.svc"', 'local-gateways': gw2 },
    wantErr: 'invalid configuration: invalid gateway namespace1/: missing name',
  },
  {
    name: 'new format - missing namespace',
    data: { 'external-gateways': gw1, 'local-gateways': '- namespace: ""\n  name: "gateway2"\n  service: "a.b.svc"' },
    wantErr: 'invalid configuration: invalid local gateway /gateway2: missing namespace',
  },
  {
    name: 'new format - invalid local yaml',
    data: { 'external-gateways': gw1, 'local-gateways': 'notYAML' },
    wantErr:
      'failed to parse configmap: failed to parse "local-gateways" gateways: failed to unmarshal: ' +
      'json: cannot unmarshal string into Go value of type []config.Gateway',
  },
  {
    name: 'new format - invalid external yaml',
    data: { 'external-gateways': 'notYAML', 'local-gateways': gw2 },
    wantErr:
      'failed to parse configmap: failed to parse "external-gateways" gateways: failed to unmarshal: ' +
      'json: cannot unmarshal string into Go value of type []config.Gateway',
  },
  {
    name: 'new format - missing external gateway configuration',
    data: { 'local-gateways': gw2 },
    want: { ingressGateways: defaultExternal, localGateways: [parsedGw2] },
  },
  {
    name: 'new format - missing local gateway configuration',
    data: { 'external-gateways': gw1 },
    want: { ingressGateways: [parsedGw1], localGateways: defaultLocal },
  },
  {
    name: 'new format - missing default gateway',
    data: { 'external-gateways': selectorGw('namespace', 'gateway', 'istio-gateway.istio-system.svc.cluster.local') },
    wantErr: 'failed to parse configmap: exactly one external gateway with no selector can be defined, here: []',
  },
  {
    name: 'new format - missing default local gateway',
    data: { 'local-gateways': selectorGw('namespace', 'gateway', 'istio-gateway.istio-system.svc.cluster.local') },
    wantErr: 'failed to parse configmap: exactly one local gateway with no selector can be defined, here: []',
  },
  {
    name: 'new format - label selector',
    data: {
      'external-gateways':
        '- namespace: "unused"\n  name: "unused"\n  service: "default.default.svc.cluster.local"\n' +
        selectorGw('namespace', 'gateway', 'istio-gateway.istio-system.svc.cluster.local'),
      'local-gateways': gw2,
    },
    want: {
      ingressGateways: [
        { namespace: 'unused', name: 'unused', serviceURL: 'default.default.svc.cluster.local' },
        {
          namespace: 'namespace',
          name: 'gateway',
          serviceURL: 'istio-gateway.istio-system.svc.cluster.local',
          labelSelector: inValue,
        },
      ],
      localGateways: [parsedGw2],
    },
  },
  {
    name: 'local gateway with selector',
    data: {
      'local-gateways':
        `${selectorGw('namespace', 'gateway', 'istio-local.istio-system.svc.cluster.local')}\n` +
        '- namespace: "namespace1"\n  name: "gateway1"\n  service: "istio-local-gateway.istio-system.svc.cluster.local"',
      'external-gateways':
        '- namespace: "namespace2"\n  name: "gateway2"\n  service: "istio-gateway.istio-system.svc.cluster.local"',
    },
    want: {
      ingressGateways: [
        { namespace: 'namespace2', name: 'gateway2', serviceURL: 'istio-gateway.istio-system.svc.cluster.local' },
      ],
      localGateways: [
        {
          namespace: 'namespace',
          name: 'gateway',
          serviceURL: 'istio-local.istio-system.svc.cluster.local',
          labelSelector: inValue,
        },
        { namespace: 'namespace1', name: 'gateway1', serviceURL: 'istio-local-gateway.istio-system.svc.cluster.local' },
      ],
    },
  },
  {
    name: 'selector In without values',
    data: {
      'external-gateways':
        `${gw1}\n- namespace: "namespace"\n  name: "gateway"\n  service: "a.b.svc.cluster.local"\n` +
        '  labelSelector:\n    matchExpressions:\n    - key: "key"\n      operator: "In"',
    },
    wantErr:
      'invalid configuration: invalid gateway namespace/gateway: failed to create selector from label selector: ' +
      "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
  },
  {
    name: 'both empty lists (mesh-only)',
    data: { 'external-gateways': '[]', 'local-gateways': '[]' },
    want: { ingressGateways: [], localGateways: [] },
  },
  {
    name: 'only external empty list',
    data: { 'external-gateways': '[]' },
    want: { ingressGateways: [], localGateways: defaultLocal },
  },
  {
    name: 'only local empty list',
    data: { 'local-gateways': '[]' },
    want: { ingressGateways: defaultExternal, localGateways: [] },
  },
];

function check(c: Case): void {
  const got = parseIstioConfig(c.data, ctx);
  if ('want' in c) {
    expect(got).toEqual({ ok: true, value: c.want });
  } else {
    expect(got.ok).toBe(false);
    if (!got.ok)
      expect(got.error).toEqual(typeof c.wantErr === 'string' ? c.wantErr : expect.stringMatching(c.wantErr));
  }
}

describe('parseIstioConfig: TestGatewayConfiguration', () => {
  test.each(cases)('$name', check);
});

describe('parseIstioConfig: format details', () => {
  const more: Case[] = [
    {
      name: '_example is ignored',
      data: { _example: 'gateway.x.y: "_invalid"\nexternal-gateways: notYAML' },
      want: { ingressGateways: defaultExternal, localGateways: defaultLocal },
    },
    {
      name: 'old format: sorted by key, first dot splits namespace from name, bare prefix skipped',
      data: {
        'gateway.zeta.gw': 'z.ns.svc',
        'gateway.alpha.gw.with.dots': 'a.ns.svc',
        'gateway.': 'ignored',
        'gateway.mid': 'm.ns.svc',
      },
      want: {
        ingressGateways: [
          { namespace: 'alpha', name: 'gw.with.dots', serviceURL: 'a.ns.svc' },
          { namespace: 'knative-testing', name: 'mid', serviceURL: 'm.ns.svc' },
          { namespace: 'zeta', name: 'gw', serviceURL: 'z.ns.svc' },
        ],
        localGateways: defaultLocal,
      },
    },
    {
      name: 'old format: only the bare prefix key still counts as old format (defaults)',
      data: { 'local-gateway.': 'x' },
      want: { ingressGateways: defaultExternal, localGateways: defaultLocal },
    },
    {
      name: 'old format: empty service',
      data: { 'gateway.ns.gw': '' },
      wantErr: 'invalid configuration: invalid gateway ns/gw: missing service',
    },
    {
      name: 'old format: external checked before local',
      data: { 'local-gateway.a': '_bad', 'gateway.b': 'Bad' },
      wantErr: /^invalid configuration: invalid gateway knative-testing\/b: invalid gateway service format: /,
    },
    {
      name: 'new format: key present with empty value still conflicts with old keys',
      data: { 'external-gateways': '', 'gateway.ns.gw': 'a.b.svc' },
      wantErr: /^invalid configmap: /,
    },
    {
      name: 'new format: empty or whitespace value means defaults',
      data: { 'external-gateways': '', 'local-gateways': ' \n\t' },
      want: { ingressGateways: defaultExternal, localGateways: defaultLocal },
    },
    {
      name: 'new format: null means an empty list',
      data: { 'external-gateways': 'null', 'local-gateways': gw2 },
      want: { ingressGateways: [], localGateways: [parsedGw2] },
    },
    {
      name: 'new format: field names are case-insensitive, unknown fields ignored',
      data: {
        'external-gateways':
          '- NAMESPACE: ns\n  Name: gw\n  SERVICE: a.b.svc\n  enabled: true\n' +
          '- namespace: ns\n  name: sel\n  service: c.d.svc\n  LabelSelector:\n    MatchLabels: {team: a}',
      },
      want: {
        ingressGateways: [
          { namespace: 'ns', name: 'gw', serviceURL: 'a.b.svc' },
          { namespace: 'ns', name: 'sel', serviceURL: 'c.d.svc', labelSelector: { matchLabels: { team: 'a' } } },
        ],
        localGateways: defaultLocal,
      },
    },
    {
      name: 'new format: duplicate keys, the last wins',
      data: { 'external-gateways': '- namespace: ns\n  name: a\n  Name: b\n  service: s.t.svc' },
      want: { ingressGateways: [{ namespace: 'ns', name: 'b', serviceURL: 's.t.svc' }], localGateways: defaultLocal },
    },
    {
      name: 'new format: scalars become strings (sigs.k8s.io/yaml)',
      data: { 'external-gateways': '- namespace: 123\n  name: true\n  service: s.t.svc' },
      want: {
        ingressGateways: [{ namespace: '123', name: 'true', serviceURL: 's.t.svc' }],
        localGateways: defaultLocal,
      },
    },
    {
      name: 'new format: flow-style list',
      data: { 'external-gateways': '[{name: gw, namespace: ns, service: "s.t.svc."}]' },
      want: { ingressGateways: [{ namespace: 'ns', name: 'gw', serviceURL: 's.t.svc.' }], localGateways: defaultLocal },
    },
    {
      name: 'new format: labelSelector null is a default gateway',
      data: { 'external-gateways': '- {name: gw, namespace: ns, service: s.t.svc, labelSelector: null}' },
      want: { ingressGateways: [{ namespace: 'ns', name: 'gw', serviceURL: 's.t.svc' }], localGateways: defaultLocal },
    },
    {
      name: 'new format: labelSelector {} is a selector gateway (matches every KIngress)',
      data: { 'external-gateways': `${gw1}\n- {name: all, namespace: ns, service: s.t.svc, labelSelector: {}}` },
      want: {
        ingressGateways: [parsedGw1, { namespace: 'ns', name: 'all', serviceURL: 's.t.svc', labelSelector: {} }],
        localGateways: defaultLocal,
      },
    },
    {
      name: 'new format: two defaults',
      data: { 'external-gateways': `${gw1}\n${gw2}` },
      wantErr:
        'failed to parse configmap: exactly one external gateway with no selector can be defined, here: ' +
        '[{namespace1 gateway1 istio-ingressbackroad.istio-system.svc.cluster.local <nil>} ' +
        '{namespace2 gateway2 istio-local-gateway.istio-system.svc.cluster.local <nil>}]',
    },
    {
      name: 'new format: a null entry is a zero gateway',
      data: { 'external-gateways': '- ' },
      wantErr: 'invalid configuration: invalid gateway /: missing namespace',
    },
    {
      name: 'new format: entry of the wrong type',
      data: { 'external-gateways': '- gateway1' },
      wantErr:
        'failed to parse configmap: failed to parse "external-gateways" gateways: failed to unmarshal: ' +
        'json: cannot unmarshal string into Go value of type config.Gateway',
    },
    {
      name: 'new format: field of the wrong type',
      data: { 'external-gateways': '- {name: [a], namespace: ns, service: s}' },
      wantErr:
        'failed to parse configmap: failed to parse "external-gateways" gateways: failed to unmarshal: ' +
        'json: cannot unmarshal array into Go struct field Gateway.name of type string',
    },
    {
      name: 'new format: labelSelector of the wrong type',
      data: { 'local-gateways': '- {name: a, namespace: ns, service: s, labelSelector: x}' },
      wantErr:
        'failed to parse configmap: failed to parse "local-gateways" gateways: failed to unmarshal: ' +
        'json: cannot unmarshal string into Go struct field Gateway.labelSelector of type v1.LabelSelector',
    },
    {
      name: 'new format: YAML syntax error',
      data: { 'external-gateways': '- name: [' },
      wantErr:
        /^failed to parse configmap: failed to parse "external-gateways" gateways: failed to unmarshal: error converting YAML to JSON: yaml: .+/,
    },
    {
      name: 'new format: invalid selector operator',
      data: {
        'external-gateways': `${gw1}\n- name: s\n  namespace: ns\n  service: a.b.svc\n  labelSelector:\n    matchExpressions: [{key: k, operator: Equals}]`,
      },
      wantErr:
        'invalid configuration: invalid gateway ns/s: failed to create selector from label selector: "Equals" is not a valid label selector operator',
    },
    {
      name: 'service URL longer than 253 characters',
      data: { 'gateway.ns.gw': `${'a'.repeat(250)}.svc` },
      wantErr:
        'invalid configuration: invalid gateway ns/gw: invalid gateway service format: [must be no more than 253 characters]',
    },
    {
      name: 'only one trailing dot is trimmed',
      data: { 'gateway.ns.gw': 'a.b.svc..' },
      wantErr: /^invalid configuration: invalid gateway ns\/gw: invalid gateway service format: \[a lowercase RFC 1123/,
    },
    {
      name: 'upper-case service URL',
      data: { 'gateway.ns.gw': 'Gateway.ns.svc' },
      wantErr: /invalid gateway service format/,
    },
  ];
  test.each(more)('$name', check);

  test('defaults follow the context (system namespace and cluster domain)', () => {
    expect(defaultIstioConfig({ systemNamespace: 'knative-serving', clusterDomain: 'corp.example' })).toEqual({
      ingressGateways: [
        {
          namespace: 'knative-serving',
          name: 'knative-ingress-gateway',
          serviceURL: 'higress-gateway.higress-system.svc.corp.example',
        },
      ],
      localGateways: [
        {
          namespace: 'knative-serving',
          name: 'knative-local-gateway',
          serviceURL: 'knative-local-gateway.higress-system.svc.corp.example',
        },
      ],
    });
  });
});

// TestIstio: the shipped ConfigMap (only `_example`) and its example both parse. This is the example
// our chart ships (net-istio's example, adapted to Higress); the old format is commented out because the two
// formats cannot be mixed.
const EXAMPLE = `################################
#                              #
#    EXAMPLE CONFIGURATION     #
#                              #
################################

# Gateways and the Services in front of their pods, for public KIngresses.
# labelSelector (matchLabels / matchExpressions on the KIngress labels) is optional;
# exactly one entry without a selector is the default.
external-gateways: |
  - name: knative-ingress-gateway
    namespace: knative-serving
    service: higress-gateway.higress-system.svc.cluster.local

# Gateways for cluster-local KIngresses.
local-gateways: |
  - name: knative-local-gateway
    namespace: knative-serving
    service: knative-local-gateway.higress-system.svc.cluster.local

# Mesh-only mode: set both keys to "[]".
# Old format (cannot be combined with the keys above):
# gateway.knative-serving.knative-ingress-gateway: "higress-gateway.higress-system.svc.cluster.local"
# local-gateway.knative-serving.knative-local-gateway: "knative-local-gateway.higress-system.svc.cluster.local"
`;

describe('TestIstio: shipped config-istio', () => {
  test('the shipped ConfigMap (only _example) gives the defaults', () => {
    expect(parseIstioConfig({ _example: EXAMPLE }, ctx)).toEqual({
      ok: true,
      value: { ingressGateways: defaultExternal, localGateways: defaultLocal },
    });
  });

  test('its _example, used as data, parses', () => {
    const example = load(EXAMPLE) as Record<string, string>;
    const got = parseIstioConfig({ _example: EXAMPLE, ...example }, ctx);
    expect(got).toEqual({
      ok: true,
      value: {
        ingressGateways: [
          {
            namespace: 'knative-serving',
            name: 'knative-ingress-gateway',
            serviceURL: 'higress-gateway.higress-system.svc.cluster.local',
          },
        ],
        localGateways: [
          {
            namespace: 'knative-serving',
            name: 'knative-local-gateway',
            serviceURL: 'knative-local-gateway.higress-system.svc.cluster.local',
          },
        ],
      },
    });
  });
});

describe('TestQualifiedName', () => {
  test('{foo, bar} is foo/bar', () => {
    expect(qualifiedName({ namespace: 'foo', name: 'bar' })).toBe('foo/bar');
  });
});

describe('TestGatewaysEnabled', () => {
  test.each([
    { name: 'both', cfg: { ingressGateways: defaultExternal, localGateways: defaultLocal }, want: true },
    { name: 'only ingress', cfg: { ingressGateways: defaultExternal, localGateways: [] }, want: true },
    { name: 'only local', cfg: { ingressGateways: [], localGateways: defaultLocal }, want: true },
    { name: 'both empty', cfg: { ingressGateways: [], localGateways: [] }, want: false },
  ])('$name', ({ cfg, want }) => {
    expect(gatewaysEnabled(cfg)).toBe(want);
  });

  test('mesh-only config from the ConfigMap disables gateways', () => {
    const got = parseIstioConfig({ 'external-gateways': '[]', 'local-gateways': '[]' }, ctx);
    expect(got.ok && gatewaysEnabled(got.value)).toBe(false);
  });
});

describe('selectGateways (GatewaysFromContext)', () => {
  const dflt: GatewayConfig = { namespace: 'ns', name: 'default', serviceURL: 'd.ns.svc' };
  const teamA: GatewayConfig = {
    namespace: 'ns',
    name: 'team-a',
    serviceURL: 'a.ns.svc',
    labelSelector: { matchLabels: { team: 'a' } },
  };
  const teamAB: GatewayConfig = {
    namespace: 'ns',
    name: 'team-ab',
    serviceURL: 'ab.ns.svc',
    labelSelector: { matchExpressions: [{ key: 'team', operator: 'In', values: ['a', 'b'] }] },
  };
  const localDflt: GatewayConfig = { namespace: 'ns', name: 'local', serviceURL: 'l.ns.svc' };
  const localB: GatewayConfig = {
    namespace: 'ns',
    name: 'local-b',
    serviceURL: 'lb.ns.svc',
    labelSelector: { matchLabels: { team: 'b' } },
  };
  const cfg: IstioConfig = { ingressGateways: [teamAB, dflt, teamA], localGateways: [localDflt, localB] };

  test.each([
    { name: 'no labels: defaults', labels: undefined, external: [dflt], local: [localDflt] },
    { name: 'no match: defaults', labels: { team: 'c' }, external: [dflt], local: [localDflt] },
    {
      name: 'multiple matches, config order, replacing the default',
      labels: { team: 'a' },
      external: [teamAB, teamA],
      local: [localDflt],
    },
    { name: 'external and local select independently', labels: { team: 'b' }, external: [teamAB], local: [localB] },
  ])('$name', ({ labels, external, local }) => {
    expect(selectGateways(cfg, labels)).toEqual({ external, local });
  });

  test('an empty selector matches every KIngress', () => {
    const all: GatewayConfig = { namespace: 'ns', name: 'all', serviceURL: 'x.ns.svc', labelSelector: {} };
    expect(selectGateways({ ingressGateways: [dflt, all], localGateways: [] }, {})).toEqual({
      external: [all],
      local: [],
    });
  });

  test('mesh-only config selects nothing', () => {
    expect(selectGateways({ ingressGateways: [], localGateways: [] }, { team: 'a' })).toEqual({
      external: [],
      local: [],
    });
  });
});

describe('parseServiceURL', () => {
  test.each([
    ['higress-gateway.higress-system.svc.cluster.local', { name: 'higress-gateway', namespace: 'higress-system' }],
    ['service.namespace.customsuffix', { name: 'service', namespace: 'namespace' }],
    ['svc.ns.svc.cluster.local.', { name: 'svc', namespace: 'ns' }],
  ])('%s', (url, want) => {
    expect(parseServiceURL(url)).toEqual({ ok: true, value: want });
  });

  test.each(['service.namespace', 'service', ''])('%j is rejected', (url) => {
    expect(parseServiceURL(url)).toEqual({ ok: false, error: `unexpected service URL form: ${url}` });
  });
});
