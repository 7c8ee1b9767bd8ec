import { describe, test, expect } from '@jest/globals';
import { listProbeTargets } from '../../../src/prober/discovery.js';
import { higressCluster, translated } from './fakes.js';

describe('probe targets of a translated KIngress', () => {
  test('external rules through the ingress gateway, cluster-local rules through the local gateway, each with its first sorted host', async () => {
    const { ing, desired } = translated();
    const { targets, missingServices } = await listProbeTargets(
      ing,
      desired,
      higressCluster(['10.0.0.1', '10.0.0.2']),
      'cluster.local',
    );
    expect(missingServices).toEqual([]);
    expect(targets).toEqual([
      {
        service: 'higress-system/higress-gateway',
        podIP: '10.0.0.1',
        podPort: 8080,
        scheme: 'http',
        host: 'hello.ns.example.com',
        port: 80,
      },
      {
        service: 'higress-system/higress-gateway',
        podIP: '10.0.0.2',
        podPort: 8080,
        scheme: 'http',
        host: 'hello.ns.example.com',
        port: 80,
      },
      // Expanded and sorted: hello.ns < hello.ns.svc < hello.ns.svc.cluster.local.
      {
        service: 'higress-system/knative-local-gateway',
        podIP: '10.0.0.1',
        podPort: 8081,
        scheme: 'http',
        host: 'hello.ns',
        port: 8081,
      },
      {
        service: 'higress-system/knative-local-gateway',
        podIP: '10.0.0.2',
        podPort: 8081,
        scheme: 'http',
        host: 'hello.ns',
        port: 8081,
      },
    ]);
  });

  test("TLS: the per-KIngress Gateway's HTTPS and HTTP servers on the ingress gateway pods; the shared Gateway is not bound, so not read", async () => {
    const { ing, desired } = translated({
      tls: [{ hosts: ['hello.ns.example.com'], secretName: 'tls', secretNamespace: 'ns' }],
    });
    const cluster = higressCluster(['10.0.0.1']);
    const { targets } = await listProbeTargets(ing, desired, cluster, 'cluster.local');
    expect(targets.filter((t) => t.service === 'higress-system/higress-gateway')).toEqual([
      {
        service: 'higress-system/higress-gateway',
        podIP: '10.0.0.1',
        podPort: 8443,
        scheme: 'https',
        host: 'hello.ns.example.com',
        port: 443,
      },
      {
        service: 'higress-system/higress-gateway',
        podIP: '10.0.0.1',
        podPort: 8080,
        scheme: 'http',
        host: 'hello.ns.example.com',
        port: 80,
      },
    ]);
    expect(cluster.gatewayReads).toEqual(['knative-serving/knative-local-gateway']);
  });

  test('httpOption Redirected: the redirecting server is skipped, only cluster-local targets remain', async () => {
    const { ing, desired } = translated({ httpOption: 'Redirected' });
    const { targets } = await listProbeTargets(ing, desired, higressCluster(['10.0.0.1']), 'cluster.local');
    expect(targets.map((t) => `${t.scheme}://${t.host}:${t.port}`)).toEqual(['http://hello.ns:8081']);
  });

  test('no ready pods: no targets and no Gateway read; a missing local Service is reported, not fatal', async () => {
    const { ing, desired } = translated();
    const cluster = higressCluster([]);
    cluster.services.delete('higress-system/knative-local-gateway');
    const listed = await listProbeTargets(ing, desired, cluster, 'cluster.local');
    expect(listed).toEqual({ targets: [], missingServices: ['higress-system/knative-local-gateway'] });
    expect(cluster.gatewayReads).toEqual([]);
  });

  test('a bound shared Gateway that does not exist, with pods to probe, is an error naming it', async () => {
    const { ing, desired } = translated();
    const cluster = higressCluster(['10.0.0.1']);
    cluster.gateways.delete('knative-serving/knative-ingress-gateway');
    await expect(listProbeTargets(ing, desired, cluster, 'cluster.local')).rejects.toThrow(
      'failed to get Gateway "knative-serving/knative-ingress-gateway": not found',
    );
  });
});
