// The Knative Serving scenarios, run once per readiness mode (written.test.ts, probe.test.ts): Serving's own
// controllers write the KIngresses from KServices and DomainMappings applied with kubectl (the same objects as
// examples/), and net-higress must take them all the way to Ready. Figures (time from apply to KService Ready,
// net-higress's writes per scenario) are printed as `[serving figures]` lines.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { dump as yamlDump, loadAll as yamlLoadAll } from 'js-yaml';
import { eventually } from '../../harness/kube.js';
import { servingKIngresses } from '../../harness/serving.js';
import { makeCertificate } from '../prober/env.js';
import { condition, exampleDocs, readyNow, ServingEnv, type Obj } from './env.js';
import type { ReadinessMode } from './operator.js';

const NS = 'default';
const INGRESS_LABEL = 'networking.internal.knative.dev/ingress';
const PRIVATE_GATEWAY = 'knative-local-gateway.higress-system.svc.cluster.local';

/** The documents of an example file that a user applies: everything but the KIngress Serving writes from them. */
function userDocs(file: string): Obj[] {
  return (yamlLoadAll(exampleDocs(file)) as Obj[]).filter((d) => d && d.kind !== 'Ingress');
}

/** The KIngress an example file shows: what Serving v0.50.0 writes for its other documents. */
function exampleKIngress(file: string): Obj {
  const ing = (yamlLoadAll(exampleDocs(file)) as Obj[]).find((d) => d?.kind === 'Ingress');
  if (!ing) throw new Error(`examples/${file} has no KIngress`);
  return ing;
}

const asYaml = (docs: unknown[]) => docs.map((d) => yamlDump(d)).join('---\n');

function kservice(name: string, target: string): Obj {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: { name, namespace: NS },
    spec: {
      template: {
        spec: { containers: [{ image: 'ghcr.io/knative/helloworld-go', env: [{ name: 'TARGET', value: target }] }] },
      },
    },
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export function servingScenarios(readiness: ReadinessMode): void {
  const env = new ServingEnv(readiness);
  const figure = (what: string, value: number | string) =>
    console.log(`[serving figures] ${readiness}: ${what}: ${value}`);

  /** Runs a scenario step and reports how many writes net-higress made for it. */
  async function counted<T>(scenario: string, fn: () => Promise<T>): Promise<T> {
    const before = await env.operator.writesByKind();
    const result = await fn();
    const after = await env.operator.writesByKind();
    const delta = [...after]
      .map(([labels, n]) => [labels.replace(/"/g, ''), n - (before.get(labels) ?? 0)] as const)
      .filter(([, n]) => n > 0);
    figure(
      `net-higress writes, ${scenario}`,
      `${delta.reduce((sum, [, n]) => sum + n, 0)} (${delta.map(([l, n]) => `${l}: ${n}`).join('; ')})`,
    );
    return result;
  }

  /** Applies with kubectl and resolves with the ms from the apply to the KService Ready at its new generation. */
  async function applyUntilReady(docs: Obj[], ksvc: string): Promise<number> {
    const start = Date.now();
    env.kubectl(['apply', '-f', '-'], asYaml(docs));
    await env.ready('ksvc', NS, ksvc);
    return Date.now() - start;
  }

  /**
   * Applies a KService with kubectl and polls the chain it sets off; returns when each step was first seen
   * (ms after the apply): Serving's KIngress, net-higress's VirtualService, KIngress Ready, the Route's
   * IngressReady, KService Ready.
   */
  async function follow(
    docs: Obj[],
    name: string,
  ): Promise<Record<'kingress' | 'virtualService' | 'kingressReady' | 'routeIngressReady' | 'ready', number>> {
    const seen = { kingress: 0, virtualService: 0, kingressReady: 0, routeIngressReady: 0, ready: 0 };
    const mark = (step: keyof typeof seen, now: boolean) => {
      if (now && !seen[step]) seen[step] = Date.now() - start;
    };
    const start = Date.now();
    env.kubectl(['apply', '-f', '-'], asYaml(docs));
    await eventually(
      `KService ${name} Ready`,
      async () => {
        const [ing, vs, route, ksvc] = await Promise.all([
          env.get('kingress', NS, name),
          env.get('virtualservice', NS, `${name}-ingress`),
          env.get('route', NS, name),
          env.get('ksvc', NS, name),
        ]);
        mark('kingress', ing !== undefined);
        mark('virtualService', vs !== undefined);
        mark('kingressReady', readyNow(ing));
        mark('routeIngressReady', condition(route, 'IngressReady') === 'True');
        mark('ready', readyNow(ksvc));
        return seen.ready ? true : undefined;
      },
      90_000,
      20,
    );
    return seen;
  }

  /** Optionally keeps what Serving wrote, for reuse outside these tests (NET_HIGRESS_SERVING_KINGRESS_DIR). */
  function keep(name: string, ing: Obj): void {
    const dir = process.env.NET_HIGRESS_SERVING_KINGRESS_DIR;
    if (!dir) return;
    mkdirSync(path.join(dir, readiness), { recursive: true });
    writeFileSync(path.join(dir, readiness, `${name}.yaml`), yamlDump(ing));
  }

  async function kingressReady(name: string): Promise<Obj> {
    return env.ready('kingress', NS, name);
  }

  beforeAll(() => env.setup(), 20 * 60_000);
  afterAll(() => env.teardown(), 60_000);

  describe(`Knative Serving v0.50.0 drives net-higress (--readiness ${readiness})`, () => {
    test('1. a KService: KIngress → VirtualService → KIngress Ready → Route IngressReady → KService Ready', async () => {
      const seen = await counted('1 hello', () => follow(userDocs('hello.yaml'), 'hello'));
      figure('hello: ms after the apply when first seen', JSON.stringify(seen));
      // Polled 20 ms apart: steps seen in one poll share a time, but none comes before the step it needs.
      expect(seen.kingress).toBeGreaterThan(0);
      expect(seen.kingress).toBeLessThanOrEqual(seen.virtualService);
      expect(seen.virtualService).toBeLessThanOrEqual(seen.kingressReady);
      expect(seen.kingressReady).toBeLessThanOrEqual(seen.routeIngressReady);
      expect(seen.routeIngressReady).toBeLessThanOrEqual(seen.ready);
      const ing = await kingressReady('hello');
      keep('hello', ing);
      expect(ing.metadata.annotations?.['networking.knative.dev/ingress.class']).toBe(
        'istio.ingress.networking.knative.dev',
      );
      expect(ing.spec).toEqual(exampleKIngress('hello.yaml').spec);
      expect(ing.status?.privateLoadBalancer).toEqual({ ingress: [{ domainInternal: PRIVATE_GATEWAY }] });
      const vs = await env.get('virtualservice', NS, 'hello-ingress');
      expect(vs?.metadata.labels?.[INGRESS_LABEL]).toBe('hello');
      expect((vs?.spec?.hosts as string[]).sort()).toEqual([
        'hello.default',
        'hello.default.example.com',
        'hello.default.svc',
        'hello.default.svc.cluster.local',
      ]);
      const route = await env.get('route', NS, 'hello');
      expect(condition(route, 'IngressReady')).toBe('True');
      expect(route?.status?.url).toBe('http://hello.default.example.com');
      // The placeholder Service sends in-cluster callers to our private load balancer.
      const placeholder = await env.get('service', NS, 'hello');
      expect(placeholder?.spec).toMatchObject({ type: 'ExternalName', externalName: PRIVATE_GATEWAY });
      if (readiness === 'probe') expect(env.probesAnswered('hello.default.example.com')).toBeGreaterThan(0);
    }, 300_000);

    // Before the traffic split turns tag-header routing on: Serving then adds a default-route header to every
    // new Route's paths, and this KService's KIngress is shown as a default install writes it.
    test('3. a cluster-local KService: bound only to the local gateway', async () => {
      await counted('3 cluster-local', () => applyUntilReady(userDocs('cluster-local.yaml'), 'internal'));
      const ing = await kingressReady('internal');
      keep('cluster-local', ing);
      expect(ing.spec).toEqual(exampleKIngress('cluster-local.yaml').spec);
      // In-cluster callers reach it through the placeholder Service and our private load balancer.
      expect(ing.status?.privateLoadBalancer).toEqual({ ingress: [{ domainInternal: PRIVATE_GATEWAY }] });
      expect((await env.get('service', NS, 'internal'))?.spec).toMatchObject({
        type: 'ExternalName',
        externalName: PRIVATE_GATEWAY,
      });
      const vs = await env.get('virtualservice', NS, 'internal-ingress');
      const gateways = new Set(
        (vs?.spec?.http as Array<{ match: Array<{ gateways: string[] }> }>).flatMap((r) =>
          r.match.flatMap((m) => m.gateways),
        ),
      );
      expect([...gateways]).toEqual(['knative-serving/knative-local-gateway']);
      expect((await env.get('ksvc', NS, 'internal'))?.status?.url).toBe('http://internal.default.svc.cluster.local');
    }, 300_000);

    test('2. a second revision, then 50/50 with a tag: the KIngress and VirtualService follow, Ready again', async () => {
      // As examples/traffic-split.yaml says: tag-header-based routing on. Serving reads config-features when it
      // next reconciles a Route (a change alone re-renders none), here for the new revision.
      env.kubectl([
        'patch',
        'configmap',
        'config-features',
        '-n',
        'knative-serving',
        '--type',
        'merge',
        '-p',
        '{"data":{"tag-header-based-routing":"Enabled"}}',
      ]);
      const [split] = userDocs('traffic-split.yaml') as [Obj];
      const secondRevision = { ...split, spec: { template: split.spec?.template } };
      await counted('2a second revision', () => applyUntilReady([secondRevision], 'hello'));
      expect((await env.get('ksvc', NS, 'hello'))?.status?.latestReadyRevisionName).toBe('hello-00002');
      await counted('2b traffic 50/50 with a tag', () => applyUntilReady([split], 'hello'));
      const ing = await kingressReady('hello');
      keep('traffic-split', ing);
      expect(ing.spec).toEqual(exampleKIngress('traffic-split.yaml').spec);
      const vs = await env.get('virtualservice', NS, 'hello-ingress');
      const text = JSON.stringify(vs?.spec);
      expect(text).toContain('candidate-hello.default.example.com');
      expect(text).toContain('"weight":50');
      expect(text).toContain('"Knative-Serving-Tag":{"exact":"candidate"}');
      const ksvc = await env.get('ksvc', NS, 'hello');
      expect(ksvc?.status?.traffic).toEqual([
        expect.objectContaining({ revisionName: 'hello-00001', percent: 50 }),
        expect.objectContaining({
          revisionName: 'hello-00002',
          percent: 50,
          tag: 'candidate',
          url: 'http://candidate-hello.default.example.com',
        }),
      ]);
    }, 300_000);

    test('4. a DomainMapping (serving.knative.dev/v1beta1) to hello, plain and with its own certificate', async () => {
      await counted('4a DomainMapping', async () => {
        env.kubectl(['apply', '-f', '-'], asYaml(userDocs('domain-mapping.yaml')));
        return env.ready('domainmapping', NS, 'hello.example.org');
      });
      const ing = await kingressReady('hello.example.org');
      keep('domain-mapping', ing);
      expect(ing.spec).toEqual(exampleKIngress('domain-mapping.yaml').spec);
      expect(await env.get('virtualservice', NS, 'hello.example.org-ingress')).toBeDefined();

      // Bring-your-own certificate: Serving puts the Secret into the KIngress; net-higress copies it next to the
      // gateway and writes a Gateway of this KIngress with an HTTPS server.
      const { key, cert } = makeCertificate();
      const secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/tls',
        metadata: {
          name: 'secure-cert',
          namespace: NS,
          labels: { 'networking.internal.knative.dev/certificate-uid': 'byo' },
        },
        data: { 'tls.crt': cert.toString('base64'), 'tls.key': key.toString('base64') },
      };
      const claim = {
        apiVersion: 'networking.internal.knative.dev/v1alpha1',
        kind: 'ClusterDomainClaim',
        metadata: { name: 'secure.example.org' },
        spec: { namespace: NS },
      };
      const mapping = {
        apiVersion: 'serving.knative.dev/v1beta1',
        kind: 'DomainMapping',
        metadata: { name: 'secure.example.org', namespace: NS },
        spec: {
          ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'hello' },
          tls: { secretName: 'secure-cert' },
        },
      };
      await counted('4b DomainMapping with TLS', async () => {
        env.kubectl(['apply', '-f', '-'], asYaml([secret, claim, mapping]));
        return env.ready('domainmapping', NS, 'secure.example.org');
      });
      const secure = await kingressReady('secure.example.org');
      expect(secure.spec?.tls).toEqual([
        { hosts: ['secure.example.org'], secretName: 'secure-cert', secretNamespace: NS },
      ]);
      expect(await env.list('gateway', NS, `${INGRESS_LABEL}=secure.example.org`)).toHaveLength(1);
      expect(await env.list('secret', 'higress-system', `${INGRESS_LABEL}=secure.example.org`)).toHaveLength(1);
    }, 300_000);

    test('5. hello and its DomainMappings deleted: KIngresses, VirtualServices, Gateways and secret copies all gone', async () => {
      const names = ['hello', 'hello.example.org', 'secure.example.org'];
      await counted('5 deletion', async () => {
        env.kubectl(['delete', 'domainmapping', 'hello.example.org', 'secure.example.org', '--wait=false']);
        env.kubectl(['delete', 'ksvc', 'hello', '--wait=false']);
        for (const n of names) await env.gone('kingress', NS, n);
      });
      for (const n of names) {
        expect(await env.list('virtualservice', NS, `${INGRESS_LABEL}=${n}`)).toEqual([]);
        expect(await env.list('gateway', NS, `${INGRESS_LABEL}=${n}`)).toEqual([]);
        expect(await env.list('secret', 'higress-system', `${INGRESS_LABEL}=${n}`)).toEqual([]);
      }
      // The other KService is untouched.
      expect(readyNow(await env.get('kingress', NS, 'internal'))).toBe(true);
    }, 300_000);

    test('time from kubectl apply of a KService to KService Ready, 10 runs', async () => {
      const total: number[] = [];
      const ours: number[] = [];
      for (let i = 0; i < 10; i++) {
        const seen = await follow([kservice(`timed-${i}`, `run ${i}`)], `timed-${i}`);
        total.push(seen.ready);
        // From Serving's KIngress showing up to it being Ready: net-higress's share.
        ours.push(seen.kingressReady - seen.kingress);
        expect(seen.kingress).toBeGreaterThan(0);
        expect(seen.kingressReady).toBeGreaterThanOrEqual(seen.kingress);
      }
      figure('apply → KService Ready, 10 runs (ms)', total.join(' '));
      figure('apply → KService Ready p50 (ms)', median(total));
      figure('KIngress first seen → KIngress Ready, 10 runs (ms)', ours.join(' '));
      figure('KIngress first seen → KIngress Ready p50 (ms)', median(ours));
    }, 300_000);

    test('6. net-higress restarted with 50 KServices Ready: zero writes', async () => {
      const existing = (await env.list('ksvc', NS)).length;
      const more = Array.from({ length: 50 - existing }, (_, i) => kservice(`bulk-${i}`, `bulk ${i}`));
      env.kubectl(['apply', '-f', '-'], asYaml(more));
      for (const k of more) await env.ready('ksvc', NS, k.metadata.name, 300_000);
      const kingresses = (await servingKIngresses(env.cluster, NS)) as Obj[];
      expect(kingresses).toHaveLength(50);
      expect(kingresses.every(readyNow)).toBe(true);

      expect(await env.operator.stop()).toBe(0);
      await env.operator.start();
      // Every KIngress reconciled once by the new process: anything it wanted to change is written by then.
      await eventually(
        '50 reconciles by the new process',
        async () =>
          (await env.operator.counter('net_higress_reconcile_total', { result: 'success' })) >= 50 ? true : undefined,
        120_000,
      );
      figure('net-higress writes, 6 restart with 50 KServices Ready', await env.operator.writes());
      expect(await env.operator.writes()).toBe(0);
      expect((await env.list('kingress', NS)).every(readyNow)).toBe(true);
      expect(env.cluster.kubelet.errors).toEqual([]);
    }, 600_000);
  });
}
