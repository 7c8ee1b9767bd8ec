import { describe, expect, test } from '@jest/globals';
import {
  adler32,
  childName,
  gatewayName,
  ingressVirtualServiceName,
  meshVirtualServiceName,
  originSecretNameLabelValue,
  secretCopyName,
  tlsPortName,
  wildcardGatewayName,
  wildcardSecretCopyName,
} from '../../../src/translate/names.js';

const istio = { namespace: 'istio-system', name: 'istio-ingressgateway' };

describe('names', () => {
  test('VirtualService names ignore the namespace', () => {
    expect(ingressVirtualServiceName('foo')).toBe('foo-ingress');
    expect(meshVirtualServiceName('foo')).toBe('foo-mesh');
  });

  test('childName of a long parent: head + md5 + suffix, 63 chars', () => {
    const parent = 'a'.repeat(60);
    const name = childName(parent, '-ingress');
    expect(name).toHaveLength(63);
    expect(name.startsWith('a'.repeat(23))).toBe(true);
    expect(name.endsWith('-ingress')).toBe(true);
    expect(childName('a'.repeat(55), '-ingress')).toBe(`${'a'.repeat(55)}-ingress`);
  });

  test('adler32 of a known string', () => {
    expect(adler32('Wikipedia')).toBe(0x11e60398);
    expect(String(adler32('ingress.com'))).toBe('451478633');
  });

  test.each([
    ['ingress', 'ExternalIP', istio, 'ingress-3797421420'],
    ['ingress', 'ClusterLocal', istio, 'ingress-975966116'],
    ['ingress', 'ExternalIP', { namespace: 'istio-system', name: 'gateway' }, 'ingress-1428293660'],
    ['ingress', 'ClusterLocal', { namespace: 'istio-system', name: 'gateway' }, 'ingress-2366048852'],
    ['ingress', 'ExternalIP', { namespace: 'knative-testing', name: 'istio-ingressgateway' }, 'ingress-182652559'],
    ['reconciling-ingress', 'ExternalIP', istio, 'reconciling-ingress-3797421420'],
    ['reconciling-ingress', 'ClusterLocal', istio, 'reconciling-ingress-975966116'],
    ['ingress', 'ExternalIP', { namespace: 'aNamespace', name: 'gateway1' }, 'ingress-1224738625'],
    [
      'areallyverylongdomainnamethatexcd8923dee789a086a0ac46d3046cbec7',
      'ExternalIP',
      { namespace: 'istio-system', name: 'gateway' },
      'areallyverylongdomainnamethatexcd8923dee789a086a0ac4-1428293660',
    ],
  ])('gatewayName(%s, %s, %j) = %s', (name, vis, svc, want) => {
    expect(gatewayName(name, vis, svc)).toBe(want);
  });

  test('gatewayName of a name that is not a DNS label uses its adler32', () => {
    expect(gatewayName('ingress.com', 'ExternalIP', istio)).toBe('451478633-3797421420');
    expect(tlsPortName('test-ns', 'ingress.com', 0)).toBe('test-ns/451478633:0');
    expect(tlsPortName('test-ns', 'reconciling-ingress', 2)).toBe('test-ns/reconciling-ingress:2');
  });

  test('wildcard names', () => {
    expect(wildcardGatewayName('secret0', istio)).toBe('wildcard-4fec104d');
    expect(wildcardGatewayName('secret0', { namespace: 'knative-testing', name: 'istio-ingressgateway' })).toBe(
      'wildcard-81111170',
    );
    expect(wildcardSecretCopyName({ namespace: 'knative-serving', name: 'test-secret' })).toBe(
      'knative-serving--test-secret-wildcard',
    );
  });

  test('secret copy names and long origin names', () => {
    expect(secretCopyName('ingress', '1234')).toBe('ingress-1234');
    expect(originSecretNameLabelValue('a-really-long-secret-name-that-exceeds-a-length-of-63-characters')).toBe(
      'a-really-long-secret-name-that-exceeds-a-length-of-63--16521092',
    );
    expect(originSecretNameLabelValue('short')).toBe('short');
  });
});
