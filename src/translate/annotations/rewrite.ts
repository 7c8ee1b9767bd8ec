import { lookup, type Annotations } from './keys.js';
import { text, type Problems } from './values.js';

export interface RewritePolicy {
  /** `higress.io/rewrite-path`: replaces the matched path prefix. */
  path?: string;
  /** `rewrite-target`, RE2 syntax: the whole path becomes this; `\1` is the rest after the matched prefix. */
  target?: string;
  /** `upstream-vhost`: the Host the service sees. */
  host?: string;
}

/**
 * Path and Host rewrites. rewrite-path wins over rewrite-target, as in Higress. KIngress paths are plain
 * prefixes written by Serving (no regex paths), so rewrite-target has one capture group to refer to:
 * `$1`, the rest of the path after the KIngress path (nginx's `$n` becomes RE2's `\n`, as Higress does).
 */
export function parseRewrite(annotations: Annotations, problems: Problems): RewritePolicy | undefined {
  const policy: RewritePolicy = {};
  const pathFound = lookup(annotations, 'rewrite-path', 'higress');
  const path = pathFound ? text(pathFound, problems) : undefined;
  if (pathFound && path !== undefined) {
    if (path.startsWith('/')) policy.path = path;
    else problems.add(pathFound, 'want a path starting with /');
  }
  const targetFound = lookup(annotations, 'rewrite-target', 'both');
  const target = targetFound ? text(targetFound, problems) : undefined;
  if (targetFound && target !== undefined && !pathFound) {
    const groups = [...target.matchAll(/\$(\d)/g)].map((g) => g[1]);
    if (!target.startsWith('/')) problems.add(targetFound, 'want a path starting with /');
    else if (groups.some((g) => g !== '1'))
      problems.add(targetFound, 'only $1 (the rest of the path after the KIngress path) can be referred to');
    else policy.target = target.replaceAll('$1', '\\1');
  }
  const hostFound = lookup(annotations, 'upstream-vhost', 'both');
  const host = hostFound ? text(hostFound, problems) : undefined;
  if (hostFound && host !== undefined) {
    if (/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(host)) policy.host = host;
    else problems.add(hostFound, 'want a host name');
  }
  return (policy.path ?? policy.target ?? policy.host) !== undefined ? policy : undefined;
}
