import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import type { Secret } from '../../../src/api/core.js';
import { gatewaySchema, type Gateway, type Server } from '../../../src/api/istio.js';
import { defaultIstioConfig, type IstioConfig } from '../../../src/config/istio.js';
import { makeHTTPServer, makeTLSServers, makeWildcardGateway } from '../../../src/translate/gateway.js';
import {
  httpServerOf,
  PLACEHOLDER_SERVER,
  serversOfIngress,
  updateGatewayServers,
} from '../../../src/translate/shared-gateway.js';
import { certificateDNSNames, isWildcardCertificate } from '../../../src/translate/tls.js';
import { translate } from '../../../src/translate/translate.js';
import { defaultIngress, kingress, rule, split } from './fixtures.js';

const cert = (name: string) =>
  Buffer.from(readFileSync(new URL(`../../fixtures/certs/${name}.crt`, import.meta.url))).toString('base64');
const secret = (name: string, namespace: string, crt: string, uid = ''): Secret => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace, ...(uid ? { uid } : {}) },
  type: 'kubernetes.io/tls',
  data: { 'tls.crt': crt, 'tls.key': 'eA==' },
});

// net-istio's gateway test fixtures, so each case can be set against its upstream twin.
const ingressResource = (labels?: Record<string, string>, extra: object = {}) =>
  kingress(
    'ingress',
    'test-ns',
    [rule(['host1.example.com'], 'ExternalIP', [{ splits: [split('s', 'test-ns', 80, 100)] }])],
    { tls: [{ hosts: ['host1.example.com'], secretName: 'secret0', secretNamespace: 'knative-testing' }], ...extra },
    labels,
  );
const secret0 = secret('secret0', 'knative-testing', cert('host-1'));
const origins = new Map([['knative-testing/secret0', secret0]]);
const selector = { istio: 'ingressgateway' };
const svc = (namespace: string, name = 'istio-ingressgateway') => ({ namespace, name, selector });
const tlsServer = (credentialName: string, name = 'test-ns/ingress:0', hosts = ['host1.example.com']): Server => ({
  hosts,
  port: { name, number: 443, protocol: 'HTTPS' },
  tls: { mode: 'SIMPLE', credentialName },
});
const gw = (servers: Server[]): Gateway => ({
  apiVersion: 'networking.istio.io/v1beta1',
  kind: 'Gateway',
  metadata: { name: 'g', namespace: 'n' },
  spec: { selector, servers },
});

describe('MakeTLSServers', () => {
  const ing = ingressResource();
  const tls = ing.spec.tls ?? [];
  test('secret namespace differs from the gateway Service namespace: credential is the copy', () => {
    expect(makeTLSServers(ing, tls, svc('istio-system'), 443, origins)).toEqual([tlsServer('ingress-')]);
  });
  test('same namespace: credential is the secret itself; port name from ingress namespace/name', () => {
    expect(makeTLSServers(ing, tls, svc('knative-testing'), 443, origins)).toEqual([tlsServer('secret0')]);
  });
  test('origin secret missing', () => {
    expect(() => makeTLSServers(ing, tls, svc('istio-system'), 443, new Map())).toThrow(
      'unable to get the original secret knative-testing/secret0',
    );
  });
  test('servers sort by port name, so :10 comes before :2', () => {
    const many = Array.from({ length: 11 }, () => ({
      hosts: ['host1.example.com'],
      secretName: 'secret0',
      secretNamespace: 'knative-testing',
    }));
    const names = makeTLSServers(ing, many, svc('knative-testing'), 443, origins).map((s) => s.port.name);
    expect(names.slice(0, 4)).toEqual([
      'test-ns/ingress:0',
      'test-ns/ingress:1',
      'test-ns/ingress:10',
      'test-ns/ingress:2',
    ]);
  });
});

describe('MakeHTTPServer', () => {
  test.each([
    ['Enabled', undefined],
    ['Redirected', { httpsRedirect: true }],
    // Upstream returns no server for ""; Knative says "" behaves like Enabled, so we serve plain HTTP.
    ['', undefined],
  ])('httpOption %j', (httpOption, tls) => {
    const server = makeHTTPServer(defaultIngress(ingressResource(undefined, { httpOption })));
    expect(server).toEqual({
      hosts: ['host1.example.com'],
      port: { name: 'http-server', number: 80, protocol: 'HTTP' },
      ...(tls ? { tls } : {}),
    });
  });
});

describe('wildcard certificates', () => {
  const wildcard = secret('secret0', 'knative-testing', cert('wildcard'), 'wuid');
  test('secret namespace differs from the Service namespace', () => {
    expect(makeWildcardGateway(wildcard, certificateDNSNames(wildcard), svc('istio-system'))).toEqual({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'Gateway',
      metadata: {
        name: 'wildcard-4fec104d',
        namespace: 'knative-testing',
        ownerReferences: [
          {
            apiVersion: 'v1',
            kind: 'Secret',
            name: 'secret0',
            uid: 'wuid',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        selector,
        servers: [
          {
            hosts: ['*.example.com', 'example.com'],
            port: { name: 'https', number: 443, protocol: 'HTTPS' },
            tls: { mode: 'SIMPLE', credentialName: 'knative-testing--secret0-wildcard' },
          },
        ],
      },
    });
  });
  test('same namespace', () => {
    const gateway = makeWildcardGateway(wildcard, certificateDNSNames(wildcard), svc('knative-testing'));
    expect(gateway.metadata.name).toBe('wildcard-81111170');
    expect(gateway.spec.servers[0]?.tls?.credentialName).toBe('secret0');
  });
  test('categorisation: any SAN with a * first label; bad input is an error', () => {
    expect(isWildcardCertificate(wildcard)).toBe(true);
    expect(isWildcardCertificate(secret0)).toBe(false);
    expect(() => isWildcardCertificate(secret('x', 'ns', Buffer.from('not pem').toString('base64')))).toThrow(
      'failed to decode PEM data for secret ns/x',
    );
    expect(() =>
      isWildcardCertificate(
        secret(
          'x',
          'ns',
          Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n').toString('base64'),
        ),
      ),
    ).toThrow('failed to parse certificate for secret ns/x');
    expect(() => isWildcardCertificate(secret('x', 'ns', cert('no-dns')))).toThrow(
      'certificate should have DNS names, but it has 0',
    );
  });
});

describe('per-KIngress Gateways through translate', () => {
  const services: Record<string, Record<string, string>> = {
    'istio-system/istio-ingressgateway': { istio: 'ingressgateway' },
    'knative-testing/istio-ingressgateway': { istio: 'ingressgateway' },
    'aNamespace/gateway1': { istio: 'ingressgateway1' },
    'aNamespace/gateway2': { istio: 'ingressgateway2' },
  };
  const istio = (external: IstioConfig['ingressGateways']): IstioConfig => ({
    ingressGateways: external,
    localGateways: [],
  });
  const defaultConfig = istio([
    {
      namespace: 'knative-serving',
      name: 'knative-ingress-gateway',
      serviceURL: 'istio-ingressgateway.istio-system.svc.cluster.local',
    },
  ]);
  const run = (ing: ReturnType<typeof ingressResource>, config: IstioConfig) => {
    const result = translate(
      defaultIngress(ing),
      {
        istio: config,
        gatewayService: (ref) => {
          const s = services[`${ref.namespace}/${ref.name}`];
          return s ? { selector: s } : undefined;
        },
        secret: (ref) => (ref.namespace === 'knative-testing' && ref.name === 'secret0' ? secret0 : undefined),
      },
      {
        clusterDomain: 'cluster.local',
        systemNamespace: 'knative-serving',
        meshVirtualService: false,
        clusterLocalDomainTLS: false,
      },
    );
    if (!result.ok) throw new Error(result.error);
    return result.value;
  };
  const filtered = istio([
    {
      namespace: 'aNamespace',
      name: 'gateway1',
      serviceURL: 'gateway1.aNamespace.svc.cluster.local',
      labelSelector: { matchExpressions: [{ key: 'exposition', operator: 'In', values: ['special'] }] },
    },
    { namespace: 'aNamespace', name: 'gateway2', serviceURL: 'gateway2.aNamespace.svc.cluster.local' },
  ]);

  test('HTTP server only (Redirected, no TLS) on the default gateway (#18, #22)', () => {
    const d = run(ingressResource(undefined, { tls: undefined, httpOption: 'Redirected' }), defaultConfig);
    expect(d.gateways.map((g) => [g.metadata.name, g.metadata.namespace, g.spec.selector])).toEqual([
      ['ingress-3797421420', 'test-ns', { istio: 'ingressgateway' }],
    ]);
    expect(d.gateways[0]?.metadata.labels).toEqual({ 'networking.internal.knative.dev/ingress': 'ingress' });
    expect(d.gateways[0]?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Ingress',
      name: 'ingress',
      controller: true,
    });
    expect(d.gatewayNames.external).toEqual(['test-ns/ingress-3797421420']);
  });

  test('a selector gateway matching the KIngress labels replaces the default (#20, #21)', () => {
    const d = run(ingressResource({ exposition: 'special' }, { tls: undefined, httpOption: 'Redirected' }), filtered);
    expect(d.gateways.map((g) => [g.metadata.name, g.spec.selector])).toEqual([
      ['ingress-1224738625', { istio: 'ingressgateway1' }],
    ]);
    expect(d.loadBalancers.public).toEqual([{ domainInternal: 'gateway1.aNamespace.svc.cluster.local' }]);
  });

  test('no selector matches: the default gateway is used', () => {
    const d = run(ingressResource({ exposition: 'other' }, { tls: undefined }), filtered);
    expect(d.gateways).toEqual([]);
    expect(d.gatewayNames.external).toEqual(['aNamespace/gateway2']);
  });

  test('TLS gateway, secret copied (#23)', () => {
    const d = run(ingressResource(undefined, { httpOption: 'Enabled' }), defaultConfig);
    expect(d.gateways.map((g) => g.metadata.name)).toEqual(['ingress-3797421420']);
    expect(d.gateways[0]?.spec.servers).toEqual([
      tlsServer('ingress-'),
      { hosts: ['host1.example.com'], port: { name: 'http-server', number: 80, protocol: 'HTTP' } },
    ]);
    expect(d.secretCopies.map((s) => `${s.metadata.namespace}/${s.metadata.name}`)).toEqual(['istio-system/ingress-']);
  });

  test('TLS gateway, secret in the gateway namespace (#24)', () => {
    const d = run(
      ingressResource(),
      istio([
        {
          namespace: 'knative-serving',
          name: 'g',
          serviceURL: 'istio-ingressgateway.knative-testing.svc.cluster.local',
        },
      ]),
    );
    expect(d.gateways.map((g) => g.metadata.name)).toEqual(['ingress-182652559']);
    expect(d.gateways[0]?.spec.servers[0]?.tls?.credentialName).toBe('secret0');
    expect(d.secretCopies).toEqual([]);
  });

  test('missing gateway Service is an error naming it', () => {
    const result = translate(
      defaultIngress(ingressResource()),
      {
        istio: defaultIstioConfig({ systemNamespace: 'knative-serving', clusterDomain: 'cluster.local' }),
        gatewayService: () => undefined,
        secret: () => secret0,
      },
      {
        clusterDomain: 'cluster.local',
        systemNamespace: 'knative-serving',
        meshVirtualService: false,
        clusterLocalDomainTLS: false,
      },
    );
    expect(result).toEqual({ ok: false, error: 'service "higress-gateway" not found' });
  });

  test('every Gateway parses with our Istio schema', () => {
    for (const g of run(ingressResource(), defaultConfig).gateways)
      expect(gatewaySchema.safeParse(g).success).toBe(true);
  });
});

describe('shared Gateway editing', () => {
  const host1 = tlsServer('secret0', 'test-ns/ingress:0', ['host1']);
  const host2 = tlsServer('secret0', 'test-ns/non-ingress:0', ['host2']);
  const httpServer: Server = { hosts: ['*'], port: { name: 'http-server', number: 80, protocol: 'HTTP' } };

  test('servers of a KIngress (#1) and the HTTP server (#2)', () => {
    expect(serversOfIngress(gw([host1, host2]), 'test-ns', 'ingress')).toEqual([host1]);
    expect(httpServerOf(gw([host1, host2, httpServer]))).toEqual(httpServer);
  });

  const hostNew = tlsServer('secret0', 'test-ns/ingress:0', ['host-new']);
  const modified: Server = {
    hosts: ['added.by.user.example.com'],
    port: { name: 'https', number: 443, protocol: 'HTTPS' },
    tls: { mode: 'SIMPLE' },
  };
  const clusterIngress = tlsServer('secret0', 'clusteringress:0', ['host1']);
  test.each([
    ['update servers', [host1, host2], [hostNew], [host1], [hostNew, host2]],
    ['delete servers', [host1, host2], [], [host1], [host2]],
    ['no real servers left', [host1, host2], [], [host1, host2], [PLACEHOLDER_SERVER]],
    ['placeholder replaced', [PLACEHOLDER_SERVER as Server], [host1], [], [host1]],
    ['modified wildcard servers are kept', [modified], [clusterIngress], [], [clusterIngress, modified]],
  ])('%s', (_n, servers, want, existing, expected) => {
    expect(updateGatewayServers(gw(servers), want, existing).spec.servers).toEqual(expected);
  });
});
