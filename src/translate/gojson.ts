import type { HTTPIngressPath, IngressBackendSplit, IngressRule, IngressSpec, IngressTLS } from '../api/kingress.js';
import { sortStrings } from './hosts.js';

/**
 * The bytes Go's `encoding/json` produces for a KIngress spec. The probe hash is computed over
 * them, so key order (struct order), omitempty, map key order and Go's HTML-safe escaping must match
 * exactly or readiness never converges. Written as plain concatenation: it runs on every reconcile.
 */
export function goJSONOfSpec(spec: IngressSpec): string {
  let out = '';
  if (spec.tls && spec.tls.length > 0) out = field(out, 'tls', arr(spec.tls, tlsJSON));
  if (spec.rules && spec.rules.length > 0) out = field(out, 'rules', arr(spec.rules, ruleJSON));
  if (spec.httpOption) out = field(out, 'httpOption', str(spec.httpOption));
  return `{${out}}`;
}

function tlsJSON(tls: IngressTLS): string {
  let out = '';
  if (tls.hosts && tls.hosts.length > 0) out = field(out, 'hosts', arr(tls.hosts, str));
  if (tls.secretName) out = field(out, 'secretName', str(tls.secretName));
  if (tls.secretNamespace) out = field(out, 'secretNamespace', str(tls.secretNamespace));
  return `{${out}}`;
}

function ruleJSON(rule: IngressRule): string {
  let out = '';
  if (rule.hosts && rule.hosts.length > 0) out = field(out, 'hosts', arr(rule.hosts, str));
  if (rule.visibility) out = field(out, 'visibility', str(rule.visibility));
  // A pointer: omitted only when nil, emitted even when its fields are empty.
  if (rule.http) out = field(out, 'http', `{"paths":${nullableArr(rule.http.paths, pathJSON)}}`);
  return `{${out}}`;
}

function pathJSON(path: HTTPIngressPath): string {
  let out = '';
  if (path.path) out = field(out, 'path', str(path.path));
  if (path.rewriteHost) out = field(out, 'rewriteHost', str(path.rewriteHost));
  const headers = mapJSON(path.headers, (m) => `{"exact":${str(m.exact)}}`);
  if (headers) out = field(out, 'headers', headers);
  out = field(out, 'splits', nullableArr(path.splits, splitJSON));
  const append = mapJSON(path.appendHeaders, str);
  if (append) out = field(out, 'appendHeaders', append);
  return `{${out}}`;
}

function splitJSON(split: IngressBackendSplit): string {
  let out = `"serviceNamespace":${str(split.serviceNamespace)},"serviceName":${str(split.serviceName)}`;
  out += `,"servicePort":${typeof split.servicePort === 'number' ? String(split.servicePort) : str(split.servicePort)}`;
  if (split.percent) out += `,"percent":${split.percent}`;
  const append = mapJSON(split.appendHeaders, str);
  if (append) out += `,"appendHeaders":${append}`;
  return `{${out}}`;
}

function field(out: string, key: string, value: string): string {
  return `${out === '' ? '' : `${out},`}"${key}":${value}`;
}

function arr<T>(items: readonly T[], each: (item: T) => string): string {
  let out = '';
  for (let i = 0; i < items.length; i++) out += (i === 0 ? '' : ',') + each(items[i] as T);
  return `[${out}]`;
}

function nullableArr<T>(items: readonly T[] | null | undefined, each: (item: T) => string): string {
  return items == null ? 'null' : arr(items, each);
}

/** Keys sorted by their raw UTF-8 bytes (before escaping), as Go does; empty maps are omitted. */
function mapJSON<T>(map: Readonly<Record<string, T>> | undefined, each: (v: T) => string): string | undefined {
  if (!map) return undefined;
  const keys = Object.keys(map);
  if (keys.length === 0) return undefined;
  let out = '';
  for (const k of sortStrings(keys)) out += `${out === '' ? '' : ','}${str(k)}:${each(map[k] as T)}`;
  return `{${out}}`;
}

/** Printable ASCII that Go writes as is: no quote, backslash or HTML character. */
const SAFE = /^[\x20\x21\x23-\x25\x27-\x3b\x3d\x3f-\x5b\x5d-\x7e]*$/;

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** A Go JSON string literal: HTML characters and U+2028/2029 escaped, other non-ASCII raw. */
function str(s: string): string {
  if (SAFE.test(s)) return `"${s}"`;
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) out += short;
    else if (cp < 0x20 || ch === '<' || ch === '>' || ch === '&' || cp === 0x2028 || cp === 0x2029)
      out += unicodeEscape(cp);
    else if (cp >= 0xd800 && cp <= 0xdfff)
      out += '\\ufffd'; // a lone surrogate is not valid UTF-8; Go writes U+FFFD
    else out += ch;
  }
  return `${out}"`;
}

function unicodeEscape(cp: number): string {
  return `\\u${cp.toString(16).padStart(4, '0')}`;
}
