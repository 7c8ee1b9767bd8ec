/**
 * Host handling shared by the VirtualService builder and the prober: Knative's short-name
 * expansion and the authority prefixes used for matching.
 */

/** Last label at most 63 bytes and not all digits: rejects IPs, `*` and trailing dots. */
export function hasValidTopLevelDomain(host: string): boolean {
  const tld = host.slice(host.lastIndexOf('.') + 1);
  if (ASCII.test(tld)) return tld.length <= 63 && /[-\x3a-\x7f]/.test(tld);
  const bytes = Buffer.from(tld, 'utf8');
  if (bytes.length > 63) return false;
  return bytes.some((b) => b === 0x2d /* - */ || b > 0x39 /* 9 */);
}

/** Byte-wise (UTF-8) ascending order, as Go's sort.Strings. */
export function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  // UTF-16 order equals UTF-8 byte order unless a surrogate pair is involved.
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const ASCII = /^[\x00-\x7f]*$/;
const SURROGATE = /[\ud800-\udfff]/;

export function sortedUnique(values: Iterable<string>): string[] {
  return sortStrings([...new Set(values)]);
}

/** Sorts in place in byte order; the default sort (UTF-16 order) is the same when no surrogates occur. */
export function sortStrings(values: string[]): string[] {
  return values.some((v) => SURROGATE.test(v)) ? values.sort(compareBytes) : values.sort();
}

/** `a.b.svc.cluster.local` → {a.b.svc.cluster.local, a.b.svc, a.b}; hosts with an invalid TLD are dropped. */
export function expandedHosts(hosts: Iterable<string>, clusterDomain: string): string[] {
  const suffixes = [`.${clusterDomain}`, `.svc.${clusterDomain}`];
  const out = new Set<string>();
  for (const host of sortedUnique(hosts)) {
    const candidates = [host, ...suffixes.filter((s) => host.endsWith(s)).map((s) => host.slice(0, -s.length))];
    for (const c of candidates) if (hasValidTopLevelDomain(c)) out.add(c);
  }
  return sortedUnique(out);
}

/** Authority prefixes: `.svc.<domain>` trimmed, and a host dropped when an earlier prefix already covers it. */
export function distinctHostPrefixes(hosts: Iterable<string>, clusterDomain: string): string[] {
  const suffix = `.svc.${clusterDomain}`;
  const kept: string[] = [];
  for (const host of sortedUnique(hosts)) {
    const prefix = host.endsWith(suffix) ? host.slice(0, -suffix.length) : host;
    if (!kept.some((k) => prefix.startsWith(k))) kept.push(prefix);
  }
  return sortedUnique(kept);
}

export function isClusterLocalHost(host: string, clusterDomain: string): boolean {
  return host.endsWith(`.svc.${clusterDomain}`);
}
