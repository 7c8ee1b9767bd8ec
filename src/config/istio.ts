// config-istio: which shared Istio Gateways KIngresses bind to, and which Service backs each one, read
// as net-istio reads it. Two mutually exclusive formats: the old `gateway.<ns>.<name>` /
// `local-gateway.<ns>.<name>` keys and the new `external-gateways` / `local-gateways` YAML lists.
// Our defaults point at Higress's gateway Services instead of istio-ingressgateway: Higress is the data plane.

import { isRecord } from '../api/json.js';
import type { ObjectRef } from '../api/meta.js';
import { err, ok, type Result } from '../api/result.js';
import { CORE_SCHEMA, loadAll, mergeTag } from 'js-yaml';
import {
  decodeGoString,
  decodeLabelSelector,
  isDNS1123Subdomain,
  jsonKind,
  matchesLabelSelector,
  validateLabelSelector,
  type LabelSelector,
} from './labelselector.js';

export interface GatewayConfig {
  namespace: string;
  name: string;
  /** Host of the Service in front of the gateway pods; the first external one is the public LB address. */
  serviceURL: string;
  /** Absent: a default gateway. Present: used instead of the defaults for KIngresses it selects. */
  labelSelector?: LabelSelector;
}

export interface IstioConfig {
  ingressGateways: GatewayConfig[];
  localGateways: GatewayConfig[];
}
export interface ConfigContext {
  systemNamespace: string;
  clusterDomain: string;
}

const GATEWAY_PREFIX = 'gateway.';
const LOCAL_GATEWAY_PREFIX = 'local-gateway.';
const EXTERNAL_GATEWAYS_KEY = 'external-gateways';
const LOCAL_GATEWAYS_KEY = 'local-gateways';

const KNATIVE_INGRESS_GATEWAY = 'knative-ingress-gateway';
const KNATIVE_LOCAL_GATEWAY = 'knative-local-gateway';
const HIGRESS_NAMESPACE = 'higress-system';

function defaultIngressGateways(ctx: ConfigContext): GatewayConfig[] {
  return [
    {
      namespace: ctx.systemNamespace,
      name: KNATIVE_INGRESS_GATEWAY,
      serviceURL: `higress-gateway.${HIGRESS_NAMESPACE}.svc.${ctx.clusterDomain}`,
    },
  ];
}

function defaultLocalGateways(ctx: ConfigContext): GatewayConfig[] {
  return [
    {
      namespace: ctx.systemNamespace,
      name: KNATIVE_LOCAL_GATEWAY,
      serviceURL: `${KNATIVE_LOCAL_GATEWAY}.${HIGRESS_NAMESPACE}.svc.${ctx.clusterDomain}`,
    },
  ];
}

export function defaultIstioConfig(ctx: ConfigContext): IstioConfig {
  return { ingressGateways: defaultIngressGateways(ctx), localGateways: defaultLocalGateways(ctx) };
}

export function qualifiedName(g: ObjectRef): string {
  return `${g.namespace}/${g.name}`;
}

/** False only in mesh-only mode: both lists explicitly `"[]"` in the new format. */
export function gatewaysEnabled(cfg: IstioConfig): boolean {
  return cfg.ingressGateways.length > 0 || cfg.localGateways.length > 0;
}

export function parseIstioConfig(
  data: Readonly<Record<string, string>> | undefined,
  ctx: ConfigContext,
): Result<IstioConfig> {
  const d = data ?? {};
  const keys = Object.keys(d);
  const oldFormat = keys.some((k) => k.startsWith(GATEWAY_PREFIX) || k.startsWith(LOCAL_GATEWAY_PREFIX));
  // The key's presence selects the new format, as in net-istio, even with an empty value (the default gateways).
  const newFormat = Object.hasOwn(d, EXTERNAL_GATEWAYS_KEY) || Object.hasOwn(d, LOCAL_GATEWAYS_KEY);

  let cfg: IstioConfig;
  if (oldFormat && newFormat) {
    return err(
      `invalid configmap: "${LOCAL_GATEWAYS_KEY}" or "${EXTERNAL_GATEWAYS_KEY}" can not be defined ` +
        `simultaneously with "${GATEWAY_PREFIX}" or "${LOCAL_GATEWAY_PREFIX}"`,
    );
  } else if (newFormat) {
    const parsed = parseNewFormat(d, ctx);
    if (!parsed.ok) return err(`failed to parse configmap: ${parsed.error}`);
    cfg = parsed.value;
  } else if (oldFormat) {
    cfg = parseOldFormat(d, ctx);
  } else {
    cfg = defaultIstioConfig(ctx);
  }

  const invalid = validateIstioConfig(cfg);
  return invalid === undefined ? ok(cfg) : err(`invalid configuration: ${invalid}`);
}

// --- old format ------------------------------------------------------------------------------------

// Every key of one kind is a default gateway; order is by sorted key because the first external
// gateway supplies the load balancer address. A kind with no keys falls back to the defaults.
function parseOldFormat(d: Readonly<Record<string, string>>, ctx: ConfigContext): IstioConfig {
  const gateways = (prefix: string): GatewayConfig[] =>
    Object.keys(d)
      .filter((k) => k.startsWith(prefix) && k !== prefix)
      .map((k) => k.slice(prefix.length))
      .sort()
      .map((suffix) => {
        const dot = suffix.indexOf('.');
        const [namespace, name] =
          dot < 0 ? [ctx.systemNamespace, suffix] : [suffix.slice(0, dot), suffix.slice(dot + 1)];
        return { namespace, name, serviceURL: d[prefix + suffix]! };
      });
  const ingressGateways = gateways(GATEWAY_PREFIX);
  const localGateways = gateways(LOCAL_GATEWAY_PREFIX);
  return {
    ingressGateways: ingressGateways.length > 0 ? ingressGateways : defaultIngressGateways(ctx),
    localGateways: localGateways.length > 0 ? localGateways : defaultLocalGateways(ctx),
  };
}

// --- new format ------------------------------------------------------------------------------------

function parseNewFormat(d: Readonly<Record<string, string>>, ctx: ConfigContext): Result<IstioConfig> {
  const ingress = gatewayList(d, EXTERNAL_GATEWAYS_KEY, defaultIngressGateways(ctx));
  if (!ingress.ok) return ingress;
  const local = gatewayList(d, LOCAL_GATEWAYS_KEY, defaultLocalGateways(ctx));
  if (!local.ok) return local;

  for (const [kind, list] of [
    ['external', ingress.value],
    ['local', local.value],
  ] as const) {
    const defaults = list.filter((g) => g.labelSelector === undefined);
    // An empty list is mesh-only for that kind; otherwise exactly one default must exist.
    if (list.length > 0 && defaults.length !== 1) {
      return err(`exactly one ${kind} gateway with no selector can be defined, here: ${goGateways(defaults)}`);
    }
  }
  return ok({ ingressGateways: ingress.value, localGateways: local.value });
}

// Empty or whitespace-only means "defaults"; an explicit `[]` means "none of this kind".
function gatewayList(
  d: Readonly<Record<string, string>>,
  key: string,
  defaults: GatewayConfig[],
): Result<GatewayConfig[]> {
  const text = d[key];
  if (text === undefined || text.trim() === '') return ok(defaults);
  const decoded = unmarshalGateways(text);
  return decoded.ok ? decoded : err(`failed to parse "${key}" gateways: failed to unmarshal: ${decoded.error}`);
}

// Mirrors sigs.k8s.io/yaml into []Gateway: first document only, duplicate keys allowed (last wins),
// `null` is an empty list, a null entry is a zero-valued gateway (rejected later by validation).
function unmarshalGateways(text: string): Result<GatewayConfig[]> {
  let raw: unknown;
  try {
    raw = loadAll(text, { json: true, schema: CORE_SCHEMA.withTags(mergeTag) })[0] ?? null;
  } catch (e) {
    return err(`error converting YAML to JSON: yaml: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  if (raw === null) return ok([]);
  if (!Array.isArray(raw)) {
    return err(`json: cannot unmarshal ${jsonKind(raw)} into Go value of type []config.Gateway`);
  }
  const out: GatewayConfig[] = [];
  for (const item of raw) {
    const g = decodeGateway(item);
    if (!g.ok) return g;
    out.push(g.value);
  }
  return ok(out);
}

// Field names match case-insensitively (Go encoding/json); unknown fields are ignored.
function decodeGateway(raw: unknown): Result<GatewayConfig> {
  const g: GatewayConfig = { namespace: '', name: '', serviceURL: '' };
  if (raw === null) return ok(g);
  if (!isRecord(raw)) {
    return err(`json: cannot unmarshal ${jsonKind(raw)} into Go value of type config.Gateway`);
  }
  const stringFields = { namespace: 'namespace', name: 'name', service: 'serviceURL' } as const;
  for (const [k, v] of Object.entries(raw)) {
    const field = k.toLowerCase();
    if (field === 'namespace' || field === 'name' || field === 'service') {
      const s = decodeGoString(v, `Gateway.${field}`);
      if (!s.ok) return s;
      if (s.value !== undefined) g[stringFields[field]] = s.value;
    } else if (field === 'labelselector') {
      const sel = decodeLabelSelector(v, 'Gateway.labelSelector');
      if (!sel.ok) return sel;
      if (sel.value === undefined) delete g.labelSelector;
      else g.labelSelector = sel.value;
    }
  }
  return ok(g);
}

// Go's %v of []Gateway (these are always selector-less, hence `<nil>`).
function goGateways(list: readonly GatewayConfig[]): string {
  return `[${list.map((g) => `{${g.namespace} ${g.name} ${g.serviceURL} <nil>}`).join(' ')}]`;
}

// --- validation ------------------------------------------------------------------------------------

function validateIstioConfig(cfg: IstioConfig): string | undefined {
  for (const [label, list] of [
    ['gateway', cfg.ingressGateways],
    ['local gateway', cfg.localGateways],
  ] as const) {
    for (const g of list) {
      const problem = validateGateway(g);
      if (problem !== undefined) return `invalid ${label} ${qualifiedName(g)}: ${problem}`;
    }
  }
  return undefined;
}

function validateGateway(g: GatewayConfig): string | undefined {
  if (g.namespace === '') return 'missing namespace';
  if (g.name === '') return 'missing name';
  if (g.serviceURL === '') return 'missing service';
  // A fully qualified name with a trailing dot is accepted (and kept as written).
  const host = g.serviceURL.endsWith('.') ? g.serviceURL.slice(0, -1) : g.serviceURL;
  const errs = isDNS1123Subdomain(host);
  if (errs.length > 0) return `invalid gateway service format: [${errs.join(' ')}]`;
  const selErr = validateLabelSelector(g.labelSelector);
  if (selErr !== undefined) return `failed to create selector from label selector: ${selErr}`;
  return undefined;
}

// --- per-KIngress selection ------------------------------------------------------------------------

/**
 * GatewaysFromContext, per visibility: the selector gateways matching the KIngress labels replace
 * the defaults (all matches are used, config order); with no match, the defaults are used.
 */
export function selectGateways(
  cfg: IstioConfig,
  ingressLabels: Record<string, string> | undefined,
): { external: GatewayConfig[]; local: GatewayConfig[] } {
  const pick = (list: readonly GatewayConfig[]): GatewayConfig[] => {
    const matched = list.filter(
      (g) => g.labelSelector !== undefined && matchesLabelSelector(g.labelSelector, ingressLabels),
    );
    return matched.length > 0 ? matched : list.filter((g) => g.labelSelector === undefined);
  };
  return { external: pick(cfg.ingressGateways), local: pick(cfg.localGateways) };
}

/** The gateway Services a list of gateways names; a URL that does not parse (config validation reports it) names none. */
export function gatewayServiceRefs(gateways: readonly GatewayConfig[]): ObjectRef[] {
  return gateways.flatMap((g) => {
    const ref = parseServiceURL(g.serviceURL);
    return ref.ok ? [ref.value] : [];
  });
}

/** `name.namespace.anything` → the gateway Service's name and namespace. */
export function parseServiceURL(url: string): Result<ObjectRef> {
  const parts = url.split('.');
  if (parts.length < 3) return err(`unexpected service URL form: ${url}`);
  return ok({ name: parts[0]!, namespace: parts[1]! });
}
