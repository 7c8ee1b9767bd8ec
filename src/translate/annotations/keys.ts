import { formatPath } from '../../api/fielderror.js';

/** Higress reads its own keys, and for the annotations ingress-nginx also has, nginx's keys too. */
export const HIGRESS_PREFIX = 'higress.io/';
export const NGINX_PREFIX = 'nginx.ingress.kubernetes.io/';

/** Under which prefixes Higress accepts a key. */
export type Prefixes = 'higress' | 'both';

export type Annotations = Readonly<Record<string, string>>;

/** An annotation as the user wrote it: its full key (so errors can name it) and its value. */
export interface Found {
  key: string;
  value: string;
}

/**
 * The annotation for `name`. With both prefixes Higress tries nginx's key first; we do the same, so
 * an nginx key wins over a higress.io one (a bad nginx value is an error, not a fall-through).
 */
export function lookup(annotations: Annotations, name: string, prefixes: Prefixes): Found | undefined {
  if (prefixes === 'both') {
    const nginx = annotations[NGINX_PREFIX + name];
    if (nginx !== undefined) return { key: NGINX_PREFIX + name, value: nginx };
  }
  const own = annotations[HIGRESS_PREFIX + name];
  return own === undefined ? undefined : { key: HIGRESS_PREFIX + name, value: own };
}

export function has(annotations: Annotations, name: string, prefixes: Prefixes): boolean {
  return lookup(annotations, name, prefixes) !== undefined;
}

/** `metadata.annotations["higress.io/timeout"]`: where the user finds the bad value. */
export function annotationPath(key: string): string {
  return formatPath(['metadata', 'annotations', key]);
}
