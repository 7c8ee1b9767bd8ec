import { describe, expect, test } from '@jest/globals';
import type { FieldError } from '../../../../src/api/fielderror.js';
import { parseRoutePolicy, type RoutePolicy } from '../../../../src/translate/annotations/policy.js';

const H = 'higress.io/';
const N = 'nginx.ingress.kubernetes.io/';
const parse = (a: Record<string, string>) => parseRoutePolicy(a, 'default');
const ok = (a: Record<string, string>): RoutePolicy => {
  const r = parse(a);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
};
const errors = (a: Record<string, string>): FieldError[] => {
  const r = parse(a);
  return r.ok ? [] : r.error;
};
const at = (key: string) => `metadata.annotations[${JSON.stringify(key)}]`;

const withoutMaxAge = <T extends { maxAge?: string }>({ maxAge: _dropped, ...rest }: T) => rest;
const CORS_DEFAULTS = {
  allowOrigins: [{ regex: '.*' }],
  allowMethods: ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS'],
  allowHeaders: [
    'DNT',
    'X-CustomHeader',
    'Keep-Alive',
    'User-Agent',
    'X-Requested-With',
    'If-Modified-Since',
    'Cache-Control',
    'Content-Type',
    'Authorization',
  ],
  allowCredentials: true,
  maxAge: '1728000s',
};

// Keys, value syntax and defaults of Higress's annotation parsers, one row per behaviour.
describe('parseRoutePolicy: accepted values', () => {
  test.each<[string, Record<string, string>, RoutePolicy]>([
    ['no annotations', {}, {}],
    ['unrelated annotations', { 'serving.knative.dev/creator': 'admin', [`${H}unknown-thing`]: 'x' }, {}],
    // timeout: higress.io only, whole seconds, 0 = none
    ['timeout', { [`${H}timeout`]: '5' }, { timeout: '5s' }],
    ['timeout 0 sets none', { [`${H}timeout`]: '0' }, {}],
    ["timeout under the nginx prefix is not Higress's", { [`${N}timeout`]: '5' }, {}],
    // retries: either prefix, nginx first; defaults 3 attempts on 5xx
    [
      'retry defaults once any retry key is set',
      { [`${H}proxy-next-upstream-tries`]: '3' },
      { retries: { attempts: 3, retryOn: '5xx' } },
    ],
    [
      'retry attempts and per-try timeout',
      { [`${N}proxy-next-upstream-tries`]: '2', [`${N}proxy-next-upstream-timeout`]: '4' },
      { retries: { attempts: 2, perTryTimeout: '4s', retryOn: '5xx' } },
    ],
    [
      'per-try timeout 0 is left out',
      { [`${H}proxy-next-upstream-timeout`]: '0' },
      { retries: { attempts: 3, retryOn: '5xx' } },
    ],
    [
      'nginx key wins over higress.io',
      { [`${N}proxy-next-upstream-tries`]: '1', [`${H}proxy-next-upstream-tries`]: '7' },
      { retries: { attempts: 1, retryOn: '5xx' } },
    ],
    [
      'error/timeout/invalid_header become 5xx',
      { [`${H}proxy-next-upstream`]: 'error timeout invalid_header' },
      { retries: { attempts: 3, retryOn: '5xx' } },
    ],
    [
      'status codes, comma-separated',
      { [`${H}proxy-next-upstream`]: 'http_502, http_503,http_502' },
      { retries: { attempts: 3, retryOn: 'retriable-status-codes,502,503' } },
    ],
    [
      'everything together',
      { [`${N}proxy-next-upstream`]: 'error non_idempotent http_429' },
      { retries: { attempts: 3, retryOn: '5xx,non_idempotent,retriable-status-codes,429' } },
    ],
    [
      'off disables retries',
      { [`${H}proxy-next-upstream`]: 'off', [`${H}proxy-next-upstream-tries`]: '5' },
      { retries: { attempts: 0, retryOn: '5xx' } },
    ],
    // CORS: either prefix, only when enabled
    ['CORS defaults', { [`${H}enable-cors`]: 'true' }, { cors: CORS_DEFAULTS }],
    ['CORS disabled ignores the rest', { [`${N}enable-cors`]: 'false', [`${N}cors-allow-origin`]: 'not a url' }, {}],
    [
      'CORS with every key',
      {
        [`${N}enable-cors`]: 'True',
        [`${N}cors-allow-origin`]: 'https://a.example.com, https://*.example.org, http://localhost:8080',
        [`${N}cors-allow-methods`]: 'GET,POST',
        [`${N}cors-allow-headers`]: 'X-Token',
        [`${N}cors-expose-headers`]: 'X-Request-Id, X-Trace',
        [`${N}cors-allow-credentials`]: 'false',
        [`${N}cors-max-age`]: '60',
      },
      {
        cors: {
          allowOrigins: [
            { exact: 'https://a.example.com' },
            { regex: '.*\\.example\\.org' },
            { exact: 'http://localhost:8080' },
          ],
          allowMethods: ['GET', 'POST'],
          allowHeaders: ['X-Token'],
          exposeHeaders: ['X-Request-Id', 'X-Trace'],
          allowCredentials: false,
          maxAge: '60s',
        },
      },
    ],
    [
      'a * among origins means any origin',
      { [`${H}enable-cors`]: '1', [`${H}cors-allow-origin`]: 'https://a.com, *' },
      { cors: CORS_DEFAULTS },
    ],
    [
      'CORS max age 0 is left out',
      { [`${H}enable-cors`]: 't', [`${H}cors-max-age`]: '0' },
      { cors: withoutMaxAge(CORS_DEFAULTS) },
    ],
    // header control: higress.io only
    [
      'request and response header control',
      {
        [`${H}request-header-control-add`]: 'X-Env  prod\nX-Team blue team',
        [`${H}request-header-control-update`]: 'User-Agent bot',
        [`${H}request-header-control-remove`]: 'X-Debug, Cookie',
        [`${H}response-header-control-update`]: 'Cache-Control no-store',
        [`${H}response-header-control-remove`]: 'Server',
      },
      {
        headers: {
          request: {
            add: { 'X-Env': 'prod', 'X-Team': 'blue team' },
            set: { 'User-Agent': 'bot' },
            remove: ['X-Debug', 'Cookie'],
          },
          response: { set: { 'Cache-Control': 'no-store' }, remove: ['Server'] },
        },
      },
    ],
    [
      'quoted header names and values lose one pair of quotes',
      { [`${H}request-header-control-update`]: '"X-Quoted" "a b"\nX-Single \'c\'\nX-Inner a"b"' },
      { headers: { request: { set: { 'X-Quoted': 'a b', 'X-Single': 'c', 'X-Inner': 'a"b"' } } } },
    ],
    ["header control under the nginx prefix is not Higress's", { [`${N}request-header-control-add`]: 'X-A b' }, {}],
    // mirror: either prefix
    [
      'mirror to a Service in the KIngress namespace',
      { [`${H}mirror-target-service`]: 'shadow:8080' },
      { mirror: { target: { service: { namespace: 'default', name: 'shadow' } }, port: 8080 } },
    ],
    [
      'mirror to another namespace with a percentage',
      { [`${N}mirror-target-service`]: 'test/shadow:80', [`${N}mirror-percentage`]: '25' },
      { mirror: { target: { service: { namespace: 'test', name: 'shadow' } }, port: 80, percentage: 25 } },
    ],
    [
      'mirror percentage 100 means all',
      { [`${H}mirror-target-service`]: 'shadow:80', [`${H}mirror-percentage`]: '100' },
      { mirror: { target: { service: { namespace: 'default', name: 'shadow' } }, port: 80 } },
    ],
    [
      'mirror to an FQDN, default port 80, wins over a Service',
      { [`${H}mirror-target-fqdn`]: 'shadow.example.com', [`${H}mirror-target-service`]: 'x:1' },
      { mirror: { target: { fqdn: 'shadow.example.com' }, port: 80 } },
    ],
    [
      'mirror to an FQDN and port',
      {
        [`${H}mirror-target-fqdn`]: 'shadow.example.com',
        [`${H}mirror-target-fqdn-port`]: '8443',
        [`${H}mirror-percentage`]: '0',
      },
      { mirror: { target: { fqdn: 'shadow.example.com' }, port: 8443, percentage: 0 } },
    ],
    ['a percentage alone mirrors nothing', { [`${H}mirror-percentage`]: '10' }, {}],
    // rewrite
    ['rewrite-path (higress.io only)', { [`${H}rewrite-path`]: '/v2' }, { rewrite: { path: '/v2' } }],
    ['rewrite-target with $1', { [`${N}rewrite-target`]: '/api/$1' }, { rewrite: { target: '/api/\\1' } }],
    [
      'rewrite-path wins over rewrite-target',
      { [`${H}rewrite-path`]: '/v2', [`${H}rewrite-target`]: '/$1' },
      { rewrite: { path: '/v2' } },
    ],
    [
      'upstream-vhost',
      { [`${N}upstream-vhost`]: 'backend.internal:8080' },
      { rewrite: { host: 'backend.internal:8080' } },
    ],
    // redirect
    [
      'permanent redirect, default 301, path kept',
      { [`${H}permanent-redirect`]: 'https://new.example.com' },
      { redirect: { scheme: 'https', authority: 'new.example.com', redirectCode: 301 } },
    ],
    [
      'permanent redirect with code and path',
      { [`${N}permanent-redirect`]: 'http://new.example.com:8080/landing', [`${N}permanent-redirect-code`]: '308' },
      { redirect: { scheme: 'http', authority: 'new.example.com:8080', uri: '/landing', redirectCode: 308 } },
    ],
    [
      'temporal redirect wins and is always 302',
      { [`${H}temporal-redirect`]: 'https://maintenance.example.com/', [`${H}permanent-redirect`]: 'https://x.com' },
      { redirect: { scheme: 'https', authority: 'maintenance.example.com', uri: '/', redirectCode: 302 } },
    ],
  ])('%s', (_name, annotations, want) => {
    expect(ok(annotations)).toEqual(JSON.parse(JSON.stringify(want)));
  });
});

describe('parseRoutePolicy: bad values name the annotation and the value', () => {
  test.each<[string, Record<string, string>, FieldError[]]>([
    [
      'non-numeric timeout',
      { [`${H}timeout`]: '5s' },
      [{ path: at(`${H}timeout`), message: 'invalid value "5s": want whole seconds, e.g. "5"' }],
    ],
    [
      'negative timeout',
      { [`${H}timeout`]: '-1' },
      [{ path: at(`${H}timeout`), message: 'invalid value "-1": want whole seconds, e.g. "5"' }],
    ],
    [
      'attempts not a number',
      { [`${N}proxy-next-upstream-tries`]: 'three' },
      [
        {
          path: at(`${N}proxy-next-upstream-tries`),
          message: 'invalid value "three": want a whole number of attempts',
        },
      ],
    ],
    [
      'per-try timeout with a unit',
      { [`${H}proxy-next-upstream-timeout`]: '2s' },
      [{ path: at(`${H}proxy-next-upstream-timeout`), message: 'invalid value "2s": want whole seconds, e.g. "2"' }],
    ],
    [
      'unknown retry condition',
      { [`${H}proxy-next-upstream`]: 'error http_5xx sometimes' },
      [
        {
          path: at(`${H}proxy-next-upstream`),
          message:
            'invalid value "error http_5xx sometimes": unknown retry condition(s) "http_5xx", "sometimes"; want error, timeout, invalid_header, http_NNN, non_idempotent or off',
        },
      ],
    ],
    [
      'empty retry condition',
      { [`${H}proxy-next-upstream`]: ' ' },
      [{ path: at(`${H}proxy-next-upstream`), message: 'invalid value " ": empty' }],
    ],
    [
      'enable-cors not a boolean',
      { [`${H}enable-cors`]: 'yes' },
      [{ path: at(`${H}enable-cors`), message: 'invalid value "yes": want true or false' }],
    ],
    [
      'CORS origin that is not a URL',
      {
        [`${H}enable-cors`]: 'true',
        [`${H}cors-allow-origin`]: 'example.com, ftp://x.org, https://a.com/path, https://a.*.com',
      },
      [
        {
          path: at(`${H}cors-allow-origin`),
          message:
            'invalid value "example.com, ftp://x.org, https://a.com/path, https://a.*.com": origin "example.com" is not a URL like https://example.com or https://*.example.com',
        },
        {
          path: at(`${H}cors-allow-origin`),
          message:
            'invalid value "example.com, ftp://x.org, https://a.com/path, https://a.*.com": origin "ftp://x.org" is not a URL like https://example.com or https://*.example.com',
        },
        {
          path: at(`${H}cors-allow-origin`),
          message:
            'invalid value "example.com, ftp://x.org, https://a.com/path, https://a.*.com": origin "https://a.com/path" is not a URL like https://example.com or https://*.example.com',
        },
        {
          path: at(`${H}cors-allow-origin`),
          message:
            'invalid value "example.com, ftp://x.org, https://a.com/path, https://a.*.com": origin "https://a.*.com" is not a URL like https://example.com or https://*.example.com',
        },
      ],
    ],
    [
      'CORS origin with a bad port',
      { [`${H}enable-cors`]: 'true', [`${H}cors-allow-origin`]: 'https://a.com:70000' },
      [
        {
          path: at(`${H}cors-allow-origin`),
          message:
            'invalid value "https://a.com:70000": origin "https://a.com:70000" is not a URL like https://example.com or https://*.example.com',
        },
      ],
    ],
    [
      'CORS methods that are not tokens',
      { [`${N}enable-cors`]: 'true', [`${N}cors-allow-methods`]: 'GET POST' },
      [
        {
          path: at(`${N}cors-allow-methods`),
          message: 'invalid value "GET POST": want a comma-separated list of HTTP methods',
        },
      ],
    ],
    [
      'CORS headers that are not tokens',
      { [`${N}enable-cors`]: 'true', [`${N}cors-allow-headers`]: 'X:Y' },
      [
        {
          path: at(`${N}cors-allow-headers`),
          message: 'invalid value "X:Y": want a comma-separated list of header names',
        },
      ],
    ],
    [
      'CORS expose headers empty',
      { [`${N}enable-cors`]: 'true', [`${N}cors-expose-headers`]: ',' },
      [
        {
          path: at(`${N}cors-expose-headers`),
          message: 'invalid value ",": want a comma-separated list of header names',
        },
      ],
    ],
    [
      'CORS credentials not a boolean',
      { [`${N}enable-cors`]: 'true', [`${N}cors-allow-credentials`]: 'on' },
      [{ path: at(`${N}cors-allow-credentials`), message: 'invalid value "on": want true or false' }],
    ],
    [
      'CORS max age not a number',
      { [`${N}enable-cors`]: 'true', [`${N}cors-max-age`]: '1d' },
      [{ path: at(`${N}cors-max-age`), message: 'invalid value "1d": want whole seconds' }],
    ],
    [
      'header line without a value',
      { [`${H}request-header-control-add`]: 'X-A 1\nX-B' },
      [
        {
          path: at(`${H}request-header-control-add`),
          message: 'invalid value "X-A 1\\nX-B": line "X-B" is not "Header-Name value"',
        },
      ],
    ],
    [
      'header name that is not a token',
      { [`${H}response-header-control-update`]: 'X:A 1' },
      [
        {
          path: at(`${H}response-header-control-update`),
          message: 'invalid value "X:A 1": line "X:A 1" is not "Header-Name value"',
        },
      ],
    ],
    [
      'header remove with a bad name',
      { [`${H}request-header-control-remove`]: 'X A' },
      [
        {
          path: at(`${H}request-header-control-remove`),
          message: 'invalid value "X A": want a comma-separated list of header names',
        },
      ],
    ],
    [
      'mirror Service without a port',
      { [`${H}mirror-target-service`]: 'shadow' },
      [
        {
          path: at(`${H}mirror-target-service`),
          message:
            'invalid value "shadow": want [namespace/]name:port (net-higress does not look up the Service for its first port)',
        },
      ],
    ],
    [
      'mirror Service with a bad name',
      { [`${H}mirror-target-service`]: 'Shadow_1:80' },
      [
        {
          path: at(`${H}mirror-target-service`),
          message: 'invalid value "Shadow_1:80": want a Service name and namespace (DNS labels)',
        },
      ],
    ],
    [
      'mirror Service port out of range',
      { [`${H}mirror-target-service`]: 'shadow:0' },
      [{ path: at(`${H}mirror-target-service`), message: 'invalid value "shadow:0": want a port 1..65535' }],
    ],
    [
      'mirror percentage out of range',
      { [`${H}mirror-target-service`]: 'shadow:80', [`${H}mirror-percentage`]: '150' },
      [{ path: at(`${H}mirror-percentage`), message: 'invalid value "150": want a whole percentage 0..100' }],
    ],
    [
      'mirror FQDN that is not a DNS name',
      { [`${N}mirror-target-fqdn`]: 'http://shadow' },
      [{ path: at(`${N}mirror-target-fqdn`), message: 'invalid value "http://shadow": want a DNS name' }],
    ],
    [
      'mirror FQDN port not a number',
      { [`${N}mirror-target-fqdn`]: 'shadow.example.com', [`${N}mirror-target-fqdn-port`]: 'http' },
      [{ path: at(`${N}mirror-target-fqdn-port`), message: 'invalid value "http": want a port 1..65535' }],
    ],
    [
      'rewrite-path not a path',
      { [`${H}rewrite-path`]: 'v2' },
      [{ path: at(`${H}rewrite-path`), message: 'invalid value "v2": want a path starting with /' }],
    ],
    [
      'rewrite-target with a second group',
      { [`${H}rewrite-target`]: '/$2' },
      [
        {
          path: at(`${H}rewrite-target`),
          message: 'invalid value "/$2": only $1 (the rest of the path after the KIngress path) can be referred to',
        },
      ],
    ],
    [
      'rewrite-target not a path',
      { [`${H}rewrite-target`]: 'x/$1' },
      [{ path: at(`${H}rewrite-target`), message: 'invalid value "x/$1": want a path starting with /' }],
    ],
    [
      'upstream-vhost not a host',
      { [`${N}upstream-vhost`]: 'a b' },
      [{ path: at(`${N}upstream-vhost`), message: 'invalid value "a b": want a host name' }],
    ],
    [
      'redirect that is not an http URL',
      { [`${H}permanent-redirect`]: 'tcp://x.org' },
      [
        {
          path: at(`${H}permanent-redirect`),
          message:
            'invalid value "tcp://x.org": want an http(s) URL without query or fragment, e.g. https://example.com/new',
        },
      ],
    ],
    [
      'redirect with a query',
      { [`${H}temporal-redirect`]: 'https://x.org/?a=1' },
      [
        {
          path: at(`${H}temporal-redirect`),
          message:
            'invalid value "https://x.org/?a=1": want an http(s) URL without query or fragment, e.g. https://example.com/new',
        },
      ],
    ],
    [
      'redirect code out of range',
      { [`${H}permanent-redirect`]: 'https://x.org', [`${H}permanent-redirect-code`]: '404' },
      [
        {
          path: at(`${H}permanent-redirect-code`),
          message: 'invalid value "404": want a redirect status code 300..308',
        },
      ],
    ],
    [
      'empty string value',
      { [`${H}rewrite-path`]: '' },
      [{ path: at(`${H}rewrite-path`), message: 'invalid value "": empty' }],
    ],
    [
      'every bad value at once, in a fixed order',
      { [`${H}timeout`]: 'x', [`${H}redirect-nothing`]: '', [`${H}permanent-redirect`]: 'nope' },
      [
        { path: at(`${H}timeout`), message: 'invalid value "x": want whole seconds, e.g. "5"' },
        {
          path: at(`${H}permanent-redirect`),
          message: 'invalid value "nope": want an http(s) URL without query or fragment, e.g. https://example.com/new',
        },
      ],
    ],
  ])('%s', (_name, annotations, want) => {
    expect(errors(annotations)).toEqual(want);
  });
});
