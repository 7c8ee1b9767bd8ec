// config-network, parsed with the same keys, legacy aliases, defaults and rejections as
// knative/networking's NewConfigFromMap. The ingress acts on cluster-local-domain-tls only, and only a
// bad value there is refused: Knative owns this ConfigMap, and a value of a key we never read (a
// domain-template using Go template functions our checker cannot run, say) must never stop us. Such
// problems are returned as `ignored`, for a warning.

import { err, ok, type Result } from '../api/result.js';
import { CORE_SCHEMA, loadAll, mergeTag } from 'js-yaml';
import { checkDomainTemplate, checkTagTemplate } from './gotemplate.js';
import { decodeLabelSelector, type LabelSelector } from './labelselector.js';

export interface NetworkConfig {
  ingressClass: string;
  certificateClass: string;
  clusterLocalDomainTLS: boolean;
  externalDomainTLS: boolean;
  systemInternalTLS: boolean;
  httpProtocol: 'Enabled' | 'Disabled' | 'Redirected';
  domainTemplate: string;
  tagTemplate: string;
  rolloutDurationSeconds: number;
  autocreateClusterDomainClaims: boolean;
  enableMeshPodAddressability: boolean;
  meshCompatibilityMode: 'auto' | 'enabled' | 'disabled';
  defaultExternalScheme: string;
  /** Absent = no namespace gets a wildcard certificate; `{}` = every namespace. */
  namespaceWildcardCertSelector?: LabelSelector;
}

const ISTIO_INGRESS_CLASS = 'istio.ingress.networking.knative.dev';
const DEFAULT_DOMAIN_TEMPLATE = '{{.Name}}.{{.Namespace}}.{{.Domain}}';
const DEFAULT_TAG_TEMPLATE = '{{.Tag}}-{{.Name}}';

export function defaultNetworkConfig(): NetworkConfig {
  return {
    ingressClass: ISTIO_INGRESS_CLASS,
    certificateClass: 'cert-manager.certificate.networking.knative.dev',
    clusterLocalDomainTLS: false,
    externalDomainTLS: false,
    systemInternalTLS: false,
    httpProtocol: 'Enabled',
    domainTemplate: DEFAULT_DOMAIN_TEMPLATE,
    tagTemplate: DEFAULT_TAG_TEMPLATE,
    rolloutDurationSeconds: 0,
    autocreateClusterDomainClaims: false,
    enableMeshPodAddressability: false,
    meshCompatibilityMode: 'auto',
    defaultExternalScheme: 'http',
  };
}

/** The keys net-higress acts on: a value Knative would refuse there is refused. */
const READ_KEYS: ReadonlySet<string> = new Set(['cluster-local-domain-tls']);

/** `ignored`: problems in keys net-higress does not read, worth a warning and nothing more. */
/** The config, and the problems in keys we do not read (for a warning). */
export type NetworkConfigResult = Result<{ config: NetworkConfig; ignored: string[] }>;

type Data = Readonly<Record<string, string>>;
/** A check of one key (legacy aliases share the new key's name): an error message, or undefined. */
interface Step {
  key: string;
  check: (d: Data) => string | undefined;
}
const step = (key: string, check: Step['check']): Step => ({ key, check });

const asString = (key: string, set: (v: string) => void): Step =>
  step(key, (d) => {
    if (Object.hasOwn(d, key)) set(d[key]!);
    return undefined;
  });

// strconv.Atoi: optional sign, decimal digits, nothing else.
const asInt = (key: string, set: (v: number) => void): Step =>
  step(key, (d) => {
    if (!Object.hasOwn(d, key)) return undefined;
    const raw = d[key]!;
    if (!/^[+-]?\d+$/.test(raw))
      return `failed to parse "${key}": strconv.Atoi: parsing ${JSON.stringify(raw)}: invalid syntax`;
    const n = Number(raw);
    if (!Number.isSafeInteger(n))
      return `failed to parse "${key}": strconv.Atoi: parsing ${JSON.stringify(raw)}: value out of range`;
    set(n);
    return undefined;
  });

// strconv.ParseBool accepts exactly these spellings.
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);
const asBool = (key: string, set: (v: boolean) => void): Step =>
  step(key, (d) => {
    if (!Object.hasOwn(d, key)) return undefined;
    const raw = d[key]!;
    if (!TRUE.has(raw) && !FALSE.has(raw))
      return `failed to parse "${key}": strconv.ParseBool: parsing ${JSON.stringify(raw)}: invalid syntax`;
    set(TRUE.has(raw));
    return undefined;
  });

const eqFold = (a: string | undefined, b: string): boolean => a !== undefined && a.toLowerCase() === b;

export function parseNetworkConfig(data: Data | undefined): NetworkConfigResult {
  const d = data ?? {};
  const nc = defaultNetworkConfig();
  const defaults = defaultNetworkConfig();
  let internalEncryption = false;
  const ignored: string[] = [];

  const encryption = (key: string, set: (v: boolean) => void): Step =>
    step(key, (m) => {
      const raw = m[key] ?? '';
      switch (raw.toLowerCase()) {
        case '':
        case 'disabled':
          set(false);
          return undefined;
        case 'enabled':
          set(true);
          return undefined;
        default:
          return `${key} with value: ${JSON.stringify(raw)} in config-network ConfigMap is not supported`;
      }
    });

  // Legacy keys first, so that the new key wins; every key is checked, in Knative's order.
  const steps: Step[] = [
    asString('ingress.class', (v) => {
      nc.ingressClass = v;
    }),
    asString('certificate.class', (v) => {
      nc.certificateClass = v;
    }),
    asString('domainTemplate', (v) => {
      nc.domainTemplate = v;
    }),
    asString('tagTemplate', (v) => {
      nc.tagTemplate = v;
    }),
    asInt('rolloutDuration', (v) => {
      nc.rolloutDurationSeconds = v;
    }),
    asBool('autocreateClusterDomainClaims', (v) => {
      nc.autocreateClusterDomainClaims = v;
    }),
    asString('defaultExternalScheme', (v) => {
      nc.defaultExternalScheme = v;
    }),
    asString('ingress-class', (v) => {
      nc.ingressClass = v;
    }),
    asString('certificate-class', (v) => {
      nc.certificateClass = v;
    }),
    asString('domain-template', (v) => {
      nc.domainTemplate = v;
    }),
    asString('tag-template', (v) => {
      nc.tagTemplate = v;
    }),
    asInt('rollout-duration', (v) => {
      nc.rolloutDurationSeconds = v;
    }),
    asBool('autocreate-cluster-domain-claims', (v) => {
      nc.autocreateClusterDomainClaims = v;
    }),
    asBool('enable-mesh-pod-addressability', (v) => {
      nc.enableMeshPodAddressability = v;
    }),
    asString('default-external-scheme', (v) => {
      nc.defaultExternalScheme = v;
    }),
    asBool('internal-encryption', (v) => {
      internalEncryption = v;
    }),
    step('mesh-compatibility-mode', (m) => {
      // an unknown mode is silently ignored upstream
      const mode = (['enabled', 'disabled', 'auto'] as const).find((f) => eqFold(m['mesh-compatibility-mode'], f));
      if (mode !== undefined) nc.meshCompatibilityMode = mode;
      return undefined;
    }),
    step('namespace-wildcard-cert-selector', (m) => {
      const sel = parseSelectorYAML(m['namespace-wildcard-cert-selector'] ?? '');
      if (!sel.ok) return `failed to parse "namespace-wildcard-cert-selector": ${sel.error}`;
      if (sel.value !== undefined) nc.namespaceWildcardCertSelector = sel.value;
      return undefined;
    }),
    step('rollout-duration', () => {
      if (nc.rolloutDurationSeconds >= 0) return undefined;
      const was = nc.rolloutDurationSeconds;
      nc.rolloutDurationSeconds = defaults.rolloutDurationSeconds;
      return `rollout-duration must be a positive integer, but was ${was}`;
    }),
    step('domain-template', () => {
      const problem = checkDomainTemplate(nc.domainTemplate);
      if (problem !== undefined) nc.domainTemplate = defaults.domainTemplate;
      return problem;
    }),
    step('tag-template', () => {
      const problem = checkTagTemplate(nc.tagTemplate);
      if (problem !== undefined) nc.tagTemplate = defaults.tagTemplate;
      return problem;
    }),
    step('external-domain-tls', () => {
      // external-domain-tls inherits the deprecated auto-tls (autoTLS) when absent. Never an error.
      const autoTLS = eqFold(d['auto-tls'] ?? d['autoTLS'], 'enabled');
      nc.externalDomainTLS = Object.hasOwn(d, 'external-domain-tls')
        ? eqFold(d['external-domain-tls'], 'enabled')
        : autoTLS;
      return undefined;
    }),
    step('http-protocol', () => {
      const httpProtocol = d['http-protocol'] ?? d['httpProtocol'] ?? '';
      switch (httpProtocol.toLowerCase()) {
        case '':
        case 'enabled':
          nc.httpProtocol = 'Enabled';
          return undefined;
        case 'disabled':
          nc.httpProtocol = 'Disabled';
          return undefined;
        case 'redirected':
          nc.httpProtocol = 'Redirected';
          return undefined;
        default:
          return `httpProtocol ${httpProtocol} in config-network ConfigMap is not supported`;
      }
    }),
    // The deprecated internal-encryption still turns system-internal-tls on.
    encryption('system-internal-tls', (v) => {
      nc.systemInternalTLS = v || internalEncryption;
    }),
    encryption('cluster-local-domain-tls', (v) => {
      nc.clusterLocalDomainTLS = v;
    }),
  ];
  for (const { key, check } of steps) {
    const problem = check(d);
    if (problem === undefined) continue;
    if (READ_KEYS.has(key)) return err(problem);
    ignored.push(problem);
  }
  return ok({ config: nc, ignored });
}

// Empty string = no selector; otherwise YAML decoded like sigs.k8s.io/yaml (null also = none).
function parseSelectorYAML(text: string): Result<LabelSelector | undefined> {
  if (text === '') return ok(undefined);
  let raw: unknown;
  try {
    raw = loadAll(text, { json: true, schema: CORE_SCHEMA.withTags(mergeTag) })[0] ?? null;
  } catch (e) {
    return err(`error converting YAML to JSON: yaml: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  return decodeLabelSelector(raw, 'Config.NamespaceWildcardCertSelector');
}
