// Random *valid* KIngresses shaped like the ones Knative Serving creates (fast-check arbitraries), shared by
// the translation's property tests and the gateway conformance tests against istiod.
import fc from 'fast-check';
import {
  KINGRESS_API_VERSION,
  KINGRESS_KIND,
  type HTTPIngressPath,
  type IngressBackendSplit,
  type IngressRule,
  type IngressTLS,
  type KIngress,
} from '../../../src/api/kingress.js';
import {
  DEFAULT_INGRESS_CLASS,
  HASH_HEADER,
  INGRESS_CLASS_ANNOTATION,
  ROUTE_LABEL,
  ROUTE_NAMESPACE_LABEL,
} from '../../../src/translate/constants.js';

/** Names of the TLS Secrets the KIngresses refer to: a plain certificate and a `*.example.com` one. */
export const TLS_SECRET_NAMES = ['plain-cert', 'wildcard-cert'] as const;
const SECRET_NAMES = TLS_SECRET_NAMES;
const LOCAL_SUFFIX = '.svc.cluster.local';

const LOWER_ALNUM = [...'abcdefghijklmnopqrstuvwxyz0123456789'];
const alnum = fc.constantFrom(...LOWER_ALNUM);
const labelChar = fc.constantFrom(...LOWER_ALNUM, '-');
const join3 = ([a, mid, z]: [string, string, string]) => a + mid + z;

/** A DNS-1123 label (what Kubernetes accepts as a namespace or Serving as a route name). */
const dnsLabel = (maxLength: number) =>
  fc.oneof(alnum, fc.tuple(alnum, fc.string({ unit: labelChar, maxLength: maxLength - 2 }), alnum).map(join3));
const longLabel = fc.tuple(alnum, fc.string({ unit: labelChar, minLength: 46, maxLength: 61 }), alnum).map(join3);
const digitsLabel = fc.integer({ min: 0, max: 99999 }).map(String); // a valid namespace, but not a valid TLD

const nameArb = fc.oneof({ weight: 8, arbitrary: dnsLabel(20) }, { weight: 1, arbitrary: longLabel });
const namespaceArb = fc.oneof(
  { weight: 8, arbitrary: dnsLabel(15) },
  { weight: 1, arbitrary: digitsLabel },
  { weight: 1, arbitrary: longLabel },
);

const domainArb = fc.constantFrom('example.com', 'apps.example.org', 'xn--bcher-kva.example');
const ipArb = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map(([a, b, c]) => `10.${a}.${b}.${c}`);
const externalHost = (ns: string) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.tuple(dnsLabel(12), domainArb).map(([l, d]) => `${l}.${ns}.${d}`) },
    { weight: 3, arbitrary: fc.tuple(dnsLabel(12), domainArb).map(([l, d]) => `${l}.${d}`) },
    { weight: 1, arbitrary: ipArb }, // dropped from VS hosts (all-digit TLD)
  );
/** `svc.ns.svc.cluster.local`, sometimes with the short forms Serving adds. */
const localHosts = (ns: string) =>
  fc
    .tuple(dnsLabel(12), fc.boolean(), fc.boolean())
    .map(([svc, short, withSvc]) => [
      ...(short ? [`${svc}.${ns}`] : []),
      ...(withSvc ? [`${svc}.${ns}.svc`] : []),
      `${svc}.${ns}${LOCAL_SUFFIX}`,
    ]);

const TOKEN_CHARS = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~"];
/** HTTP token names (what the gateway accepts; validation rejects anything else). */
const headerName = fc
  .oneof(
    fc.constantFrom('Knative-Serving-Tag', 'X-Request-Id', 'x-user', 'Accept-Language', "X-!#$%&'*+.^_`|~"),
    fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 16 }),
  )
  .filter((n) => n.toLowerCase() !== HASH_HEADER.toLowerCase() && n !== '__proto__');
const oneGrapheme = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 });
/** Any text without control characters (tab allowed), `%` included (the gateway reads it as a command). */
const headerValue = fc
  .string({
    unit: fc.oneof(
      fc.constantFrom(
        '<',
        '>',
        '&',
        '"',
        "'",
        '\\',
        'é',
        '日本',
        '😀',
        '\u2028',
        '\t',
        ' ',
        '%',
        '%DOWNSTREAM_REMOTE_ADDRESS%',
      ),
      oneGrapheme,
      fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
    ),
    maxLength: 12,
  })
  .filter((v) => !/[\u0000-\u0008\u000a-\u001f\u007f]/.test(v));
const headerMap = fc
  .uniqueArray(fc.tuple(headerName, headerValue), { minLength: 1, maxLength: 3, selector: ([k]) => k })
  .map((entries) => Object.fromEntries(entries));
const headerMatches = headerMap.map((m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, { exact: v }])));

const pathPrefix = fc.array(dnsLabel(8), { maxLength: 3 }).map((segments) => `/${segments.join('/')}`);

/** 1–4 splits whose percents sum to 100; a lone split may say 0 or nothing (defaulted to 100). */
const splitsArb = (ns: string) =>
  fc
    .tuple(
      fc.array(
        fc.tuple(
          dnsLabel(20),
          fc.oneof(fc.constant(80), fc.integer({ min: 1, max: 65535 })),
          fc.constantFrom('serving', 'none', 'random'),
          fc.option(headerMap, { nil: undefined }),
          fc.boolean(),
        ),
        { minLength: 1, maxLength: 4 },
      ),
      fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 3, maxLength: 3 }),
      fc.constantFrom<number | undefined>(100, 0, undefined),
    )
    .map(([backends, cuts, lonePercent]): IngressBackendSplit[] => {
      const bounds = [0, ...cuts.slice(0, backends.length - 1).sort((a, b) => a - b), 100];
      return backends.map(([serviceName, servicePort, headers, random, omitZero], i) => {
        const percent = backends.length === 1 ? lonePercent : (bounds[i + 1] as number) - (bounds[i] as number);
        const appendHeaders =
          headers === 'serving'
            ? { 'Knative-Serving-Namespace': ns, 'Knative-Serving-Revision': serviceName }
            : headers === 'random'
              ? random
              : undefined;
        return {
          serviceNamespace: ns,
          serviceName,
          servicePort,
          ...(percent === undefined || (percent === 0 && omitZero) ? {} : { percent }),
          ...(appendHeaders ? { appendHeaders } : {}),
        };
      });
    });

const pathArb = (ns: string) =>
  fc
    .tuple(
      fc.option(pathPrefix, { nil: undefined }),
      fc.option(
        fc.tuple(dnsLabel(12), domainArb).map(([l, d]) => `${l}.${d}`),
        { nil: undefined, freq: 4 },
      ),
      fc.option(headerMatches, { nil: undefined }),
      fc.option(headerMap, { nil: undefined }),
      splitsArb(ns),
    )
    .map(([path, rewriteHost, headers, appendHeaders, splits]): HTTPIngressPath => ({
      ...(path !== undefined ? { path } : {}),
      ...(rewriteHost !== undefined ? { rewriteHost } : {}),
      ...(headers !== undefined ? { headers } : {}),
      splits,
      ...(appendHeaders !== undefined ? { appendHeaders } : {}),
    }));

const ruleArb = (ns: string) =>
  fc
    .tuple(
      fc.constantFrom<string | undefined>('ExternalIP', 'ClusterLocal', undefined),
      fc.uniqueArray(externalHost(ns), { minLength: 1, maxLength: 2 }),
      localHosts(ns),
      fc.boolean(),
      fc.array(pathArb(ns), { minLength: 1, maxLength: 3 }),
    )
    .map(([visibility, external, local, unsetIsLocal, paths]): IngressRule => ({
      hosts: visibility === 'ClusterLocal' || (visibility === undefined && unsetIsLocal) ? local : external,
      ...(visibility !== undefined ? { visibility } : {}),
      http: { paths },
    }));

/** A TLS entry covering the hosts of one of the rules (so it really produces gateways), maybe one more host. */
const tlsRecipeArb = fc.tuple(
  fc.nat(),
  fc.option(externalHost('tls'), { nil: undefined }),
  fc.constantFrom(...SECRET_NAMES),
  fc.constantFrom('self', 'higress-system', 'gateways', 'knative-serving'),
);

export const kingressArb: fc.Arbitrary<KIngress> = fc.tuple(namespaceArb, nameArb).chain(([ns, name]) =>
  fc
    .tuple(
      fc.uuid(),
      fc.integer({ min: 1, max: 1000 }),
      fc.boolean(),
      // One host in two rules is refused (two conflicting routes): Serving never writes that.
      fc.array(ruleArb(ns), { minLength: 1, maxLength: 4 }).filter((rs) => {
        const hosts = rs.flatMap((r) => r.hosts ?? []);
        return new Set(hosts).size === hosts.length;
      }),
      fc.oneof(
        { weight: 3, arbitrary: fc.constant([]) },
        { weight: 1, arbitrary: fc.array(tlsRecipeArb, { minLength: 1, maxLength: 2 }) },
      ),
      fc.constantFrom<string | undefined>(undefined, 'Enabled', 'Redirected'),
    )
    .map(([uid, generation, routeLabels, rules, recipes, httpOption]): KIngress => {
      const tls = recipes.map(([ruleIndex, extra, secretName, secretNs]): IngressTLS => ({
        hosts: [...(rules[ruleIndex % rules.length]?.hosts ?? []), ...(extra !== undefined ? [extra] : [])],
        secretName,
        secretNamespace: secretNs === 'self' ? ns : secretNs,
      }));
      return {
        apiVersion: KINGRESS_API_VERSION,
        kind: KINGRESS_KIND,
        metadata: {
          name,
          namespace: ns,
          uid,
          generation,
          ...(routeLabels
            ? { labels: { [ROUTE_LABEL]: name, [ROUTE_NAMESPACE_LABEL]: ns, 'serving.knative.dev/service': name } }
            : {}),
          annotations: { [INGRESS_CLASS_ANNOTATION]: DEFAULT_INGRESS_CLASS, 'serving.knative.dev/creator': 'admin' },
        },
        spec: { ...(tls.length > 0 ? { tls } : {}), rules, ...(httpOption !== undefined ? { httpOption } : {}) },
      };
    }),
);
