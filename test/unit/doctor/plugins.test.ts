// Which Higress WasmPlugin rules answer Knative probes: Higress's rule semantics, table-driven.
import { describe, expect, test } from '@jest/globals';
import { domainMatches, probeBlockingRules } from '../../../src/doctor/plugins.js';
import type { KIngressInfo, WasmPluginInfo } from '../../../src/doctor/types.js';

const hello: KIngressInfo = {
  namespace: 'default',
  name: 'hello',
  ingressClass: 'c',
  hosts: ['hello.default.example.com', 'hello.default.svc.cluster.local'],
  backends: ['hello-00001.default.svc.cluster.local:80'],
};
const keyAuth = (over: Partial<WasmPluginInfo>): WasmPluginInfo => ({
  name: 'key-auth',
  url: 'oci://registry/plugins/key-auth:1.0.0',
  hasPluginConfig: false,
  defaultConfig: { global_auth: false, keys: ['x-api-key'], consumers: [{ name: 'c', credential: 'k' }] },
  matchRules: [],
  ...over,
});

describe('domain patterns as Higress matches them', () => {
  test.each([
    ['hello.default.example.com', 'hello.default.example.com', true],
    ['hello.default.example.com', 'other.default.example.com', false],
    ['*.example.com', 'hello.default.example.com', true],
    ['*.example.org', 'hello.default.example.com', false],
    ['hello.*', 'hello.default.example.com', true],
    ['bye.*', 'hello.default.example.com', false],
  ])('%s vs %s → %s', (pattern, host, want) => expect(domainMatches(pattern, host)).toBe(want));
});

describe('rules that apply to probes', () => {
  test('a route rule (matchRules.ingress) never does', () => {
    expect(probeBlockingRules([keyAuth({ matchRules: [{ ingress: ['default/hello'] }] })], [hello])).toEqual([]);
  });

  test('a domain rule on a KIngress host does; the fix is the same rule by route', () => {
    expect(
      probeBlockingRules(
        [keyAuth({ matchRules: [{ ingress: ['default/hello'] }, { domain: ['hello.default.example.com'] }] })],
        [hello],
      ),
    ).toEqual([
      {
        plugin: 'key-auth',
        problem:
          'matchRules[1] domain hello.default.example.com matches the host of default/hello, so Knative probes get it too',
        instead:
          'in WasmPlugin key-auth replace matchRules[1] domain [hello.default.example.com] with ingress [default/hello]',
      },
    ]);
  });

  test('a wildcard domain names every KIngress it covers; a disabled rule, a rule with ingress, or another host does not count', () => {
    const other: KIngressInfo = {
      namespace: 'shop',
      name: 'cart',
      ingressClass: 'c',
      hosts: ['cart.shop.example.com'],
      backends: [],
    };
    const found = probeBlockingRules(
      [
        keyAuth({
          matchRules: [
            { domain: ['*.example.com'] },
            { domain: ['hello.default.example.com'], configDisable: true },
            { domain: ['hello.default.example.com'], ingress: ['default/hello'] },
            { domain: ['unrelated.example.org'] },
          ],
        }),
      ],
      [hello, other],
    );
    expect(found.map((f) => f.instead)).toEqual([
      'in WasmPlugin key-auth replace matchRules[0] domain [*.example.com] with ingress [default/hello, shop/cart]',
    ]);
  });

  test('a service rule on a backend of the KIngress does (probe routes go where serving routes go), with or without the port', () => {
    const found = probeBlockingRules(
      [
        keyAuth({
          matchRules: [
            { service: ['hello-00001.default.svc.cluster.local'] },
            { service: ['hello-00001.default.svc.cluster.local:80'] },
            { service: ['hello-00001.default.svc.cluster.local:8080', 'other.default.svc.cluster.local'] },
          ],
        }),
      ],
      [hello],
    );
    expect(found.map((f) => f.instead)).toEqual([
      'in WasmPlugin key-auth replace matchRules[0] service [hello-00001.default.svc.cluster.local] with ingress [default/hello]',
      'in WasmPlugin key-auth replace matchRules[1] service [hello-00001.default.svc.cluster.local:80] with ingress [default/hello]',
    ]);
  });

  test('global auth does: global_auth true, or unset with no rules; not with global_auth false or rule-only', () => {
    const globalTrue = keyAuth({
      defaultConfig: { global_auth: true, keys: ['k'], consumers: [] },
      matchRules: [{ ingress: ['default/hello'] }],
    });
    const unsetNoRules = keyAuth({ name: 'ka2', defaultConfig: { keys: ['k'], consumers: [] } });
    const unsetWithRules = keyAuth({
      name: 'ka3',
      defaultConfig: { keys: ['k'], consumers: [] },
      matchRules: [{ ingress: ['default/hello'] }],
    });
    const disabled = keyAuth({ name: 'ka4', defaultConfig: { global_auth: true }, defaultConfigDisable: true });
    const rateLimit = keyAuth({
      name: 'rl',
      url: 'oci://registry/plugins/key-rate-limit:1.0.0',
      defaultConfig: { limit_by_header: 'x' },
    });
    const found = probeBlockingRules([globalTrue, unsetNoRules, unsetWithRules, disabled, rateLimit], [hello]);
    expect(found.map((f) => [f.plugin, f.problem])).toEqual([
      ['key-auth', 'key-auth authenticates every route (global_auth: true), Knative probe routes too'],
      ['ka2', 'key-auth authenticates every route (global config, no rules), Knative probe routes too'],
    ]);
    expect(found[0]?.instead).toBe(
      'in WasmPlugin key-auth set defaultConfig.global_auth: false and name each protected service in matchRules[].ingress (e.g. ingress [default/hello])',
    );
  });

  test('pluginConfig (passed through to Envoy as it is) is not analysed', () => {
    expect(
      probeBlockingRules(
        [keyAuth({ hasPluginConfig: true, matchRules: [{ domain: ['hello.default.example.com'] }] })],
        [hello],
      ),
    ).toEqual([]);
  });
});
