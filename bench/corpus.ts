// The corpus both benchmarks use: KIngresses shaped like the ones Knative Serving creates (cluster-local and
// external rules, tag routes, traffic splits, some TLS), from a seeded generator so every run and every machine
// gets the same objects.

import { readFileSync } from 'node:fs';
import type { Secret } from '../src/api/core.js';
import {
  KINGRESS_API_VERSION,
  KINGRESS_KIND,
  type HTTPIngressPath,
  type IngressBackendSplit,
  type IngressRule,
  type KIngress,
} from '../src/api/kingress.js';
import { keyOf } from '../src/api/meta.js';
import {
  DEFAULT_INGRESS_CLASS,
  INGRESS_CLASS_ANNOTATION,
  ROUTE_LABEL,
  ROUTE_NAMESPACE_LABEL,
} from '../src/translate/constants.js';

/** mulberry32: small, fast, and the same sequence on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CERT_PEM = readFileSync(new URL('../../test/fixtures/certs/host-1.crt', import.meta.url));
const WORDS = ['hello', 'api', 'web', 'orders', 'payments', 'search', 'auth', 'catalog', 'checkout', 'events'];
const TAGS = ['latest', 'candidate', 'blue', 'green', 'canary'];
const PERCENTS: ReadonlyArray<readonly number[]> = [[100], [90, 10], [80, 20], [50, 50], [60, 30, 10], [70, 20, 10]];

export interface Corpus {
  ingresses: KIngress[];
  secrets: Map<string, Secret>;
}

export interface CorpusOptions {
  /** Prefix of the 40 namespaces (`team-0` ... `team-39` by default). */
  namespacePrefix?: string;
  /** Give some KIngresses TLS (default true); the sequence of the other choices does not change. */
  tls?: boolean;
  /** Extra labels on every KIngress. */
  labels?: Record<string, string>;
}

export function makeCorpus(size: number, seed: number, opts: CorpusOptions = {}): Corpus {
  const rand = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const uuid = () =>
    Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16))
      .join('')
      .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
  const ingresses: KIngress[] = [];
  const secrets = new Map<string, Secret>();

  for (let i = 0; i < size; i++) {
    const ns = `${opts.namespacePrefix ?? 'team-'}${Math.floor(rand() * 40)}`;
    const name = `${pick(WORDS)}-${i}`;
    const uid = uuid();
    // Revisions in the split: 1 (most services), 2 (a rollout), 3 (rare).
    const r = rand();
    const percents =
      r < 0.65
        ? [100]
        : r < 0.95
          ? pick(PERCENTS.filter((p) => p.length === 2))
          : pick(PERCENTS.filter((p) => p.length === 3));
    const latest = 1 + Math.floor(rand() * 9) + percents.length;
    const revision = (k: number) => `${name}-${String(latest - k).padStart(5, '0')}`;
    const split = (rev: string, percent?: number): IngressBackendSplit => ({
      serviceNamespace: ns,
      serviceName: rev,
      servicePort: 80,
      ...(percent !== undefined ? { percent } : {}),
      appendHeaders: { 'Knative-Serving-Namespace': ns, 'Knative-Serving-Revision': rev },
    });
    const t = rand();
    const tags = t < 0.7 ? [] : t < 0.95 ? [pick(TAGS)] : [TAGS[0] as string, TAGS[1] as string];
    const clusterLocalOnly = rand() < 0.1;
    const tls = !clusterLocalOnly && rand() < 0.11 && (opts.tls ?? true);

    // Main routes: tag header routes first, then the traffic split (Serving's order).
    const mainPaths: HTTPIngressPath[] = [
      ...tags.map((tag, k): HTTPIngressPath => ({
        headers: { 'Knative-Serving-Tag': { exact: tag } },
        appendHeaders: { 'Knative-Serving-Tag': tag },
        splits: [split(revision(k), 100)],
      })),
      {
        ...(tags.length > 0 ? { appendHeaders: { 'Knative-Serving-Default-Route': 'true' } } : {}),
        splits: percents.map((p, k) => split(revision(k), p)),
      },
    ];
    const localHosts = (host: string) => [`${host}.${ns}`, `${host}.${ns}.svc`, `${host}.${ns}.svc.cluster.local`];
    const rules: IngressRule[] = [{ hosts: localHosts(name), visibility: 'ClusterLocal', http: { paths: mainPaths } }];
    const externalHosts = [`${name}.${ns}.example.com`];
    if (!clusterLocalOnly)
      rules.push({ hosts: [`${name}.${ns}.example.com`], visibility: 'ExternalIP', http: { paths: mainPaths } });
    tags.forEach((tag, k) => {
      const tagPaths: HTTPIngressPath[] = [
        { appendHeaders: { 'Knative-Serving-Tag': tag }, splits: [split(revision(k))] },
      ];
      rules.push({ hosts: localHosts(`${tag}-${name}`), visibility: 'ClusterLocal', http: { paths: tagPaths } });
      if (!clusterLocalOnly) {
        externalHosts.push(`${tag}-${name}.${ns}.example.com`);
        rules.push({
          hosts: [`${tag}-${name}.${ns}.example.com`],
          visibility: 'ExternalIP',
          http: { paths: tagPaths },
        });
      }
    });

    const secretName = `route-${uid}`;
    if (tls) {
      secrets.set(keyOf({ namespace: ns, name: secretName }), {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: secretName,
          namespace: ns,
          uid: uuid(),
          labels: { 'networking.internal.knative.dev/certificate-uid': uuid() },
        },
        type: 'kubernetes.io/tls',
        data: { 'tls.crt': CERT_PEM.toString('base64'), 'tls.key': Buffer.from('throwaway').toString('base64') },
      });
    }
    ingresses.push({
      apiVersion: KINGRESS_API_VERSION,
      kind: KINGRESS_KIND,
      metadata: {
        name,
        namespace: ns,
        uid,
        generation: 1 + Math.floor(rand() * 5),
        labels: {
          [ROUTE_LABEL]: name,
          [ROUTE_NAMESPACE_LABEL]: ns,
          'serving.knative.dev/service': name,
          ...opts.labels,
        },
        annotations: {
          [INGRESS_CLASS_ANNOTATION]: DEFAULT_INGRESS_CLASS,
          'serving.knative.dev/creator': 'admin',
          'networking.internal.knative.dev/rollout': '{}',
        },
      },
      spec: {
        ...(tls ? { tls: [{ hosts: externalHosts, secretName, secretNamespace: ns }] } : {}),
        rules,
        httpOption: tls && rand() < 0.5 ? 'Redirected' : 'Enabled',
      },
    });
  }
  return { ingresses, secrets };
}
