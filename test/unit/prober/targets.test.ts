import { describe, test, expect } from '@jest/globals';
import type { EndpointSlice } from '../../../src/api/discovery.js';
import {
  DISABLE_PORT_TRANSLATION_LABEL,
  podEndpoints,
  probeTargets,
  readyAddresses,
  serverScheme,
  type GatewayServer,
  type GatewayServiceState,
} from '../../../src/prober/targets.js';

function slice(
  name: string,
  ports: Array<{ name?: string; port: number }>,
  endpoints: Array<[string, boolean | undefined]>,
  addressType = 'IPv4',
): EndpointSlice {
  return {
    metadata: { name },
    addressType,
    ports,
    endpoints: endpoints.map(([ip, ready]) => ({
      addresses: [ip],
      ...(ready === undefined ? {} : { conditions: { ready } }),
    })),
  };
}

const server = (number: number, protocol: string, tls?: GatewayServer['tls']): GatewayServer => ({
  port: { number, protocol },
  ...(tls ? { tls } : {}),
});

describe('which Gateway servers are probed, and how', () => {
  const cases: Array<[string, GatewayServer, string | undefined]> = [
    ['HTTP', server(80, 'HTTP'), 'http'],
    ['HTTP2', server(80, 'HTTP2'), 'http'],
    ['lower-case http', server(80, 'http'), 'http'],
    ['HTTP that redirects to HTTPS is skipped', server(80, 'HTTP', { httpsRedirect: true }), undefined],
    ['HTTP with httpsRedirect false', server(80, 'HTTP', { httpsRedirect: false }), 'http'],
    ['HTTPS SIMPLE', server(443, 'HTTPS', { mode: 'SIMPLE' }), 'https'],
    ['HTTPS without tls block', server(443, 'HTTPS'), 'https'],
    ['HTTPS MUTUAL is skipped (needs a client certificate)', server(443, 'HTTPS', { mode: 'MUTUAL' }), undefined],
    ['TCP is skipped', server(9000, 'TCP'), undefined],
    ['TLS passthrough is skipped', server(443, 'TLS', { mode: 'PASSTHROUGH' }), undefined],
  ];
  test.each(cases)('%s', (_name, s, want) => {
    expect(serverScheme(s)).toBe(want);
  });
});

describe('server port → Service port → EndpointSlice (target) port', () => {
  const gateway: GatewayServiceState = {
    service: {
      labels: {},
      ports: [
        { name: 'http2', port: 80 },
        { name: 'https', port: 443 },
      ],
    },
    slices: [
      slice(
        'a',
        [
          { name: 'http2', port: 8080 },
          { name: 'https', port: 8443 },
        ],
        [
          ['10.0.1.1', true],
          ['10.0.1.2', undefined],
          ['10.0.1.3', false],
        ],
      ),
      // A rollout changing the target port: each slice says where its own pods listen.
      slice('b', [{ name: 'http2', port: 9080 }], [['10.0.2.1', true]]),
    ],
  };

  test('maps by Service port number, then by port name in each slice; only ready (or unknown) endpoints', () => {
    expect(podEndpoints(gateway, 80)).toEqual([
      { ip: '10.0.1.1', port: 8080 },
      { ip: '10.0.1.2', port: 8080 },
      { ip: '10.0.2.1', port: 9080 },
    ]);
    expect(podEndpoints(gateway, 443)).toEqual([
      { ip: '10.0.1.1', port: 8443 },
      { ip: '10.0.1.2', port: 8443 },
    ]);
  });

  test('a server number the Service does not expose has no pods', () => {
    expect(podEndpoints(gateway, 8080)).toEqual([]);
  });

  test('an unnamed single Service port matches the unnamed slice port', () => {
    const unnamed: GatewayServiceState = {
      service: { labels: {}, ports: [{ port: 80 }] },
      slices: [slice('u', [{ port: 8080 }], [['10.0.3.1', true]])],
    };
    expect(podEndpoints(unnamed, 80)).toEqual([{ ip: '10.0.3.1', port: 8080 }]);
  });

  test("with Istio port translation disabled the server number is the pods' port (cluster-local gateway 80 → 8081)", () => {
    const local: GatewayServiceState = {
      service: { labels: { [DISABLE_PORT_TRANSLATION_LABEL]: 'true' }, ports: [{ name: 'http2', port: 80 }] },
      slices: [slice('l', [{ name: 'http2', port: 8081 }], [['10.0.4.1', true]])],
    };
    expect(podEndpoints(local, 8081)).toEqual([{ ip: '10.0.4.1', port: 8081 }]);
    expect(podEndpoints(local, 80)).toEqual([]);
  });

  test('FQDN slices and endpoints without addresses give no pods', () => {
    expect(readyAddresses(slice('f', [{ name: 'http2', port: 80 }], [['gw.example.com', true]], 'FQDN'))).toEqual([]);
    expect(readyAddresses({ metadata: { name: 'e' }, addressType: 'IPv4', endpoints: [{ addresses: [] }] })).toEqual(
      [],
    );
    expect(readyAddresses({ metadata: { name: 'n' }, addressType: 'IPv6', endpoints: null })).toEqual([]);
  });
});

describe('probeTargets', () => {
  const services = new Map<string, GatewayServiceState>([
    [
      'gw/ext',
      {
        service: {
          labels: {},
          ports: [
            { name: 'http2', port: 80 },
            { name: 'https', port: 443 },
          ],
        },
        slices: [
          slice(
            'e',
            [
              { name: 'http2', port: 8080 },
              { name: 'https', port: 8443 },
            ],
            [
              ['10.1.0.1', true],
              ['10.1.0.2', true],
            ],
          ),
        ],
      },
    ],
    [
      'gw/other',
      {
        service: { labels: {}, ports: [{ name: 'http', port: 8000 }] },
        slices: [slice('o', [{ name: 'http', port: 8000 }], [['10.2.0.1', true]])],
      },
    ],
  ]);

  test("one target per pod and probed server, with the visibility's host and the server port; duplicates merged", () => {
    const targets = probeTargets(
      [
        {
          host: 'hello.ns.example.com',
          gateways: [
            { name: 'knative-serving/knative-ingress-gateway', servers: [server(80, 'HTTP')], services: ['gw/ext'] },
            // A per-KIngress Gateway: same http port (merged), an HTTPS server, a redirect (skipped).
            {
              name: 'ns/hello-123',
              servers: [server(80, 'HTTP'), server(443, 'HTTPS', { mode: 'SIMPLE' })],
              services: ['gw/ext'],
            },
            { name: 'ns/hello-456', servers: [server(80, 'HTTP', { httpsRedirect: true })], services: ['gw/ext'] },
          ],
        },
      ],
      services,
    );
    expect(targets).toEqual([
      { service: 'gw/ext', podIP: '10.1.0.1', podPort: 8080, scheme: 'http', host: 'hello.ns.example.com', port: 80 },
      { service: 'gw/ext', podIP: '10.1.0.2', podPort: 8080, scheme: 'http', host: 'hello.ns.example.com', port: 80 },
      { service: 'gw/ext', podIP: '10.1.0.1', podPort: 8443, scheme: 'https', host: 'hello.ns.example.com', port: 443 },
      { service: 'gw/ext', podIP: '10.1.0.2', podPort: 8443, scheme: 'https', host: 'hello.ns.example.com', port: 443 },
    ]);
  });

  test('a Gateway is probed only on the pods of its own Services; a visibility without host, and unknown Services, give nothing', () => {
    const targets = probeTargets(
      [
        {
          host: 'a.example.com',
          gateways: [{ name: 'x/other', servers: [server(8000, 'HTTP')], services: ['gw/other', 'gw/missing'] }],
        },
        { host: undefined, gateways: [{ name: 'x/ext', servers: [server(80, 'HTTP')], services: ['gw/ext'] }] },
      ],
      services,
    );
    expect(targets).toEqual([
      { service: 'gw/other', podIP: '10.2.0.1', podPort: 8000, scheme: 'http', host: 'a.example.com', port: 8000 },
    ]);
  });
});
