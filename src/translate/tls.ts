import type { Secret } from '../api/core.js';
import type { IngressTLS, KIngress } from '../api/kingress.js';
import { keyOf, refOf } from '../api/meta.js';
import { certificateDNSNamesOf } from './certificate.js';
import { TranslateError } from './error.js';

/**
 * Knative's GetIngressTLSForVisibility: TLS entries covering every host of a rule of that visibility.
 * Kept faithful, quirks included: a host-less rule ends the scan, and an entry may appear once per rule.
 */
export function ingressTLSForVisibility(ing: KIngress, visibility: string): IngressTLS[] {
  const tls = ing.spec.tls ?? [];
  if (tls.length === 0) return [];
  const out: IngressTLS[] = [];
  for (const rule of ing.spec.rules ?? []) {
    if (rule.visibility !== visibility) continue;
    const hosts = rule.hosts ?? [];
    if (hosts.length === 0) return out;
    for (const entry of tls) if (hosts.every((h) => (entry.hosts ?? []).includes(h))) out.push(entry);
  }
  return out;
}

const parsed = new WeakMap<Secret, string[]>();

/** The DNS SANs of the first PEM block of `tls.crt` (parsed once per Secret object). */
export function certificateDNSNames(secret: Secret): string[] {
  let names = parsed.get(secret);
  if (!names) {
    names = parseDNSNames(secret);
    parsed.set(secret, names);
  }
  return names;
}

function parseDNSNames(secret: Secret): string[] {
  const id = keyOf(refOf(secret));
  const pem = Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64').toString('latin1');
  const block = /-----BEGIN ([^\n-]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(pem);
  if (!block) throw new TranslateError(`failed to decode PEM data for secret ${id}`);
  try {
    return certificateDNSNamesOf(Buffer.from((block[2] ?? '').replace(/\s+/g, ''), 'base64'));
  } catch (err) {
    throw new TranslateError(
      `failed to parse certificate for secret ${id}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** A secret is a wildcard certificate when any of its DNS names has `*` as its first label. */
export function isWildcardCertificate(secret: Secret): boolean {
  const names = certificateDNSNames(secret);
  if (names.length === 0) throw new TranslateError('certificate should have DNS names, but it has 0');
  return names.some((name) => {
    const dot = name.indexOf('.');
    if (dot < 0) throw new TranslateError(`incorrect domain format, got domain ${name}`);
    return name.slice(0, dot) === '*';
  });
}
