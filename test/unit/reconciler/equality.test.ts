import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { specDigest } from '../../../src/kube/spec-digest.js';
import { jsonEqual, mapsEqual } from '../../../src/reconciler/equality.js';

/** The definition: equal JSON once keys are sorted and undefined fields dropped. */
function canonical(v: unknown): string {
  return (
    JSON.stringify(v, (_k, value: unknown) => {
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        return Object.fromEntries(
          Object.entries(value as Record<string, unknown>)
            .filter(([, x]) => x !== undefined)
            .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
        );
      }
      return value;
    }) ?? 'undefined'
  );
}

// Integer-like keys too: V8 lists them first, whatever their insertion order.
const key = fc.constantFrom('a', 'b', 'c', '0', '9', '10');

const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, undefined, true, false, 0, 1, '', 'a', 'b'),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(key, tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** The same data with every object's keys in reverse order. */
function reordered(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reordered);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .reverse()
        .map(([k, x]) => [k, reordered(x)]),
    );
  return v;
}

describe('jsonEqual', () => {
  test('agrees with comparing canonical JSON', () => {
    fc.assert(
      fc.property(json, json, (a, b) => jsonEqual(a, b) === (canonical(a) === canonical(b))),
      { numRuns: 2000 },
    );
  });

  test('key order and undefined fields do not matter; values do', () => {
    fc.assert(fc.property(json, (a) => jsonEqual(a, reordered(a))));
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual([undefined], [null])).toBe(true);
    expect(jsonEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual(undefined, null)).toBe(false);
    expect(mapsEqual(undefined, {})).toBe(true);
  });
});

describe('specDigest (what the VirtualService cache keeps of a spec)', () => {
  const spec = fc.dictionary(key, json, { maxKeys: 5 });

  test('two specs have the same digest exactly when jsonEqual holds', () => {
    fc.assert(
      fc.property(spec, spec, (a, b) => (specDigest(a) === specDigest(b)) === jsonEqual(a, b)),
      { numRuns: 2000 },
    );
    fc.assert(fc.property(spec, (a) => specDigest(a) === specDigest(reordered(a))));
    expect(specDigest({ a: '1' })).not.toBe(specDigest({ a: 1 }));
    expect(specDigest({ 'a,b': 1 })).not.toBe(specDigest({ a: 1, b: 1 }));
    expect(specDigest({ b: 1, 10: { y: [undefined], x: 2 }, 9: 0 })).toBe(
      specDigest({ 9: 0, 10: { x: 2, y: [null] }, b: 1 }),
    );
  });
});
