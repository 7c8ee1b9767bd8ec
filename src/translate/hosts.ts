/**
 * Host handling shared by the VirtualService builder and the prober: Knative's short-name
 * expansion and the authority prefixes used for matching.
 */

/** Last label at most 63 bytes and not all digits: rejects IPs, `*` and trailing dots. */
export function hasValidTopLevelDomain(host: string): boolean {
  const start = host.lastIndexOf('.') + 1;
  // ASCII (every Knative host): one scan for a character that is not a digit; else count UTF-8 bytes.
  let notDigit = false;
  for (let i = start; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c > 0x7f) return validUnicodeTLD(host.slice(start));
    if (c === 0x2d /* - */ || c >= 0x3a /* past 9 */) notDigit = true;
  }
  return notDigit && host.length - start <= 63;
}

function validUnicodeTLD(tld: string): boolean {
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

const SURROGATE = /[\ud800-\udfff]/;

/** Sorted, each value once; adjacent duplicates dropped after the sort (no Set: most lists have 1 to 4 hosts). */
export function sortedUnique(values: Iterable<string>): string[] {
  const sorted = sortStrings(Array.from(values));
  let kept = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i] as string;
    if (i === 0 || v !== sorted[kept - 1]) sorted[kept++] = v;
  }
  // A copy of the right size rather than a shortened array, which would keep its longer backing store.
  return kept === sorted.length ? sorted : sorted.slice(0, kept);
}

/** Sorts in place in byte order; UTF-16 order (`<`) is the same when no surrogates occur. */
export function sortStrings(values: string[]): string[] {
  if (values.length < 2) return values;
  for (const v of values) if (SURROGATE.test(v)) return values.sort(compareBytes);
  return sortUTF16(values);
}

/**
 * `values.sort()`: UTF-16 order, in place. The lists are short (hosts, gateways, header names, a probe route's
 * headers: 1 to 6), where an insertion sort allocates nothing and costs a fraction of Array.prototype.sort,
 * which was a tenth of translation's own time.
 */
export function sortUTF16(values: string[]): string[] {
  if (values.length > 16) return values.sort();
  for (let i = 1; i < values.length; i++) {
    const v = values[i] as string;
    let j = i - 1;
    for (; j >= 0 && (values[j] as string) > v; j--) values[j + 1] = values[j] as string;
    values[j + 1] = v;
  }
  return values;
}

/** `a.b.svc.cluster.local` → {a.b.svc.cluster.local, a.b.svc, a.b}; hosts with an invalid TLD are dropped. */
export function expandedHosts(hosts: Iterable<string>, clusterDomain: string): string[] {
  const suffixes = [`.${clusterDomain}`, `.svc.${clusterDomain}`];
  const out: string[] = [];
  for (const host of sortedUnique(hosts)) {
    if (hasValidTopLevelDomain(host)) out.push(host);
    for (const s of suffixes) {
      if (!host.endsWith(s)) continue;
      const short = host.slice(0, -s.length);
      if (hasValidTopLevelDomain(short)) out.push(short);
    }
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
