import type { FieldError } from '../api/fielderror.js';

// What a gateway accepts in a header it matches or sets. Knative does not check KIngress headers, but Istio's
// pilot passes them to the gateway unchecked, and a gateway (Envoy) rejects a whole route configuration with one
// bad header in it: every KIngress served on that port would stop getting updates. So they are checked here,
// with Istio's own rules for VirtualService headers.

/** RFC 7230 token characters: what an HTTP header name is made of. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Control characters other than horizontal tab. */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** `at` gives the field's path, asked for only when there is an error to report. */
export function validateHeaderNames(names: Iterable<string>, at: () => string, errors: FieldError[]): void {
  for (const name of names) {
    if (!TOKEN.test(name))
      errors.push({
        path: `${at()}[${JSON.stringify(name)}]`,
        message: "invalid header name: want letters, digits and !#$%&'*+-.^_`|~",
      });
  }
}

export function validateHeaderValues(headers: Record<string, string>, at: () => string, errors: FieldError[]): void {
  validateHeaderNames(Object.keys(headers), at, errors);
  for (const name in headers) {
    if (CONTROL.test(headers[name] as string))
      errors.push({
        path: `${at()}[${JSON.stringify(name)}]`,
        message: 'invalid header value: control characters (other than tab) are not allowed',
      });
  }
}

/**
 * A header value as the gateway sets it: Envoy reads `%...%` in values it adds as a command (e.g.
 * `%DOWNSTREAM_REMOTE_ADDRESS%`), so a literal `%` is written `%%`.
 */
export function literalHeaderValue(value: string): string {
  return value.includes('%') ? value.replaceAll('%', '%%') : value;
}
