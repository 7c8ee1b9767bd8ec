// config-network (knative-networking.md §2), parsed with the same keys, legacy aliases, defaults and
// rejections as knative/networking's NewConfigFromMap, so that an update Serving rejects is rejected
// here too. The ingress only acts on cluster-local-domain-tls; the rest is parsed to validate.

import { CORE_SCHEMA, loadAll, mergeTag } from 'js-yaml';
import type { ConfigResult } from './istio.js';
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

export const ISTIO_INGRESS_CLASS = 'istio.ingress.networking.knative.dev';
export const DEFAULT_DOMAIN_TEMPLATE = '{{.Name}}.{{.Namespace}}.{{.Domain}}';
export const DEFAULT_TAG_TEMPLATE = '{{.Tag}}-{{.Name}}';

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

type Data = Readonly<Record<string, string>>;
type Step = (d: Data) => string | undefined;

const asString = (key: string, set: (v: string) => void): Step => (d) => {
  if (Object.hasOwn(d, key)) set(d[key]!);
  return undefined;
};

// strconv.Atoi: optional sign, decimal digits, nothing else.
const asInt = (key: string, set: (v: number) => void): Step => (d) => {
  if (!Object.hasOwn(d, key)) return undefined;
  const raw = d[key]!;
  if (!/^[+-]?\d+$/.test(raw)) return `failed to parse "${key}": strconv.Atoi: parsing ${JSON.stringify(raw)}: invalid syntax`;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) return `failed to parse "${key}": strconv.Atoi: parsing ${JSON.stringify(raw)}: value out of range`;
  set(n);
  return undefined;
};

// strconv.ParseBool accepts exactly these spellings.
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);
const asBool = (key: string, set: (v: boolean) => void): Step => (d) => {
  if (!Object.hasOwn(d, key)) return undefined;
  const raw = d[key]!;
  if (!TRUE.has(raw) && !FALSE.has(raw)) return `failed to parse "${key}": strconv.ParseBool: parsing ${JSON.stringify(raw)}: invalid syntax`;
  set(TRUE.has(raw));
  return undefined;
};

const eqFold = (a: string | undefined, b: string): boolean => a !== undefined && a.toLowerCase() === b;

export function parseNetworkConfig(data: Data | undefined): ConfigResult<NetworkConfig> {
  const d = data ?? {};
  const nc = defaultNetworkConfig();
  let internalEncryption = false;
  const fail = (error: string): ConfigResult<NetworkConfig> => ({ ok: false, error });

  // Legacy keys first, so that the new key wins; the first failing key is reported.
  const steps: Step[] = [
    asString('ingress.class', (v) => { nc.ingressClass = v; }),
    asString('certificate.class', (v) => { nc.certificateClass = v; }),
    asString('domainTemplate', (v) => { nc.domainTemplate = v; }),
    asString('tagTemplate', (v) => { nc.tagTemplate = v; }),
    asInt('rolloutDuration', (v) => { nc.rolloutDurationSeconds = v; }),
    asBool('autocreateClusterDomainClaims', (v) => { nc.autocreateClusterDomainClaims = v; }),
    asString('defaultExternalScheme', (v) => { nc.defaultExternalScheme = v; }),
    asString('ingress-class', (v) => { nc.ingressClass = v; }),
    asString('certificate-class', (v) => { nc.certificateClass = v; }),
    asString('domain-template', (v) => { nc.domainTemplate = v; }),
    asString('tag-template', (v) => { nc.tagTemplate = v; }),
    asInt('rollout-duration', (v) => { nc.rolloutDurationSeconds = v; }),
    asBool('autocreate-cluster-domain-claims', (v) => { nc.autocreateClusterDomainClaims = v; }),
    asBool('enable-mesh-pod-addressability', (v) => { nc.enableMeshPodAddressability = v; }),
    asString('default-external-scheme', (v) => { nc.defaultExternalScheme = v; }),
    asBool('internal-encryption', (v) => { internalEncryption = v; }),
    (m) => { // an unknown mode is silently ignored upstream
      const mode = (['enabled', 'disabled', 'auto'] as const).find((f) => eqFold(m['mesh-compatibility-mode'], f));
      if (mode !== undefined) nc.meshCompatibilityMode = mode;
      return undefined;
    },
    (m) => {
      const sel = parseSelectorYAML(m['namespace-wildcard-cert-selector'] ?? '');
      if (!sel.ok) return `failed to parse "namespace-wildcard-cert-selector": ${sel.error}`;
      if (sel.value !== undefined) nc.namespaceWildcardCertSelector = sel.value;
      return undefined;
    },
  ];
  for (const step of steps) {
    const err = step(d);
    if (err !== undefined) return fail(err);
  }

  if (nc.rolloutDurationSeconds < 0) {
    return fail(`rollout-duration must be a positive integer, but was ${nc.rolloutDurationSeconds}`);
  }
  const domainErr = checkDomainTemplate(nc.domainTemplate);
  if (domainErr !== undefined) return fail(domainErr);
  const tagErr = checkTagTemplate(nc.tagTemplate);
  if (tagErr !== undefined) return fail(tagErr);

  // external-domain-tls inherits the deprecated auto-tls (autoTLS) when absent. Never an error.
  const autoTLS = eqFold(d['auto-tls'] ?? d['autoTLS'], 'enabled');
  nc.externalDomainTLS = Object.hasOwn(d, 'external-domain-tls') ? eqFold(d['external-domain-tls'], 'enabled') : autoTLS;

  const httpProtocol = d['http-protocol'] ?? d['httpProtocol'] ?? '';
  switch (httpProtocol.toLowerCase()) {
    case '': case 'enabled': nc.httpProtocol = 'Enabled'; break;
    case 'disabled': nc.httpProtocol = 'Disabled'; break;
    case 'redirected': nc.httpProtocol = 'Redirected'; break;
    default: return fail(`httpProtocol ${httpProtocol} in config-network ConfigMap is not supported`);
  }

  const encryption = (key: string): boolean | string => {
    const raw = d[key] ?? '';
    switch (raw.toLowerCase()) {
      case '': case 'disabled': return false;
      case 'enabled': return true;
      default: return `${key} with value: ${JSON.stringify(raw)} in config-network ConfigMap is not supported`;
    }
  };
  const systemTLS = encryption('system-internal-tls');
  if (typeof systemTLS === 'string') return fail(systemTLS);
  nc.systemInternalTLS = systemTLS || internalEncryption; // deprecated internal-encryption still turns it on
  const localTLS = encryption('cluster-local-domain-tls');
  if (typeof localTLS === 'string') return fail(localTLS);
  nc.clusterLocalDomainTLS = localTLS;

  return { ok: true, value: nc };
}

// Empty string = no selector; otherwise YAML decoded like sigs.k8s.io/yaml (null also = none).
function parseSelectorYAML(text: string): ConfigResult<LabelSelector | undefined> {
  if (text === '') return { ok: true, value: undefined };
  let raw: unknown;
  try {
    raw = loadAll(text, { json: true, schema: CORE_SCHEMA.withTags(mergeTag) })[0] ?? null;
  } catch (e) {
    return { ok: false, error: `error converting YAML to JSON: yaml: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
  }
  return decodeLabelSelector(raw, 'Config.NamespaceWildcardCertSelector');
}
