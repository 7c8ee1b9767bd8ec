import { describe, test, expect } from '@jest/globals';
import { defaultIstioConfig } from '../../../src/config/istio.js';
import { defaultNetworkConfig } from '../../../src/config/network.js';
import { ConfigStore } from '../../../src/config/store.js';

const ctx = { systemNamespace: 'knative-serving', clusterDomain: 'cluster.local' };
const customIstio = { 'gateway.knative-serving.custom': 'custom-gateway.higress-system.svc.cluster.local' };

function startedStore(): ConfigStore {
  const store = ConfigStore.fromConfigMaps({}, {}, ctx);
  if (!store.ok) throw new Error(store.error);
  return store.value;
}

describe('ConfigStore.fromConfigMaps (startup)', () => {
  test('valid ConfigMaps give a store with their values at generation 0', () => {
    const store = ConfigStore.fromConfigMaps(customIstio, { 'cluster-local-domain-tls': 'Enabled' }, ctx);
    expect(store.ok).toBe(true);
    if (!store.ok) return;
    expect(store.value.generation).toBe(0);
    expect(store.value.current().istio.ingressGateways).toEqual([
      { namespace: 'knative-serving', name: 'custom', serviceURL: 'custom-gateway.higress-system.svc.cluster.local' },
    ]);
    expect(store.value.current().network.clusterLocalDomainTLS).toBe(true);
  });

  test('ConfigMaps without data give the defaults', () => {
    const store = ConfigStore.fromConfigMaps(undefined, undefined, ctx);
    expect(store.ok && store.value.current()).toEqual({
      istio: defaultIstioConfig(ctx),
      network: defaultNetworkConfig(),
    });
  });

  test.each<{ name: string; istio: Record<string, string>; network: Record<string, string>; want: RegExp }>([
    {
      name: 'invalid config-istio',
      istio: { 'gateway.x': '_bad' },
      network: {},
      want: /^config-istio: invalid configuration: invalid gateway knative-serving\/x: invalid gateway service format: /,
    },
    {
      name: 'invalid config-network',
      istio: {},
      network: { 'cluster-local-domain-tls': 'sometimes' },
      want: /^config-network: cluster-local-domain-tls with value: "sometimes" in config-network ConfigMap is not supported$/,
    },
    {
      name: 'both invalid: config-istio is reported',
      istio: { 'external-gateways': 'notYAML' },
      network: { 'rollout-duration': '-1' },
      want: /^config-istio: failed to parse configmap: /,
    },
  ])('$name is an error naming the ConfigMap', ({ istio, network, want }) => {
    const store = ConfigStore.fromConfigMaps(istio, network, ctx);
    expect(store).toEqual({ ok: false, error: expect.stringMatching(want) });
  });
});

describe('ConfigStore.update', () => {
  test('an accepted change replaces the value and moves the generation', () => {
    const store = startedStore();
    expect(store.update('istio', customIstio)).toEqual({ ok: true, value: { changed: true } });
    expect(store.generation).toBe(1);
    expect(store.current().istio.ingressGateways[0]?.name).toBe('custom');
    expect(store.update('network', { 'http-protocol': 'Redirected' })).toEqual({ ok: true, value: { changed: true } });
    expect(store.generation).toBe(2);
    expect(store.current().network.httpProtocol).toBe('Redirected');
  });

  test('an invalid config-istio is rejected and the last good value kept', () => {
    const store = startedStore();
    store.update('istio', customIstio);
    const before = store.current();
    expect(store.update('istio', { 'external-gateways': '[]', 'gateway.a': 'b.c.svc' })).toEqual({
      ok: false,
      error:
        'config-istio: invalid configmap: "local-gateways" or "external-gateways" can not be defined simultaneously with "gateway." or "local-gateway."',
    });
    expect(store.current()).toEqual(before);
    expect(store.generation).toBe(1);
  });

  test('an invalid config-network is rejected and the last good value kept', () => {
    const store = startedStore();
    store.update('network', { 'cluster-local-domain-tls': 'enabled' });
    expect(store.update('network', { 'cluster-local-domain-tls': 'maybe' })).toEqual({
      ok: false,
      error:
        'config-network: cluster-local-domain-tls with value: "maybe" in config-network ConfigMap is not supported',
    });
    expect(store.current().network.clusterLocalDomainTLS).toBe(true);
    expect(store.generation).toBe(1);
  });

  test('the same config again is accepted without a change (no global resync)', () => {
    const store = startedStore();
    expect(store.update('istio', {})).toEqual({ ok: true, value: { changed: false } });
    expect(store.update('network', { 'http-protocol': 'enabled', _example: 'ignored' })).toEqual({
      ok: true,
      value: { changed: false },
    });
    expect(store.generation).toBe(0);
  });

  test('updating one ConfigMap leaves the other untouched', () => {
    const store = startedStore();
    const network = store.current().network;
    store.update('istio', { 'external-gateways': '[]', 'local-gateways': '[]' });
    expect(store.current().istio).toEqual({ ingressGateways: [], localGateways: [] });
    expect(store.current().network).toBe(network);
  });

  test('the constructor takes already parsed values', () => {
    const istio = { ingressGateways: [], localGateways: [] };
    const store = new ConfigStore(istio, defaultNetworkConfig(), ctx);
    expect(store.current().istio).toBe(istio);
    expect(store.update('istio', undefined)).toEqual({ ok: true, value: { changed: true } });
    expect(store.current().istio).toEqual(defaultIstioConfig(ctx));
  });
});
