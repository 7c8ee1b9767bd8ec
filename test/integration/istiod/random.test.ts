// A few hundred random valid KIngresses (the property tests' generator), through net-higress's controller,
// into upstream istiod run as Higress runs it: every route, virtual host and cluster the gateway receives must
// be what the written VirtualServices and Gateways say.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type { KIngress } from '../../../src/api/kingress.js';
import { CERTIFICATE_UID_LABEL } from '../../../src/translate/constants.js';
import { expandedHosts, hasValidTopLevelDomain } from '../../../src/translate/hosts.js';
import type { Verdict } from '../../harness/gateway-oracle.js';
import { istioBinaries } from '../../harness/istiod.js';
import type { GatewayXds } from '../../harness/xds.js';
import type { Wire } from '../operator/env.js';
import { kingressArb, TLS_SECRET_NAMES } from '../../unit/translate/arbitraries.js';
import { backingServicesOf, GatewayWorld } from './env.js';

const COUNT = Number(process.env.NET_HIGRESS_ISTIOD_RANDOM_COUNT || 500);
const SEED = Number(process.env.NET_HIGRESS_ISTIOD_RANDOM_SEED || 20261201);
const NAMESPACES = 4;

const world = new GatewayWorld();
let placed: Wire[] = [];
let verdict: Verdict;
let xds: GatewayXds;

/** A DNS-1035 label (what a Service name must be): Knative's revision names are, random labels need not be. */
const serviceName = (name: string) => (/^[a-z]/.test(name) ? name : `s${name}`.slice(0, 63).replace(/-+$/, ''));

/**
 * Random KIngresses moved into this file's namespaces: splits to Services there, TLS Secrets there; a KIngress
 * sharing a host with an earlier one is left out (two KIngresses claiming one host is a conflict Istio resolves
 * by merging, not what this test is about).
 */
function place(ings: KIngress[], namespaces: string[]): Wire[] {
  const taken = new Set<string>();
  const names = new Set<string>();
  const out: Wire[] = [];
  ings.forEach((ing, i) => {
    // The wildcard certificate (`*.example.com`) lives in the first namespace only: the same wildcard host on
    // port 443 in two namespaces' Gateways is a conflict in which istiod keeps only one server.
    const wildcard = (ing.spec.tls ?? []).some((t) => t.secretName === 'wildcard-cert');
    const namespace = wildcard ? namespaces[0]! : namespaces[i % namespaces.length]!;
    const hosts = expandedHosts(
      (ing.spec.rules ?? []).flatMap((r) => r.hosts ?? []),
      'cluster.local',
    );
    const tlsHosts = (ing.spec.tls ?? []).flatMap((t) => t.hosts ?? []);
    // An IP or all-digit top-level domain: the VirtualService leaves it out, the per-KIngress Gateway keeps it (as
    // net-istio's does), and Istio's validation rejects such a Gateway (istioctl analyze IST0106). Left out here.
    const all = [...(ing.spec.rules ?? []).flatMap((r) => r.hosts ?? []), ...tlsHosts];
    if (!all.every(hasValidTopLevelDomain)) return;
    // Two TLS entries naming one host: istiod drops the later HTTPS server (analyze: IST0145). Serving never does it.
    if (new Set(tlsHosts).size !== tlsHosts.length) return;
    if ([...hosts, ...tlsHosts].some((h) => taken.has(h)) || names.has(`${namespace}/${ing.metadata.name}`)) return;
    for (const h of [...hosts, ...tlsHosts]) taken.add(h);
    names.add(`${namespace}/${ing.metadata.name}`);
    const moved = structuredClone(ing) as unknown as Wire & KIngress;
    moved.metadata.namespace = namespace;
    for (const path of (moved.spec.rules ?? []).flatMap((r) => r.http?.paths ?? [])) {
      for (const split of path.splits ?? []) {
        split.serviceNamespace = namespace;
        split.serviceName = serviceName(split.serviceName);
      }
    }
    for (const t of moved.spec.tls ?? []) t.secretNamespace = namespace;
    out.push(moved);
  });
  return out;
}

const cert = (file: string) =>
  readFileSync(new URL(`../../fixtures/certs/${file}`, import.meta.url)).toString('base64');
const CERT_FILES: Record<(typeof TLS_SECRET_NAMES)[number], string> = {
  'plain-cert': 'host-1.crt',
  'wildcard-cert': 'wildcard.crt',
};

beforeAll(async () => {
  istioBinaries();
  await world.start();
  const namespaces: string[] = [];
  for (let i = 0; i < NAMESPACES; i++) namespaces.push(await world.namespace(`random-${i}`));
  for (const [i, ns] of namespaces.entries()) {
    await world.objects(
      TLS_SECRET_NAMES.filter((name) => i === 0 || name !== 'wildcard-cert').map((name) => ({
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/tls',
        metadata: { name, namespace: ns, labels: { [CERTIFICATE_UID_LABEL]: `${name}-uid` } },
        data: { 'tls.crt': cert(CERT_FILES[name]), 'tls.key': Buffer.from('throwaway').toString('base64') },
      })),
    );
  }
  placed = place(fc.sample(kingressArb, { numRuns: COUNT, seed: SEED }), namespaces);
  await world.services(backingServicesOf(placed).map((s) => ({ ...s, headless: true })));
  await world.applyKIngresses(placed, 10 * 60_000);
  ({ verdict, xds } = await world.conforms({}, 2 * 60_000));
}, 45 * 60_000);

afterAll(async () => {
  await world.stop();
});

describe(`what the Higress gateway receives for random KIngresses (seed ${SEED})`, () => {
  test('a few hundred of the sample reach the cluster (the rest share a host or name an IP)', () => {
    expect(placed.length).toBeGreaterThan(COUNT * 0.45);
  });

  test('every written route arrives as Istio must serve it, and every cluster a route names is sent', () => {
    expect(verdict.problems).toEqual([]);
    expect(verdict.routes).toBeGreaterThan(placed.length);
    expect(verdict.clusters).toBeGreaterThan(placed.length / 2);
    process.stderr.write(
      `[istiod random] ${placed.length} KIngresses: ${verdict.virtualHosts} virtual hosts, ` +
        `${verdict.routes} routes, ${verdict.clusters} clusters checked; ${xds.clusters.length} clusters sent\n`,
    );
  });

  test('nothing an Envoy would reject', () => {
    expect(xds.invalid).toEqual([]);
  });

  // Random KIngresses say things Knative Serving never does (paths after a catch-all, TLS entries sharing a host, one
  // wildcard certificate for hosts of many shapes); analyze warns about those. Errors would be ours.
  test('istioctl analyze finds no error in the written objects', async () => {
    const namespaces = [...new Set(placed.map((p) => p.metadata.namespace ?? ''))];
    const messages = (await world.analyze()).filter((m) => namespaces.some((n) => m.origin.includes(` ${n}/`)));
    const counts = new Map<string, number>();
    for (const m of messages) counts.set(`${m.code} ${m.level}`, (counts.get(`${m.code} ${m.level}`) ?? 0) + 1);
    const byCode = [...counts].map(([k, n]) => `${k}: ${n}`);
    process.stderr.write(`[istiod random] istioctl analyze: ${byCode.join(', ') || 'nothing'}\n`);
    expect(messages.filter((m) => m.level === 'Error')).toEqual([]);
  });
});
