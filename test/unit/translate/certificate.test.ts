import { X509Certificate } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { certificateDNSNamesOf } from '../../../src/translate/certificate.js';

const FIXTURES = ['host-1', 'wildcard', 'no-dns', 'rsa', 'ed25519'];

function derOf(name: string): Buffer {
  const pem = readFileSync(new URL(`../../fixtures/certs/${name}.crt`, import.meta.url), 'latin1');
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

/**
 * OpenSSL's own verdict on the bytes as they are: the DNS names, or refused. Not its message: Node leaves errors
 * in OpenSSL's queue across parses, so the message of a refusal can depend on what was parsed before.
 */
function unmasked(der: Buffer): string[] | string {
  try {
    const san = new X509Certificate(der).subjectAltName ?? '';
    return san
      .split(/,\s*/)
      .filter((e) => e.startsWith('DNS:'))
      .map((e) => e.slice(4).replace(/^"|"$/g, '')); // Node quotes a name with escapes in it
  } catch {
    return 'refused';
  }
}

function masked(der: Buffer): string[] | string {
  try {
    return certificateDNSNamesOf(Buffer.from(der));
  } catch {
    return 'refused';
  }
}

/** Each byte replaced by values that flip its tag class, length form, high bit, low bit, and the mask's own byte. */
function* corruptions(der: Buffer): Generator<Buffer> {
  for (let i = 0; i < der.length; i++) {
    const b = der[i] as number;
    for (const v of new Set([0x00, 0x7f, 0x80, 0xff, b ^ 0x01, b ^ 0x80, b ^ 0x20, (b + 1) & 0xff])) {
      if (v === b) continue;
      const copy = Buffer.from(der);
      copy[i] = v;
      yield copy;
    }
  }
}

describe('certificateDNSNamesOf', () => {
  test('reads the DNS names of each key type', () => {
    expect(certificateDNSNamesOf(derOf('host-1'))).toEqual(['host-1.example.com']);
    expect(certificateDNSNamesOf(derOf('wildcard'))).toEqual(['*.example.com', 'example.com']);
    expect(certificateDNSNamesOf(derOf('no-dns'))).toEqual([]);
    expect(certificateDNSNamesOf(derOf('rsa'))).toEqual(['host-2.example.com']);
    expect(certificateDNSNamesOf(derOf('ed25519'))).toEqual(['*.ed.example.com', 'ed.example.com']);
  });

  test.each(FIXTURES)('masks one byte, the last of the key algorithm OID, in %s', (name) => {
    const der = derOf(name);
    const copy = Buffer.from(der);
    certificateDNSNamesOf(copy);
    const changed = [...copy.keys()].filter((i) => copy[i] !== der[i]);
    expect(changed).toHaveLength(1);
    const at = changed[0] as number;
    expect(copy[at]).toBe(0x7f);
    // The key's OID is the first OID after the subject: the bytes before the masked one end in 06 <len> ...
    const key = new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' });
    expect(der.indexOf(key)).toBeGreaterThan(0);
    expect(at).toBeGreaterThan(der.indexOf(key));
    expect(at).toBeLessThan(der.indexOf(key) + key[3]! + 4);
  });

  test('leaves bytes it cannot read as OpenSSL does untouched (indefinite length, truncation, no certificate)', () => {
    const der = derOf('host-1');
    const indefinite = Buffer.from(der);
    indefinite[1] = 0x80;
    for (const input of [indefinite, der.subarray(0, 40), Buffer.from('not a certificate')]) {
      const copy = Buffer.from(input);
      expect(() => certificateDNSNamesOf(copy)).toThrow();
      expect(copy.equals(input)).toBe(true);
    }
  });

  test.each(FIXTURES)(
    'gives the verdict and names of an unmasked parse for every single-byte corruption of %s',
    (name) => {
      let accepted = 0;
      let refused = 0;
      const differ: string[] = [];
      for (const bytes of corruptions(derOf(name))) {
        const want = unmasked(bytes);
        const got = masked(bytes);
        if (typeof want === 'string') refused++;
        else accepted++;
        if (JSON.stringify(got) !== JSON.stringify(want))
          differ.push(`${JSON.stringify(got)} != ${JSON.stringify(want)}`);
      }
      expect(differ).toEqual([]);
      // Both verdicts occur, or the comparison would show nothing.
      expect(accepted).toBeGreaterThan(100);
      expect(refused).toBeGreaterThan(100);
    },
    60_000,
  );
});
