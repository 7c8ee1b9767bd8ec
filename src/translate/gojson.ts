import type { HTTPIngressPath, IngressBackendSplit, IngressRule, IngressSpec, IngressTLS } from '../api/kingress.js';
import { compareBytes } from './hosts.js';

/**
 * The bytes Go's `encoding/json` produces for a KIngress spec. The probe hash is computed over
 * them, so key order (struct order), omitempty, map key order and Go's HTML-safe escaping must match
 * exactly or readiness never converges.
 */
export function goJSONOfSpec(spec: IngressSpec): string {
  return obj([
    ['tls', nonEmpty(spec.tls) ? arr(spec.tls, tlsJSON) : undefined],
    ['rules', nonEmpty(spec.rules) ? arr(spec.rules, ruleJSON) : undefined],
    ['httpOption', omitEmptyString(spec.httpOption)],
  ]);
}

function tlsJSON(tls: IngressTLS): string {
  return obj([
    ['hosts', nonEmpty(tls.hosts) ? arr(tls.hosts, str) : undefined],
    ['secretName', omitEmptyString(tls.secretName)],
    ['secretNamespace', omitEmptyString(tls.secretNamespace)],
  ]);
}

function ruleJSON(rule: IngressRule): string {
  return obj([
    ['hosts', nonEmpty(rule.hosts) ? arr(rule.hosts, str) : undefined],
    ['visibility', omitEmptyString(rule.visibility)],
    // A pointer: omitted only when nil, emitted even when its fields are empty.
    ['http', rule.http ? obj([['paths', nullableArr(rule.http.paths, pathJSON)]]) : undefined],
  ]);
}

function pathJSON(path: HTTPIngressPath): string {
  return obj([
    ['path', omitEmptyString(path.path)],
    ['rewriteHost', omitEmptyString(path.rewriteHost)],
    ['headers', mapJSON(path.headers, (m) => obj([['exact', str(m.exact)]]))],
    ['splits', nullableArr(path.splits, splitJSON)],
    ['appendHeaders', mapJSON(path.appendHeaders, str)],
  ]);
}

function splitJSON(split: IngressBackendSplit): string {
  return obj([
    ['serviceNamespace', str(split.serviceNamespace)],
    ['serviceName', str(split.serviceName)],
    ['servicePort', typeof split.servicePort === 'number' ? String(split.servicePort) : str(split.servicePort)],
    ['percent', split.percent ? String(split.percent) : undefined],
    ['appendHeaders', mapJSON(split.appendHeaders, str)],
  ]);
}

function obj(fields: Array<[string, string | undefined]>): string {
  const parts = fields.filter((f): f is [string, string] => f[1] !== undefined).map(([k, v]) => `${str(k)}:${v}`);
  return `{${parts.join(',')}}`;
}

function arr<T>(items: readonly T[], each: (item: T) => string): string {
  return `[${items.map(each).join(',')}]`;
}

function nullableArr<T>(items: readonly T[] | null | undefined, each: (item: T) => string): string {
  return items == null ? 'null' : arr(items, each);
}

function mapJSON<T>(map: Readonly<Record<string, T>> | undefined, each: (v: T) => string): string | undefined {
  if (!map) return undefined;
  const keys = Object.keys(map).sort(compareBytes);
  if (keys.length === 0) return undefined;
  return `{${keys.map((k) => `${str(k)}:${each(map[k] as T)}`).join(',')}}`;
}

function nonEmpty<T>(items: readonly T[] | null | undefined): items is readonly T[] {
  return items != null && items.length > 0;
}

function omitEmptyString(s: string | undefined): string | undefined {
  return s ? str(s) : undefined;
}

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
export function str(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) out += short;
    else if (cp < 0x20 || ch === '<' || ch === '>' || ch === '&' || cp === 0x2028 || cp === 0x2029) out += unicodeEscape(cp);
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd'; // a lone surrogate is not valid UTF-8; Go writes U+FFFD
    else out += ch;
  }
  return `${out}"`;
}

function unicodeEscape(cp: number): string {
  return `\\u${cp.toString(16).padStart(4, '0')}`;
}
