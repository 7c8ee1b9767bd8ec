import { describe, expect, test } from '@jest/globals';
import type { FieldError } from '../../../src/api/fielderror.js';
import type { IngressTLS } from '../../../src/api/kingress.js';
import { refusedSecretReferences } from '../../../src/translate/secretpolicy.js';
import { kingress, rule, split } from './fixtures.js';

const withTLS = (tls: IngressTLS[]) =>
  kingress('hello', 'team-a', [rule(['hello.example.com'], undefined, [{ splits: [split('hello', 'team-a', 80)] }])], {
    tls,
  });
const tls = (secretNamespace: string, secretName = 'cert'): IngressTLS => ({
  hosts: ['hello.example.com'],
  secretName,
  secretNamespace,
});
const refused = (i: number, ns: string, name = 'cert'): FieldError => ({
  path: `spec.tls[${i}].secretNamespace`,
  message:
    `Secret ${ns}/${name} is not in the KIngress's namespace "team-a" and namespace "${ns}" is not allowed for TLS Secrets ` +
    '(a platform engineer can allow it with --tls-secret-namespaces)',
});

describe('TLS Secret namespace policy', () => {
  test.each<[string, IngressTLS[], string[], FieldError[]]>([
    ["the KIngress's own namespace is always allowed", [tls('team-a')], [], []],
    ['no TLS, nothing to refuse', [], [], []],
    ["another tenant's namespace is refused by default", [tls('team-b')], [], [refused(0, 'team-b')]],
    [
      'kube-system is refused by default',
      [tls('team-a'), tls('kube-system', 'root')],
      [],
      [refused(1, 'kube-system', 'root')],
    ],
    ['an allowed namespace is accepted', [tls('certs')], ['certs'], []],
    ['only the listed namespaces are allowed', [tls('certs'), tls('team-b')], ['certs'], [refused(1, 'team-b')]],
    ['* allows any namespace', [tls('team-b'), tls('kube-system')], ['*'], []],
    ['every refused entry is reported', [tls('x'), tls('y')], [], [refused(0, 'x'), refused(1, 'y')]],
    // A missing namespace is validation's finding (missing field), not the policy's.
    ['an empty secretNamespace is left to validation', [{ hosts: ['hello.example.com'], secretName: 'cert' }], [], []],
  ])('%s', (_name, entries, allowed, want) => {
    expect(refusedSecretReferences(withTLS(entries), allowed)).toEqual(want);
  });
});
