import { secretSchema, serviceSchema, type Secret } from '../api/core.js';
import { describeErrors } from '../api/fielderror.js';
import { KINGRESS_API_VERSION, KINGRESS_KIND, kingressSchema, type KIngress } from '../api/kingress.js';
import { refKey, type ObjectRef } from '../api/meta.js';
import { parseWith } from '../api/schema.js';
import type { IstioConfig } from '../config/istio.js';
import { HIGRESS_GATEWAY_POD_LABELS, INGRESS_CLASS_ANNOTATION } from '../translate/constants.js';
import { defaultIngress } from '../translate/defaults.js';
import { translate, type Desired, type TranslateOptions } from '../translate/translate.js';
import { validateIngress } from '../translate/validate.js';
import { describeObject, isRecord, type InputDocument } from './documents.js';

export interface RenderOptions extends TranslateOptions {
  ingressClass: string;
  istio: IstioConfig;
  includeSecretData: boolean;
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
    const where = `document ${doc.index} (${describeObject(doc.object)}) in ${doc.source}`;
    const kind = isRecord(doc.object) ? `${String(doc.object.apiVersion)}/${String(doc.object.kind)}` : '';
    if (kind === `${KINGRESS_API_VERSION}/${KINGRESS_KIND}`) {
      const parsed = parseWith(kingressSchema, doc.object);
      if (parsed.ok) ingresses.push({ doc, ing: parsed.value });
      else result.errors.push(`${where}: ${describeErrors(parsed.errors)}`);
    } else if (kind === 'v1/Secret') {
      const parsed = parseWith(secretSchema, withStringData(doc.object));
      if (parsed.ok) secrets.set(refKey(refOf(parsed.value)), parsed.value);
      else result.errors.push(`${where}: ${describeErrors(parsed.errors)}`);
    } else if (kind === 'v1/Service') {
      const parsed = parseWith(serviceSchema, doc.object);
      if (parsed.ok) {
        services.set(refKey(refOf(parsed.value)), parsed.value.spec?.selector ?? {});
        const spec = parsed.value.spec;
        if (spec?.type === 'ExternalName' && spec.externalName) externalNames.set(refKey(refOf(parsed.value)), spec.externalName);
      } else result.errors.push(`${where}: ${describeErrors(parsed.errors)}`);
    } else {
      result.notes.push(`${where}: skipped, kind ${kind || '<none>'} is not a KIngress, Secret or Service`);
    }
  }

  const emitted = new Set<string>();
  for (const { doc, ing } of ingresses) {
    const where = `document ${doc.index} (${describeObject(doc.object)}) in ${doc.source}`;
    const cls = ing.metadata.annotations?.[INGRESS_CLASS_ANNOTATION];
    if (cls !== opts.ingressClass) {
      result.notes.push(`${where}: skipped, ingress class ${cls === undefined ? '<none>' : `"${cls}"`} is not "${opts.ingressClass}"`);
      continue;
    }
    const checked = validateIngress(defaultIngress(ing));
    if (!checked.ok) {
      result.errors.push(`${where}: ${describeErrors(checked.errors)}`);
      continue;
    }
    const translated = translate(checked.value, {
      istio: opts.istio,
      // Without a Service in the input, assume a default Higress install.
      gatewayService: (ref) => ({ selector: services.get(refKey(ref)) ?? { ...HIGRESS_GATEWAY_POD_LABELS } }),
      secret: (ref) => secrets.get(refKey(ref)),
      externalName: (ref) => externalNames.get(refKey(ref)),
    }, opts);
    if (!translated.ok) {
      const hint = translated.error.startsWith('secret "') ? ' (add the TLS Secret to the input)' : '';
      result.errors.push(`${where}: ${translated.error}${hint}`);
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

function refOf(o: { metadata: { namespace?: string | undefined; name: string } }): ObjectRef {
  return { namespace: o.metadata.namespace ?? '', name: o.metadata.name };
}

function objectKey(o: unknown): string {
  const r = o as { apiVersion: string; kind: string; metadata: { namespace?: string; name: string } };
  return `${r.apiVersion}/${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`;
}
