import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { dump } from 'js-yaml';
import type { Secret } from '../../../src/api/core.js';
import { describeErrors } from '../../../src/api/fielderror.js';
import { gatewaySchema, virtualServiceSchema, type HTTPRoute, type VirtualService } from '../../../src/api/istio.js';
import { VISIBILITY_CLUSTER_LOCAL, kingressSchema, type KIngress } from '../../../src/api/kingress.js';
import type { ObjectRef } from '../../../src/api/meta.js';
import type { InputDocument } from '../../../src/cli/documents.js';
import { renderDocuments, type RenderOptions } from '../../../src/cli/render-core.js';
import { defaultIstioConfig, parseIstioConfig, type IstioConfig } from '../../../src/config/istio.js';
import { cloneJSON } from '../../../src/translate/clone.js';
import {
  CERTIFICATE_UID_LABEL,
  DEFAULT_INGRESS_CLASS,
  HASH_HEADER,
  HASH_OVERRIDE,
} from '../../../src/translate/constants.js';
import { defaultIngress } from '../../../src/translate/defaults.js';
import { hasValidTopLevelDomain } from '../../../src/translate/hosts.js';
import { ingressVirtualServiceName } from '../../../src/translate/names.js';
import {
  translate,
  type Desired,
  type TranslateInputs,
  type TranslateOptions,
} from '../../../src/translate/translate.js';
import { validateIngress } from '../../../src/translate/validate.js';
import { kingressArb, TLS_SECRET_NAMES } from './arbitraries.js';

// Property tests over random *valid* KIngresses shaped like the ones Knative Serving creates.
// A failing property throws an Error whose message starts with its letter; fast-check prints the
// shrunk counterexample and the seed/path to replay it (`fc.assert(..., { seed, path })`).

const CLUSTER_DOMAIN = 'cluster.local';
const SYSTEM_NAMESPACE = 'knative-serving';
const CTX = { systemNamespace: SYSTEM_NAMESPACE, clusterDomain: CLUSTER_DOMAIN };
const LOCAL_SUFFIX = `.svc.${CLUSTER_DOMAIN}`;

// --- inputs the translation reads: TLS secrets and gateway configs -------------------------------------

const certData = (file: string) =>
  readFileSync(new URL(`../../fixtures/certs/${file}`, import.meta.url)).toString('base64');
/** Secret name → certificate; any namespace has them. host-1.crt is a plain cert, wildcard.crt a `*.example.com` one. */
const CERTS: Readonly<Record<string, string>> = {
  'plain-cert': certData('host-1.crt'),
  'wildcard-cert': certData('wildcard.crt'),
} satisfies Record<(typeof TLS_SECRET_NAMES)[number], string>;

function tlsSecret(ref: ObjectRef): Secret | undefined {
  if (!Object.hasOwn(CERTS, ref.name)) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: ref.name,
      namespace: ref.namespace,
      uid: `uid-${ref.name}`,
      labels: { [CERTIFICATE_UID_LABEL]: 'cert-uid' },
    },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': CERTS[ref.name] as string, 'tls.key': Buffer.from('throwaway').toString('base64') },
  };
}

function mustParseIstio(data: Record<string, string>): IstioConfig {
  const parsed = parseIstioConfig(data, CTX);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

const CONFIGS: Readonly<Record<string, IstioConfig>> = {
  default: defaultIstioConfig(CTX),
  // Old format: every key is a default gateway, so both external gateways are used at once (and copies go to two namespaces).
  'two-external': mustParseIstio({
    'gateway.knative-serving.knative-ingress-gateway': 'higress-gateway.higress-system.svc.cluster.local',
    'gateway.gateways.second-ingress-gateway': 'second-gateway.gateways.svc.cluster.local',
    'local-gateway.knative-serving.knative-local-gateway': 'knative-local-gateway.higress-system.svc.cluster.local',
  }),
};

interface Settings {
  config: string;
  clusterLocalTLS: boolean;
  mesh: boolean;
}

const inputsFor = (s: Settings): TranslateInputs => ({
  istio: CONFIGS[s.config] as IstioConfig,
  gatewayService: (ref) => ({ selector: { app: ref.name } }),
  secret: tlsSecret,
});

const optionsFor = (s: Settings): TranslateOptions => ({
  clusterDomain: CLUSTER_DOMAIN,
  systemNamespace: SYSTEM_NAMESPACE,
  meshVirtualService: s.mesh,
  clusterLocalDomainTLS: s.clusterLocalTLS,
});

const settingsArb: fc.Arbitrary<Settings> = fc
  .tuple(fc.constantFrom(...Object.keys(CONFIGS)), fc.boolean(), fc.boolean())
  .map(([config, clusterLocalTLS, mesh]) => ({ config, clusterLocalTLS, mesh }));

// --- helpers -----------------------------------------------------------------------------------------

function fail(message: string): never {
  throw new Error(message);
}

/** The same data with the keys of every object in another (seeded) order. */
function shuffledKeys<T>(value: T, seed: number): T {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const entries = Object.entries(v);
    for (let i = entries.length - 1; i > 0; i--) {
      const j = next() % (i + 1);
      [entries[i], entries[j]] = [entries[j] as [string, unknown], entries[i] as [string, unknown]];
    }
    return Object.fromEntries(entries.map(([k, x]) => [k, walk(x)]));
  };
  return walk(value) as T;
}

/** Where two renderings first differ, with some context: long one-line JSON is unreadable otherwise. */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - 120);
  return `first difference at offset ${i}:\n  want: …${a.slice(from, i + 120)}…\n  got:  …${b.slice(from, i + 120)}…`;
}

/** Structural equality, object key order ignored. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  const ka = Object.keys(a);
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(ra[k], rb[k]));
}

/** What `render` and the reconciler do: default, validate, translate. */
function pipeline(
  ing: KIngress,
  s: Settings,
  inputs: TranslateInputs = inputsFor(s),
): { defaulted: KIngress; desired: Desired } {
  const checked = validateIngress(defaultIngress(ing));
  if (!checked.ok) fail(`(a) validateIngress rejected a valid KIngress: ${describeErrors(checked.error)}`);
  const translated = translate(checked.value, inputs, optionsFor(s));
  if (!translated.ok) fail(`(b) translate failed: ${translated.error}`);
  return { defaulted: checked.value, desired: translated.value };
}

/** A deep copy of the input: plain (`null`) or with every object's keys in a seeded random order. */
const copyArb = fc.option(fc.integer(), { nil: null, freq: 4 });
const copyOf = <T>(value: T, shuffleSeed: number | null): T =>
  shuffleSeed === null ? cloneJSON(value) : shuffledKeys(value, shuffleSeed);
const describeCopy = (shuffleSeed: number | null) =>
  shuffleSeed === null ? 'a deep copy' : `a key-shuffled copy (seed ${shuffleSeed})`;

const PROBE_NAME_PREFIX = 'knative-probe/';
const isProbe = (route: HTTPRoute) => route.match.some((m) => m.headers?.[HASH_HEADER]?.exact === HASH_OVERRIDE);

/** A probe route with the probe header match and the hash header removed: the plain route it was copied from. */
function withoutProbe(route: HTTPRoute): HTTPRoute {
  const match = route.match.map((m) => {
    const { headers, ...rest } = m;
    const { [HASH_HEADER]: _probe, ...others } = headers ?? {};
    return Object.keys(others).length > 0 ? { ...rest, headers: others } : rest;
  });
  const { headers, ...rest } = route;
  const { [HASH_HEADER]: _hash, ...set } = headers?.request?.set ?? {};
  const keep =
    headers &&
    (Object.keys(set).length > 0 || Object.keys(headers).length > 1 || Object.keys(headers.request ?? {}).length > 1);
  // The probe route's name is the serving route's behind `knative-probe/` (no plugin rule on the service matches it).
  const name = route.name?.startsWith(PROBE_NAME_PREFIX)
    ? route.name.slice(PROBE_NAME_PREFIX.length)
    : `not a probe route name: ${route.name}`;
  return { ...rest, name, match, ...(keep ? { headers: { ...headers, request: { ...headers.request, set } } } : {}) };
}

function checkWeights(vs: VirtualService): void {
  vs.spec.http.forEach((route, i) => {
    const total = (route.route ?? []).reduce((sum, d) => sum + (d.weight ?? 0), 0);
    if (total !== 100)
      fail(`(d) ${vs.metadata.name} http[${i}]: weights sum to ${total}, want 100: ${JSON.stringify(route.route)}`);
  });
}

/** Routes come in groups per rule: n probe routes, then the n plain routes they copy, in the same order. */
function checkProbeRoutes(vs: VirtualService, hash: string): void {
  const http = vs.spec.http;
  let i = 0;
  while (i < http.length) {
    const start = i;
    while (i < http.length && isProbe(http[i] as HTTPRoute)) i++;
    const probes = i - start;
    if (probes === 0) fail(`(f) ${vs.metadata.name} http[${start}] is a plain route not preceded by its probe route`);
    for (let k = start; k < start + probes; k++) {
      const probe = http[k] as HTTPRoute;
      if (!probe.match.every((m) => m.headers?.[HASH_HEADER]?.exact === HASH_OVERRIDE)) {
        fail(
          `(f) ${vs.metadata.name} http[${k}]: only some matches carry ${HASH_HEADER}: ${JSON.stringify(probe.match)}`,
        );
      }
      const set = probe.headers?.request?.set?.[HASH_HEADER];
      if (set !== hash)
        fail(`(f) ${vs.metadata.name} http[${k}] sets ${HASH_HEADER}=${JSON.stringify(set)}, want the hash ${hash}`);
      const plain = http[k + probes];
      if (!plain || isProbe(plain))
        fail(
          `(f) ${vs.metadata.name}: ${probes} probe route(s) at http[${start}] are not followed by ${probes} plain routes`,
        );
      if (
        plain.name !== `${vs.metadata.namespace}/${vs.metadata.labels?.['networking.internal.knative.dev/ingress']}`
      ) {
        fail(
          `(f) ${vs.metadata.name} http[${k + probes}] is named ${JSON.stringify(plain.name)}, want <namespace>/<kingress name>`,
        );
      }
      if (!deepEqual(withoutProbe(probe), plain)) {
        fail(
          `(f) ${vs.metadata.name} http[${k + probes}] is not the plain copy of probe route http[${k}]:\n` +
            `  probe: ${JSON.stringify(probe)}\n  plain: ${JSON.stringify(plain)}`,
        );
      }
    }
    i = start + 2 * probes;
  }
}

/** (e) Every host with a valid TLD is a VS host and some route of its visibility matches it by authority prefix. */
function checkHostCoverage(defaulted: KIngress, d: Desired): void {
  const vsName = ingressVirtualServiceName(defaulted.metadata.name);
  const vs = d.virtualServices.find((v) => v.metadata.name === vsName);
  // Authority prefixes by (probe?, gateways of the match).
  const prefixes = new Map<string, string[]>();
  for (const route of vs?.spec.http ?? []) {
    for (const m of route.match) {
      const key = `${isProbe(route)}|${m.gateways.join(',')}`;
      if (m.authority?.prefix !== undefined) prefixes.set(key, [...(prefixes.get(key) ?? []), m.authority.prefix]);
    }
  }
  const vsHosts = new Set(vs?.spec.hosts ?? []);
  for (const [r, rule] of (defaulted.spec.rules ?? []).entries()) {
    const gateways = rule.visibility === VISIBILITY_CLUSTER_LOCAL ? d.gatewayNames.local : d.gatewayNames.external;
    if (gateways.length === 0) continue;
    if (!vs)
      fail(
        `(e) rule ${r} (${rule.visibility}) has gateways ${JSON.stringify(gateways)} but there is no VirtualService ${vsName}`,
      );
    for (const host of (rule.hosts ?? []).filter(hasValidTopLevelDomain)) {
      if (!vsHosts.has(host))
        fail(`(e) rule ${r}: host ${host} missing from ${vsName} spec.hosts ${JSON.stringify(vs.spec.hosts)}`);
      const stripped = host.endsWith(LOCAL_SUFFIX) ? host.slice(0, -LOCAL_SUFFIX.length) : host;
      for (const probe of [true, false]) {
        const candidates = prefixes.get(`${probe}|${gateways.join(',')}`) ?? [];
        if (!candidates.some((prefix) => stripped.startsWith(prefix))) {
          fail(
            `(e) rule ${r} (${rule.visibility}): no ${probe ? 'probe' : 'plain'} route on ${JSON.stringify(gateways)} ` +
              `has an authority prefix of ${stripped} (host ${host}); prefixes there: ${JSON.stringify(candidates)}`,
          );
        }
      }
    }
  }
}

// --- properties --------------------------------------------------------------------------------------

describe('translate: properties over random valid KIngresses', () => {
  test('(a)-(h): valid, schema-conformant, weighted, covering, probed, deterministic, pure', () => {
    fc.assert(
      fc.property(kingressArb, settingsArb, copyArb, (ing, settings, shuffleSeed) => {
        const before = JSON.stringify(ing);
        const { defaulted, desired: d } = pipeline(ing, settings); // (a), (b)

        for (const vs of d.virtualServices) {
          const parsed = virtualServiceSchema.safeParse(vs);
          if (!parsed.success)
            fail(`(c) VirtualService ${vs.metadata.name} does not match the strict schema: ${parsed.error.message}`);
        }
        for (const gw of [...d.gateways, ...d.wildcardGateways]) {
          const parsed = gatewaySchema.safeParse(gw);
          if (!parsed.success)
            fail(
              `(c) Gateway ${gw.metadata.namespace}/${gw.metadata.name} does not match the strict schema: ${parsed.error.message}`,
            );
        }
        if (!/^[0-9a-f]{64}$/.test(d.hash)) fail(`(f) hash ${JSON.stringify(d.hash)} is not 64 lowercase hex digits`);
        for (const vs of d.virtualServices) {
          checkWeights(vs); // (d)
          checkProbeRoutes(vs, d.hash); // (f)
        }
        checkHostCoverage(defaulted, d); // (e)

        const json = JSON.stringify(d);
        const other = JSON.stringify(pipeline(copyOf(ing, shuffleSeed), settings).desired);
        if (other !== json)
          fail(`(g) translating ${describeCopy(shuffleSeed)} gave different output; ${firstDifference(json, other)}`);

        const after = JSON.stringify(ing);
        if (after !== before) fail(`(h) the input KIngress was mutated:\n  before: ${before}\n  after:  ${after}`);
      }),
      { numRuns: 3000 },
    );
  });

  test('(g) the key order of the TLS Secrets read does not change the output', () => {
    const withTLS = kingressArb.filter((ing) => (ing.spec.tls ?? []).length > 0);
    fc.assert(
      fc.property(withTLS, settingsArb, fc.integer(), (ing, settings, seed) => {
        const json = JSON.stringify(pipeline(ing, settings).desired);
        const shuffledSecrets: TranslateInputs = {
          ...inputsFor(settings),
          secret: (ref) => shuffledKeys(tlsSecret(ref), seed),
        };
        const other = JSON.stringify(pipeline(ing, settings, shuffledSecrets).desired);
        if (other !== json)
          fail(
            `(g) the same Secrets with their keys in another order (seed ${seed}) gave different output; ${firstDifference(json, other)}`,
          );
      }),
      { numRuns: 150 },
    );
  });
});

describe('renderDocuments: properties over random multi-document streams', () => {
  /** KIngresses, the Secrets their TLS entries name, and an unrelated ConfigMap (skipped with a note). */
  function stream(ings: KIngress[]): InputDocument[] {
    const secrets = new Map<string, Secret>();
    for (const ing of ings) {
      for (const t of ing.spec.tls ?? []) {
        const ref = { namespace: t.secretNamespace ?? '', name: t.secretName ?? '' };
        const secret = tlsSecret(ref);
        if (secret) secrets.set(`${ref.namespace}/${ref.name}`, secret);
      }
    }
    const configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'unrelated', namespace: 'default' },
      data: { a: 'b' },
    };
    return [...ings, ...secrets.values(), configMap].map((object, index) => ({ source: 'stream.yaml', index, object }));
  }

  /** The result as JSON (cheap to compare); the YAML `net-higress render` prints is a function of it. */
  function render(docs: readonly InputDocument[], opts: RenderOptions) {
    const result = renderDocuments(docs, opts);
    return { result, json: JSON.stringify(result) };
  }
  const yamlOf = (objects: unknown[]) => objects.map((o) => dump(o, { noRefs: true, lineWidth: -1 })).join('---\n');

  const optsArb = fc.tuple(settingsArb, fc.boolean()).map(([settings, includeSecretData]): RenderOptions => ({
    ...optionsFor(settings),
    ingressClass: DEFAULT_INGRESS_CLASS,
    istio: inputsFor(settings).istio,
    includeSecretData,
    tlsSecretNamespaces: ['higress-system', 'gateways', 'knative-serving'],
  }));

  test('output is deterministic: the same stream twice, a deep or key-shuffled copy of its KIngresses', () => {
    fc.assert(
      fc.property(
        fc.array(kingressArb, { minLength: 1, maxLength: 4 }),
        optsArb,
        copyArb,
        (ings, opts, shuffleSeed) => {
          const docs = stream(ings);
          const before = JSON.stringify(docs);
          const first = render(docs, opts);
          if (first.result.errors.length > 0)
            fail(`renderDocuments rejected valid input: ${first.result.errors.join('; ')}`);
          // What `render` prints; dumping also proves the unicode/HTML header names and values serialise.
          if (yamlOf(first.result.objects) === '') fail('renderDocuments produced no objects for valid KIngresses');
          const again = render(docs, opts);
          if (again.json !== first.json)
            fail(`rendering the same stream twice gave different output; ${firstDifference(first.json, again.json)}`);
          const copy = render(stream(copyOf(ings, shuffleSeed)), opts);
          if (copy.json !== first.json) {
            fail(
              `rendering ${describeCopy(shuffleSeed)} of the KIngresses gave different output; ${firstDifference(first.json, copy.json)}`,
            );
          }
          if (JSON.stringify(docs) !== before) fail('renderDocuments mutated its input documents');
        },
      ),
      { numRuns: 150 },
    );
  });

  test('output does not depend on the key order of the Secrets in the stream', () => {
    const withTLS = kingressArb.filter((ing) => (ing.spec.tls ?? []).length > 0);
    fc.assert(
      fc.property(fc.array(withTLS, { minLength: 1, maxLength: 2 }), optsArb, fc.integer(), (ings, opts, seed) => {
        const docs = stream(ings);
        const first = yamlOf(render(docs, opts).result.objects);
        const shuffled = yamlOf(
          render(
            docs.map((d) => (isSecret(d.object) ? { ...d, object: shuffledKeys(d.object, seed) } : d)),
            opts,
          ).result.objects,
        );
        if (shuffled !== first) {
          fail(
            `the same Secrets with their keys in another order (seed ${seed}) gave different output; ${firstDifference(first, shuffled)}`,
          );
        }
      }),
      { numRuns: 100 },
    );
  });
});

const isSecret = (o: unknown) => (o as { kind?: unknown }).kind === 'Secret';

test('the generator makes valid KIngresses and covers the interesting cases', () => {
  // Guards against a generator change silently dropping whole classes of input.
  const sample = fc.sample(fc.tuple(kingressArb, settingsArb), { numRuns: 500, seed: 42 });
  for (const [ing] of sample) expect(kingressSchema.safeParse(ing).error).toBeUndefined();
  const has = (p: (ing: KIngress, s: Settings) => boolean) => sample.some(([ing, s]) => p(ing, s));
  const rules = (ing: KIngress) => ing.spec.rules ?? [];
  const paths = (ing: KIngress) => rules(ing).flatMap((r) => r.http?.paths ?? []);
  expect({
    clusterLocal: has((ing) => rules(ing).some((r) => r.visibility === VISIBILITY_CLUSTER_LOCAL)),
    unsetVisibility: has((ing) => rules(ing).some((r) => r.visibility === undefined)),
    shortHosts: has((ing) => rules(ing).some((r) => (r.hosts ?? []).some((h) => h.endsWith('.svc')))),
    invalidTLD: has((ing) => rules(ing).some((r) => (r.hosts ?? []).some((h) => !hasValidTopLevelDomain(h)))),
    fourSplits: has((ing) => paths(ing).some((p) => p.splits?.length === 4)),
    loneSplitWithoutPercent: has((ing) =>
      paths(ing).some((p) => p.splits?.length === 1 && p.splits[0]?.percent === undefined),
    ),
    htmlInHeaders: has((ing) => paths(ing).some((p) => /[<>&]/.test(JSON.stringify(p.appendHeaders ?? {})))),
    nonAsciiHeaders: has((ing) => paths(ing).some((p) => /[^\x00-\x7f]/.test(JSON.stringify(p.headers ?? {})))),
    wildcardTLS: has((ing) => (ing.spec.tls ?? []).some((t) => t.secretName === 'wildcard-cert')),
    plainTLS: has((ing) => (ing.spec.tls ?? []).some((t) => t.secretName === 'plain-cert')),
    redirected: has((ing) => ing.spec.httpOption === 'Redirected'),
    longName: has((ing) => ing.metadata.name.length > 55),
    twoExternalWithLocalTLS: has((_ing, s) => s.config === 'two-external' && s.clusterLocalTLS),
  }).toEqual(
    Object.fromEntries(
      [
        'clusterLocal',
        'unsetVisibility',
        'shortHosts',
        'invalidTLD',
        'fourSplits',
        'loneSplitWithoutPercent',
        'htmlInHeaders',
        'nonAsciiHeaders',
        'wildcardTLS',
        'plainTLS',
        'redirected',
        'longName',
        'twoExternalWithLocalTLS',
      ].map((k) => [k, true]),
    ),
  );
});
