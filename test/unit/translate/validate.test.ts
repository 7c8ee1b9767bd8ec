import { describe, expect, test } from '@jest/globals';
import type { FieldError } from '../../../src/api/fielderror.js';
import type { KIngress } from '../../../src/api/kingress.js';
import { defaultIngress } from '../../../src/translate/defaults.js';
import { validateIngress } from '../../../src/translate/validate.js';
import { kingress, rule, split } from './fixtures.js';

const valid = () =>
  kingress('hello', 'default', [rule(['hello.example.com'], undefined, [{ splits: [split('hello', 'default', 80)] }])]);
const errorsOf = (ing: KIngress): FieldError[] => {
  const r = validateIngress(defaultIngress(ing));
  return r.ok ? [] : r.error;
};
const mutate = (f: (ing: KIngress) => void) => {
  const ing = valid();
  f(ing);
  return ing;
};
const path0 = (ing: KIngress) => ing.spec.rules![0]!.http!.paths![0]!;

describe('defaulting (Knative SetDefaults)', () => {
  test('empty visibility becomes ExternalIP; a lone split with percent 0 becomes 100', () => {
    const d = defaultIngress(valid());
    expect(d.spec.rules?.[0]?.visibility).toBe('ExternalIP');
    expect(d.spec.rules?.[0]?.http?.paths?.[0]?.splits?.[0]?.percent).toBe(100);
  });
  test('two splits are left alone, httpOption is not defaulted, the input is not mutated', () => {
    const ing = mutate((i) => {
      path0(i).splits = [split('a', 'default', 80, 0), split('b', 'default', 80, 100)];
    });
    const d = defaultIngress(ing);
    expect(d.spec.rules?.[0]?.http?.paths?.[0]?.splits?.map((s) => s.percent)).toEqual([0, 100]);
    expect(d.spec.httpOption).toBeUndefined();
    expect(ing.spec.rules?.[0]?.visibility).toBeUndefined();
  });
});

describe('validateIngress', () => {
  test('a valid KIngress passes', () => {
    expect(errorsOf(valid())).toEqual([]);
  });

  test.each<[string, (i: KIngress) => void, FieldError[]]>([
    [
      'no rules',
      (i) => {
        i.spec.rules = [];
        i.spec.httpOption = 'Enabled';
      },
      [{ path: 'spec.rules', message: 'missing field(s)' }],
    ],
    [
      'empty spec',
      (i) => {
        i.spec = {};
      },
      [{ path: 'spec', message: 'missing field(s)' }],
    ],
    [
      'rule without http',
      (i) => {
        i.spec.rules![0]!.http = undefined;
      },
      [{ path: 'spec.rules[0].http', message: 'missing field(s)' }],
    ],
    [
      'no paths',
      (i) => {
        i.spec.rules![0]!.http!.paths = [];
      },
      [{ path: 'spec.rules[0].http.paths', message: 'missing field(s)' }],
    ],
    [
      'no splits',
      (i) => {
        path0(i).splits = [];
      },
      [{ path: 'spec.rules[0].http.paths[0].splits', message: 'missing field(s)' }],
    ],
    [
      'percents do not sum to 100',
      (i) => {
        path0(i).splits = [split('a', 'default', 80, 80), split('b', 'default', 80, 10)];
      },
      [{ path: 'spec.rules[0].http.paths[0].splits', message: 'percents sum to 90, want 100' }],
    ],
    [
      'percent out of range',
      (i) => {
        path0(i).splits = [split('a', 'default', 80, 101), split('b', 'default', 80, -1)];
      },
      [
        { path: 'spec.rules[0].http.paths[0].splits[0].percent', message: 'invalid value 101, want 0..100' },
        { path: 'spec.rules[0].http.paths[0].splits[1].percent', message: 'invalid value -1, want 0..100' },
      ],
    ],
    [
      'split in another namespace',
      (i) => {
        path0(i).splits = [split('a', 'other', 80)];
      },
      [
        {
          path: 'spec.rules[0].http.paths[0].splits[0].serviceNamespace',
          message: 'service namespace must match ingress namespace ("other" != "default")',
        },
      ],
    ],
    [
      'split without name and port',
      (i) => {
        path0(i).splits = [split('', 'default', 0)];
      },
      [
        { path: 'spec.rules[0].http.paths[0].splits[0].serviceName', message: 'missing field(s)' },
        { path: 'spec.rules[0].http.paths[0].splits[0].servicePort', message: 'missing field(s)' },
      ],
    ],
    [
      'unknown visibility',
      (i) => {
        i.spec.rules![0]!.visibility = 'Public';
      },
      [{ path: 'spec.rules[0].visibility', message: 'invalid value "Public", want "ExternalIP" or "ClusterLocal"' }],
    ],
    [
      'tls without secret',
      (i) => {
        i.spec.tls = [{ hosts: ['hello.example.com'] }];
      },
      [
        { path: 'spec.tls[0].secretName', message: 'missing field(s)' },
        { path: 'spec.tls[0].secretNamespace', message: 'missing field(s)' },
      ],
    ],
    ...hostCases(),
    ...portCases(),
    [
      'a path without the leading slash',
      (i) => {
        path0(i).path = 'api';
      },
      [{ path: 'spec.rules[0].http.paths[0].path', message: 'invalid value "api", must start with "/"' }],
    ],
    [
      'bad httpOption',
      (i) => {
        i.spec.httpOption = 'Always';
      },
      [{ path: 'spec.httpOption', message: 'invalid value "Always", want "Enabled" or "Redirected"' }],
    ],
    // A gateway rejects its whole route configuration over one such header (every KIngress on the port stalls).
    [
      'header match on a name that is no HTTP token',
      (i) => {
        path0(i).headers = { 'X-<b>': { exact: 'v' } };
      },
      [
        {
          path: 'spec.rules[0].http.paths[0].headers["X-<b>"]',
          message: "invalid header name: want letters, digits and !#$%&'*+-.^_`|~",
        },
      ],
    ],
    [
      'appended header value with a line break',
      (i) => {
        path0(i).appendHeaders = { 'X-A': 'one\ntwo' };
      },
      [
        {
          path: 'spec.rules[0].http.paths[0].appendHeaders["X-A"]',
          message: 'invalid header value: control characters (other than tab) are not allowed',
        },
      ],
    ],
    [
      'split header name with a space',
      (i) => {
        path0(i).splits = [split('a', 'default', 80, 100, { 'X A': 'v\tw' })];
      },
      [
        {
          path: 'spec.rules[0].http.paths[0].splits[0].appendHeaders["X A"]',
          message: "invalid header name: want letters, digits and !#$%&'*+-.^_`|~",
        },
      ],
    ],
  ])('%s', (_name, f, want) => {
    expect(errorsOf(mutate(f))).toEqual(want);
  });

  test('all problems are reported at once', () => {
    const ing = mutate((i) => {
      i.spec.httpOption = 'x';
      i.spec.rules!.push({ hosts: ['b.example.com'], visibility: 'Nope', http: { paths: [] } });
    });
    expect(errorsOf(ing).map((e) => e.path)).toEqual([
      'spec.rules[1].visibility',
      'spec.rules[1].http.paths',
      'spec.httpOption',
    ]);
  });
});

type Case = [string, (i: KIngress) => void, FieldError[]];

/** Hosts istiod refuses in a VirtualService or Gateway: each is reported on its own field. */
function hostCases(): Case[] {
  const at = 'spec.rules[0].hosts[0]';
  const host = (h: string) => (i: KIngress) => {
    i.spec.rules![0]!.hosts = [h];
  };
  const label64 = 'a'.repeat(64);
  const long = `${Array.from({ length: 4 }, () => 'b'.repeat(63)).join('.')}.com`; // 4 * 64 + 3 = 259
  return [
    [
      'a host with a port',
      host('hello.example.com:8080'),
      [{ path: at, message: 'host "hello.example.com:8080" has a port; give the host name only' }],
    ],
    [
      'an upper-case host',
      host('Hello.example.com'),
      [{ path: at, message: 'host "Hello.example.com" has upper-case letters; hosts must be lower case' }],
    ],
    [
      'a wildcard host',
      host('*.example.com'),
      [{ path: at, message: 'wildcard host "*.example.com" is not supported; list each host' }],
    ],
    ['a lone wildcard', host('*'), [{ path: at, message: 'wildcard host "*" is not supported; list each host' }]],
    ['an empty host', host(''), [{ path: at, message: 'empty host' }]],
    [
      'an empty label',
      host('hello..example.com'),
      [{ path: at, message: 'host "hello..example.com" has an empty label' }],
    ],
    [
      'a trailing dot',
      host('hello.example.com.'),
      [{ path: at, message: 'host "hello.example.com." has an empty label' }],
    ],
    [
      'a 64-character label',
      host(`${label64}.example.com`),
      [{ path: at, message: `host "${label64}.example.com" has a label of 64 characters, at most 63 allowed` }],
    ],
    [
      'a host over 253 characters',
      host(long),
      [{ path: at, message: 'host is 259 characters long, at most 253 allowed' }],
    ],
    [
      'an underscore',
      host('my_app.example.com'),
      [
        {
          path: at,
          message:
            'host "my_app.example.com": label "my_app" must consist of lower-case letters, digits and \'-\', starting and ending with a letter or digit',
        },
      ],
    ],
    [
      'a label ending in -',
      host('hello-.example.com'),
      [
        {
          path: at,
          message:
            'host "hello-.example.com": label "hello-" must consist of lower-case letters, digits and \'-\', starting and ending with a letter or digit',
        },
      ],
    ],
    [
      'the same host in two rules',
      (i) => {
        i.spec.rules!.push({
          hosts: ['other.example.com', 'hello.example.com'],
          visibility: 'ClusterLocal',
          http: i.spec.rules![0]!.http,
        });
      },
      [{ path: 'spec.rules[1].hosts[1]', message: 'host "hello.example.com" is already in spec.rules[0].hosts[0]' }],
    ],
    [
      'the same host twice in one rule',
      host2('hello.example.com', 'hello.example.com'),
      [{ path: 'spec.rules[0].hosts[1]', message: 'host "hello.example.com" is already in spec.rules[0].hosts[0]' }],
    ],
    [
      'an upper-case TLS host',
      (i) => {
        i.spec.tls = [{ hosts: ['HELLO.example.com'], secretName: 's', secretNamespace: 'default' }];
      },
      [
        {
          path: 'spec.tls[0].hosts[0]',
          message: 'host "HELLO.example.com" has upper-case letters; hosts must be lower case',
        },
      ],
    ],
  ];
}

function host2(a: string, b: string): (i: KIngress) => void {
  return (i) => {
    i.spec.rules![0]!.hosts = [a, b];
  };
}

/** A service port is a number from 1 to 65535 or a name; the numeric string of IntOrString counts as a number. */
function portCases(): Case[] {
  const at = 'spec.rules[0].http.paths[0].splits[0].servicePort';
  const port = (p: number | string) => (i: KIngress) => {
    path0(i).splits = [split('hello', 'default', p)];
  };
  const bad = (shown: string) => [
    { path: at, message: `invalid value ${shown}, want a port number from 1 to 65535 or a port name` },
  ];
  return [
    ['port -1', port(-1), bad('-1')],
    ['port 70000', port(70000), bad('70000')],
    ['port "70000" as a string', port('70000'), bad('"70000"')],
    ['port "-1" as a string', port('-1'), bad('"-1"')],
    ['a named port is valid', port('http'), []],
    ['a numeric string port is valid', port('8080'), []],
    ['port 65535 is valid', port(65535), []],
  ];
}
