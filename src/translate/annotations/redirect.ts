import { lookup, type Annotations, type Found } from './keys.js';
import { integer, text, type Problems } from './values.js';

export interface RedirectPolicy {
  scheme: string;
  authority: string;
  uri?: string;
  redirectCode: number;
}

const TEMPORARY = 302;
const DEFAULT_PERMANENT = 301;

/**
 * `temporal-redirect: URL` (302; checked first, as Higress does) or `permanent-redirect: URL` with
 * `permanent-redirect-code` (default 301, 300..308). The URL's scheme, host and path replace the request's;
 * a URL without a path keeps the request's path.
 */
export function parseRedirect(annotations: Annotations, problems: Problems): RedirectPolicy | undefined {
  const temporal = lookup(annotations, 'temporal-redirect', 'both');
  if (temporal) return redirect(temporal, TEMPORARY, problems);
  const permanent = lookup(annotations, 'permanent-redirect', 'both');
  if (!permanent) return undefined;
  const codeFound = lookup(annotations, 'permanent-redirect-code', 'both');
  const code = codeFound
    ? integer(codeFound, problems, 300, 308, 'want a redirect status code 300..308')
    : DEFAULT_PERMANENT;
  return code === undefined ? undefined : redirect(permanent, code, problems);
}

function redirect(found: Found, code: number, problems: Problems): RedirectPolicy | undefined {
  const url = text(found, problems);
  if (url === undefined) return undefined;
  const m = /^(https?):\/\/([A-Za-z0-9.-]+(?::\d{1,5})?)(\/[^?#]*)?$/.exec(url);
  if (!m) return problems.add(found, 'want an http(s) URL without query or fragment, e.g. https://example.com/new');
  return { scheme: m[1] ?? '', authority: m[2] ?? '', ...(m[3] ? { uri: m[3] } : {}), redirectCode: code };
}
