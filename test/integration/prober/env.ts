// The operator with the real prober, on the real API server, in front of stand-in Higress gateway pods
// that have their own addresses (netns.ts) and are registered through EndpointSlices of gateway Services
// named in config-istio. Everything is unique per test file: namespaces, ingress class, subnet.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isNotFound } from '../../../src/kube/errors.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { newProber, type Prober } from '../../../src/prober/index.js';
import { createTestNamespace, eventually } from '../../harness/kube.js';
import { isReady, TestEnv, type Wire } from '../operator/env.js';
import { PodNetwork } from './netns.js';
import { ConfigFeed, LISTENERS, StandInPod, type ListenerKind, type RequestRecord } from './standin.js';

export const EXTERNAL_SERVICE = 'gw-external';
const LOCAL_SERVICE = 'gw-local';
const DISCOVERY = 'discovery.k8s.io/v1';

export class ProberEnv {
  readonly base = new TestEnv();
  readonly metrics = new Metrics({ defaultMetrics: false });
  gatewayNamespace = '';
  ns = '';
  pods: StandInPod[] = [];
  network: PodNetwork | undefined;
  prober: Prober | undefined;
  tls: { key: Buffer; cert: Buffer } = { key: Buffer.alloc(0), cert: Buffer.alloc(0) };
  private feed: ConfigFeed | undefined;

  get rest() {
    return this.base.rest;
  }

  async setup(podCount = 3): Promise<void> {
    this.tls = makeCertificate();
    await this.base.setup();
    const sys = this.base.systemNamespace;
    this.gatewayNamespace = await createTestNamespace('higress');
    this.ns = await createTestNamespace('prober');
    const client = this.base.client;
    const selector = { app: 'higress-gateway', higress: 'higress-system-higress-gateway' };
    // Higress's gateway Service (80 → 8080, 443 → 8443) and our cluster-local one (80 → 8081, Istio port translation off).
    await client.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: EXTERNAL_SERVICE, namespace: this.gatewayNamespace },
      spec: {
        selector,
        ports: [
          { name: 'http2', port: 80, targetPort: 8080 },
          { name: 'https', port: 443, targetPort: 8443 },
        ],
      },
    });
    await client.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: LOCAL_SERVICE,
        namespace: this.gatewayNamespace,
        labels: { 'experimental.istio.io/disable-gateway-port-translation': 'true' },
      },
      spec: { selector, ports: [{ name: 'http2', port: 80, targetPort: 8081 }] },
    });
    // The shared Gateways the chart installs.
    const shared = (name: string, port: number) => ({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'Gateway',
      metadata: { name, namespace: sys },
      spec: {
        selector: { higress: selector.higress },
        servers: [{ hosts: ['*'], port: { name: 'http', number: port, protocol: 'HTTP' } }],
      },
    });
    await client.create(shared('knative-ingress-gateway', 80));
    await client.create(shared('knative-local-gateway', 8081));
    await client.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config-istio', namespace: sys },
      data: {
        'external-gateways': `- namespace: ${sys}\n  name: knative-ingress-gateway\n  service: ${EXTERNAL_SERVICE}.${this.gatewayNamespace}.svc.cluster.local\n`,
        'local-gateways': `- namespace: ${sys}\n  name: knative-local-gateway\n  service: ${LOCAL_SERVICE}.${this.gatewayNamespace}.svc.cluster.local\n`,
      },
    });

    this.network = PodNetwork.create(podCount);
    const specs = this.network.addresses.flatMap((host) => LISTENERS.map((l) => ({ host, port: l.containerPort })));
    const sockets = await this.network.listen(specs);
    this.feed = new ConfigFeed(this.rest, [this.ns], [sys, this.ns]);
    await this.feed.start();
    this.pods = this.network.addresses.map(
      (ip, i) =>
        new StandInPod(
          ip,
          this.feed!,
          this.tls,
          new Map(LISTENERS.map((l, j) => [l.containerPort, sockets[i * LISTENERS.length + j]!])),
        ),
    );
    await this.setEndpoints(this.network.addresses);

    await this.startOperator();
  }

  /** The operator with a fresh prober (no probing state), as after a restart of net-higress. */
  async startOperator(maxRetryDelayMs?: number, explainAfterMs?: number): Promise<void> {
    this.prober = newProber(this.rest, {
      clusterDomain: 'cluster.local',
      log: this.base.logs.logger,
      metrics: this.metrics,
      onReady: (key) => this.base.operator?.requeue(key),
      ...(maxRetryDelayMs ? { maxRetryDelayMs } : {}),
      ...(explainAfterMs !== undefined ? { explainAfterMs } : {}),
    });
    await this.base.startOperator({}, this.prober, this.metrics);
  }

  async stopOperator(): Promise<void> {
    await this.base.stopOperator();
    await this.prober?.stop();
    this.prober = undefined;
  }

  async teardown(): Promise<void> {
    await this.stopOperator();
    await this.feed?.stop();
    for (const p of this.pods) p.close();
    await this.network?.close();
    await this.base.teardown();
  }

  /** The EndpointSlices of both gateway Services list exactly these pods (others may be listed not ready). */
  async setEndpoints(ready: string[], notReady: string[] = []): Promise<void> {
    const endpoints = [
      ...ready.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
      ...notReady.map((ip) => ({ addresses: [ip], conditions: { ready: false } })),
    ];
    await this.putSlice(EXTERNAL_SERVICE, endpoints, [
      { name: 'http2', port: 8080, protocol: 'TCP' },
      { name: 'https', port: 8443, protocol: 'TCP' },
    ]);
    await this.putSlice(LOCAL_SERVICE, endpoints, [{ name: 'http2', port: 8081, protocol: 'TCP' }]);
  }

  async putSlice(service: string, endpoints: unknown[], ports: unknown[], name = `${service}-pods`): Promise<void> {
    const slice = {
      apiVersion: DISCOVERY,
      kind: 'EndpointSlice',
      metadata: {
        name,
        namespace: this.gatewayNamespace,
        labels: { 'kubernetes.io/service-name': service, 'endpointslice.kubernetes.io/managed-by': 'net-higress-test' },
      },
      addressType: 'IPv4',
      endpoints,
      ports,
    } as unknown as Wire;
    const existing = await this.base.get(DISCOVERY, 'EndpointSlice', this.gatewayNamespace, name);
    if (existing)
      await this.base.client.update({
        ...slice,
        metadata: { ...slice.metadata, resourceVersion: existing.metadata.resourceVersion },
      });
    else await this.base.client.create(slice);
  }

  async deleteSlice(name: string): Promise<void> {
    try {
      await this.base.client.delete({
        apiVersion: DISCOVERY,
        kind: 'EndpointSlice',
        namespace: this.gatewayNamespace,
        name,
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Resets the pods between scenarios: no delay, taking config, HTTPS up, request logs cleared. */
  resetPods(): void {
    for (const p of this.pods) {
      p.delayMs = 0;
      p.httpsUnavailable = false;
      p.keyAuth = undefined;
      p.unfreeze();
      p.requests.length = 0;
    }
  }

  kingress(name: string, extra: Record<string, unknown> = {}, revision = `${name}-00001`): Wire {
    return this.base.servingKIngress(this.ns, name, [{ revision, percent: 100 }], extra);
  }

  /** Resolves with the time the KIngress was first seen Ready at `generation` (polled every 10 ms). */
  readyAt(name: string, generation: number, timeoutMs = 30_000): Promise<number> {
    return eventually(
      `KIngress ${this.ns}/${name} Ready at generation ${generation}`,
      async () => {
        const ing = await this.base.kingress(this.ns, name);
        return isReady(ing) && ing?.metadata.generation === generation ? Date.now() : undefined;
      },
      timeoutMs,
      10,
    );
  }

  async status(name: string): Promise<Wire | undefined> {
    return this.base.kingress(this.ns, name);
  }

  /** The VirtualService's probe hash: what every pod must echo. */
  async hashOf(name: string, after?: string): Promise<string> {
    return eventually(`VirtualService ${name}-ingress with a new hash`, async () => {
      const vs = await this.base.virtualService(this.ns, `${name}-ingress`);
      const routes = (vs?.spec?.http ?? []) as Array<{ headers?: { request?: { set?: Record<string, string> } } }>;
      const hash = routes.map((r) => r.headers?.request?.set?.['K-Network-Hash']).find((h) => h !== undefined);
      return hash !== undefined && hash !== after ? hash : undefined;
    });
  }

  /** Probe requests the pods received for `host` (any port), optionally only on one listener. */
  probesFor(host: string, listener?: ListenerKind): RequestRecord[] {
    return this.pods.flatMap((p) => p.probes(listener)).filter((r) => r.host.startsWith(`${host}:`));
  }

  /** When the last pod started serving `hash`; throws if one never did. */
  lastServing(hash: string, pods = this.pods): number {
    return Math.max(
      ...pods.map((p) => {
        const t = p.servingSince.get(hash);
        if (t === undefined) throw new Error(`pod ${p.ip} never served ${hash}`);
        return t;
      }),
    );
  }
}

/** A throwaway self-signed certificate for the stand-ins' HTTPS and the KIngress TLS secret. */
export function makeCertificate(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(path.join(tmpdir(), 'prober-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=stand-in gateway',
        '-addext',
        'subjectAltName=DNS:gateway.example.com',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
