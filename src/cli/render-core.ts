import { isRecord } from '../api/json.js';
import { secretSchema, serviceSchema, type Secret } from '../api/core.js';
import { describeErrors } from '../api/fielderror.js';
import { KINGRESS_API_VERSION, KINGRESS_KIND, parseKIngress, type KIngress } from '../api/kingress.js';
import { keyOf, refOf } from '../api/meta.js';
import { parseWith } from '../api/schema.js';
import type { IstioConfig } from '../config/istio.js';
import { HIGRESS_GATEWAY_POD_LABELS, INGRESS_CLASS_ANNOTATION } from '../translate/constants.js';
import { describeUnsupported, unsupportedAnnotations } from '../translate/annotations/unsupported.js';
import { defaultIngress } from '../translate/defaults.js';
import { refusedSecretReferences, SECRET_NOT_ALLOWED } from '../translate/secretpolicy.js';
import { translate, type Desired, type TranslateOptions } from '../translate/translate.js';
import { validateIngress } from '../translate/validate.js';
import { describeObject, type InputDocument } from './documents.js';
import { toYAML } from './yaml.js';

export interface RenderOptions extends TranslateOptions {
  ingressClass: string;
  istio: IstioConfig;
  includeSecretData: boolean;
  /** As `run --tls-secret-namespaces`: namespaces besides a KIngress's own whose Secrets it may use. */
  tlsSecretNamespaces: readonly string[];
}

export interface RenderResult {
  objects: unknown[];
  /** Things a user should know that are not failures (skipped objects). */
  notes: string[];
  errors: string[];
}

/** Offline translation of every KIngress in the input; Secrets and Services in the input serve TLS and selectors. */
export function renderDocuments(docs: readonly InputDocument[], opts: RenderOptions): RenderResult {
  const result: RenderResult = { objects: [], notes: [], errors: [] };
  const ingresses: Array<{ doc: InputDocument; ing: KIngress }> = [];
  const secrets = new Map<string, Secret>();
  const services = new Map<string, Record<string, string>>();
  const externalNames = new Map<string, string>();

  for (const doc of docs) {
    const apiVersion = field(doc.object, 'apiVersion');
    const kind = field(doc.object, 'kind');
    if (apiVersion === KINGRESS_API_VERSION && kind === KINGRESS_KIND) {
      const parsed = parseKIngress(doc.object);
      if (parsed.ok) ingresses.push({ doc, ing: parsed.value });
      else result.errors.push(`${where(doc)}: ${describeErrors(parsed.error)}`);
    } else if (apiVersion === 'v1' && kind === 'Secret') {
      const parsed = parseWith(secretSchema, withStringData(doc.object));
      if (parsed.ok) secrets.set(keyOf(refOf(parsed.value)), parsed.value);
      else result.errors.push(`${where(doc)}: ${describeErrors(parsed.error)}`);
    } else if (apiVersion === 'v1' && kind === 'Service') {
      const parsed = parseWith(serviceSchema, doc.object);
      if (parsed.ok) {
        services.set(keyOf(refOf(parsed.value)), parsed.value.spec?.selector ?? {});
        const spec = parsed.value.spec;
        if (spec?.type === 'ExternalName' && spec.externalName)
          externalNames.set(keyOf(refOf(parsed.value)), spec.externalName);
      } else result.errors.push(`${where(doc)}: ${describeErrors(parsed.error)}`);
    } else if (looksLikeKIngress(doc.object)) {
      result.errors.push(
        `${where(doc)}: ${typeOf(doc.object)} looks like a KIngress; want apiVersion ${KINGRESS_API_VERSION}, kind ${KINGRESS_KIND}`,
      );
    } else {
      result.notes.push(`${where(doc)}: skipped, kind ${apiVersion}/${kind} is not a KIngress, Secret or Service`);
    }
  }

  const emitted = new Set<string>();
  for (const { doc, ing } of ingresses) {
    const cls = ing.metadata.annotations?.[INGRESS_CLASS_ANNOTATION];
    if (cls !== opts.ingressClass) {
      result.notes.push(
        `${where(doc)}: skipped, ingress class ${cls === undefined ? '<none>' : `"${cls}"`} is not "${opts.ingressClass}"`,
      );
      continue;
    }
    const checked = validateIngress(defaultIngress(ing));
    if (!checked.ok) {
      result.errors.push(`${where(doc)}: ${describeErrors(checked.error)}`);
      continue;
    }
    // The controller's policy, so that offline output matches what it would write.
    const refused = refusedSecretReferences(checked.value, opts.tlsSecretNamespaces);
    if (refused.length > 0) {
      result.errors.push(`${where(doc)}: ${SECRET_NOT_ALLOWED}: ${describeErrors(refused)}`);
      continue;
    }
    const unsupported = unsupportedAnnotations(ing.metadata.annotations);
    if (unsupported.length > 0) result.notes.push(`${where(doc)}: ${describeUnsupported(unsupported)}`);
    const translated = translate(
      checked.value,
      {
        istio: opts.istio,
        // Without a Service in the input, assume a default Higress install.
        gatewayService: (ref) => ({ selector: services.get(keyOf(ref)) ?? { ...HIGRESS_GATEWAY_POD_LABELS } }),
        secret: (ref) => secrets.get(keyOf(ref)),
        externalName: (ref) => externalNames.get(keyOf(ref)),
      },
      opts,
    );
    if (!translated.ok) {
      const hint = translated.error.startsWith('secret "') ? ' (add the TLS Secret to the input)' : '';
      result.errors.push(`${where(doc)}: ${translated.error}${hint}`);
      continue;
    }
    for (const obj of desiredObjects(translated.value, opts.includeSecretData)) {
      const key = objectKey(obj);
      if (emitted.has(key)) continue; // wildcard Gateways and their Secret copies are shared
      emitted.add(key);
      result.objects.push(obj);
    }
  }
  return result;
}

/** The text `render` prints: the objects as YAML documents, or as one JSON `kind: List`. */
export function formatObjects(objects: readonly unknown[], output: 'yaml' | 'json'): string {
  return output === 'json'
    ? `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`
    : objects.map(toYAML).join('---\n');
}

/** Built only for a note or an error: most documents never need it. */
function where(doc: InputDocument): string {
  return `document ${doc.index} (${describeObject(doc.object)}) in ${doc.source}`;
}

/** `apiVersion v1 kind Secret`, with what is missing said so. */
function typeOf(object: unknown): string {
  return `apiVersion ${field(object, 'apiVersion')} kind ${field(object, 'kind')}`;
}

function field(object: unknown, key: 'apiVersion' | 'kind'): string {
  const v = isRecord(object) ? object[key] : undefined;
  return typeof v === 'string' && v !== '' ? v : '<none>';
}

const KINGRESS_GROUP = KINGRESS_API_VERSION.split('/')[0];

/**
 * A document meant as a KIngress whose apiVersion or kind is wrong (another version, `kind: KIngress`, or no
 * type at all): skipping it silently would render nothing and look like success.
 */
function looksLikeKIngress(object: unknown): boolean {
  if (!isRecord(object)) return false;
  const { apiVersion, kind } = object;
  if (kind === 'KIngress') return true;
  // The group also holds Certificates, ServerlessServices and ClusterDomainClaims: only its Ingress kind counts.
  const inGroup = typeof apiVersion === 'string' && apiVersion.split('/')[0] === KINGRESS_GROUP;
  if (inGroup && (kind === KINGRESS_KIND || kind === undefined || kind === '')) return true;
  // A Kubernetes Ingress also has spec.rules; a KIngress path has splits instead of a backend.
  const typed = typeof apiVersion === 'string' && apiVersion !== '' && typeof kind === 'string' && kind !== '';
  return !(typed && kind !== KINGRESS_KIND) && hasSplits(object.spec);
}

function hasSplits(spec: unknown): boolean {
  if (!isRecord(spec) || !Array.isArray(spec.rules)) return false;
  return spec.rules.some(
    (r) =>
      isRecord(r) &&
      isRecord(r.http) &&
      Array.isArray(r.http.paths) &&
      r.http.paths.some((p) => isRecord(p) && Array.isArray(p.splits)),
  );
}

/** In apply order: what Gateways reference first, then Gateways, then routes. */
function desiredObjects(d: Desired, includeSecretData: boolean): unknown[] {
  const secrets = d.secretCopies.map((s) => (includeSecretData ? s : redact(s)));
  return [...secrets, ...d.wildcardGateways, ...d.gateways, ...d.virtualServices];
}

function redact(secret: Secret): Secret {
  const data = Object.fromEntries(Object.keys(secret.data ?? {}).map((k) => [k, '<redacted>']));
  return { ...secret, data };
}

function withStringData(object: unknown): unknown {
  if (!isRecord(object) || !isRecord(object.stringData)) return object;
  const data: Record<string, string> = isRecord(object.data) ? { ...(object.data as Record<string, string>) } : {};
  for (const [k, v] of Object.entries(object.stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  const { stringData: _ignored, ...rest } = object;
  return { ...rest, data };
}

function objectKey(o: unknown): string {
  const r = o as { apiVersion: string; kind: string; metadata: { namespace?: string; name: string } };
  return `${r.apiVersion}/${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`;
}
