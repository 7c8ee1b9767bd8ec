import { X509Certificate } from 'node:crypto';

/**
 * The DNS names in a DER certificate's subjectAltName, by OpenSSL's parse without its attempt to decode the
 * public key; throws what OpenSSL throws for a certificate it refuses.
 *
 * Node 20's OpenSSL 3.0 spends about two thirds of a certificate parse (some 65 of 100 µs) running the public
 * key through its provider decoders, and then ignores the outcome: a key it cannot decode is not a parse error
 * (crypto/x509/x_pubkey.c pops those errors; the key is only refused when used). We never use the key, only the
 * names. So in our own copy of the bytes the key's algorithm OID gets another last byte, one no algorithm has,
 * and OpenSSL finds no decoder to run (31-36 µs a parse). Every other check of the parse is still OpenSSL's: a
 * certificate it refuses stays refused. A unit test holds the verdicts and names of masked and unmasked parses
 * equal over 18,180 single-byte corruptions of five test certificates (EC, RSA, Ed25519).
 *
 * `der` is modified; pass a buffer nobody else reads. The certificate object is not handed out: its raw bytes
 * and fingerprints would be the masked copy's.
 */
export function certificateDNSNamesOf(der: Buffer): string[] {
  const names: string[] = [];
  for (const entry of (parse(der).subjectAltName ?? '').split(/,\s*/))
    if (entry.startsWith('DNS:')) names.push(entry.slice(4).replace(/^"|"$/g, ''));
  return names;
}

function parse(der: Buffer): X509Certificate {
  const at = keyAlgorithmLastByte(der);
  if (at === undefined) return new X509Certificate(der);
  const original = der[at] as number;
  der[at] = UNKNOWN_ARC;
  try {
    return new X509Certificate(der);
  } catch {
    // Refused: parse the bytes as sent, so a refusal is always OpenSSL's verdict on them. Should a later
    // OpenSSL refuse unknown key algorithms, the mask then costs time, never a certificate.
    der[at] = original;
    return new X509Certificate(der);
  }
}

/** 1.2.840.10045.2.127, 1.2.840.113549.1.1.127, 1.3.101.127: no key algorithm's OID ends in arc 127. */
const UNKNOWN_ARC = 0x7f;

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const OID = 0x06;
const VERSION = 0xa0; // [0] EXPLICIT, optional

/**
 * Where the last content byte of SubjectPublicKeyInfo.algorithm.algorithm is, read the way OpenSSL's decoder
 * reads it: field by field in order, each tag checked, each definite length within its parent. Anything else
 * (indefinite lengths, a wrong tag, a length past its parent) gives undefined and the bytes are parsed as they
 * are, so OpenSSL meets the same bytes wherever this reading and its own could differ. The byte is only changed
 * when it ends a valid OID (high bit clear) and stays a valid ending, so the OID's own validity is unchanged.
 */
function keyAlgorithmLastByte(der: Uint8Array): number | undefined {
  const cert = child(der, 0, der.length, SEQUENCE);
  if (!cert) return undefined;
  const tbs = child(der, cert.start, cert.end, SEQUENCE);
  if (!tbs) return undefined;
  let at = tbs.start;
  const version = child(der, at, tbs.end, VERSION);
  if (version) at = version.end;
  // serialNumber, signature, issuer, validity, subject
  for (const tag of [INTEGER, SEQUENCE, SEQUENCE, SEQUENCE, SEQUENCE]) {
    const field = child(der, at, tbs.end, tag);
    if (!field) return undefined;
    at = field.end;
  }
  const spki = child(der, at, tbs.end, SEQUENCE);
  const algorithm = spki && child(der, spki.start, spki.end, SEQUENCE);
  const oid = algorithm && child(der, algorithm.start, algorithm.end, OID);
  if (!oid || oid.end === oid.start) return undefined;
  const last = oid.end - 1;
  return (der[last] as number) < 0x80 ? last : undefined;
}

interface Extent {
  /** First content byte. */
  start: number;
  /** One past the last content byte. */
  end: number;
}

/** The TLV at `at` if it has tag `tag`, a definite length, and ends by `limit`. */
function child(der: Uint8Array, at: number, limit: number, tag: number): Extent | undefined {
  if (at + 2 > limit || der[at] !== tag) return undefined;
  const first = der[at + 1] as number;
  let start = at + 2;
  let length = first;
  if (first & 0x80) {
    const octets = first & 0x7f;
    if (octets === 0 || octets > 3 || start + octets > limit) return undefined; // indefinite, or over 16 MiB
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + (der[start + i] as number);
    start += octets;
  }
  const end = start + length;
  return end <= limit ? { start, end } : undefined;
}
