import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import {
  distinctHostPrefixes,
  expandedHosts,
  hasValidTopLevelDomain,
  sortStrings,
  sortedUnique,
} from '../../../src/translate/hosts.js';

const CD = 'cluster.local';

describe('expandedHosts', () => {
  test.each([
    [['a.b.svc.cluster.local'], ['a.b', 'a.b.svc', 'a.b.svc.cluster.local']],
    [['foo.cluster.local'], ['foo', 'foo.cluster.local']],
    [['x.example.com'], ['x.example.com']],
    [['10.0.0.1'], []],
    [['trailing.dot.'], []],
    [
      ['test-route1', 'test-route2', 'test-route1', 'test-route3'],
      ['test-route1', 'test-route2', 'test-route3'],
    ],
  ])('%j → %j', (hosts, want) => {
    expect(expandedHosts(hosts, CD)).toEqual(want);
  });

  test('another cluster domain', () => {
    expect(expandedHosts(['a.b.svc.corp.internal'], 'corp.internal')).toEqual([
      'a.b',
      'a.b.svc',
      'a.b.svc.corp.internal',
    ]);
  });
});

describe('hasValidTopLevelDomain', () => {
  test.each([
    ['example.com', true],
    ['1.2.3.4', false],
    ['a.123-4', true],
    ['a.*', false],
    ['a.', false],
    [`a.${'x'.repeat(64)}`, false],
  ])('%s → %s', (host, want) => {
    expect(hasValidTopLevelDomain(host)).toBe(want);
  });
});

describe('distinctHostPrefixes', () => {
  test.each([
    [[], []],
    [['a'], ['a']],
    [
      ['a', 'b'],
      ['a', 'b'],
    ],
    [['a', 'ab', 'abc'], ['a']],
    [
      ['a', 'ab', 'abc', 'xyz', 'xy', 'm'],
      ['a', 'm', 'xy'],
    ],
    [['a.default', 'a.default.svc', 'a.default.svc.cluster.local'], ['a.default']],
  ])('%j → %j', (hosts, want) => {
    expect(distinctHostPrefixes(hosts, CD)).toEqual(want);
  });
});

describe('sortStrings and sortedUnique', () => {
  /** Go's sort.Strings order: the UTF-8 bytes compared. */
  const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  // Short lists take the insertion sort, long ones Array.prototype.sort; surrogates force byte order.
  const lists = fc.oneof(
    fc.array(fc.constantFrom('a', 'b', 'a.b', 'a-b', 'B', '', 'ab', 'a.b.svc'), { maxLength: 20 }),
    fc.array(fc.string({ unit: 'binary', maxLength: 4 }), { maxLength: 40 }),
  );

  test('sorts in byte order, in place, whatever the length', () => {
    fc.assert(
      fc.property(lists, (values) => {
        const copy = [...values];
        expect(sortStrings(copy)).toBe(copy);
        expect(copy).toEqual([...values].sort(byBytes));
      }),
    );
  });

  test('sortedUnique keeps each value once, in byte order', () => {
    fc.assert(
      fc.property(lists, (values) => {
        expect(sortedUnique(values)).toEqual([...new Set(values)].sort(byBytes));
      }),
    );
  });

  test('a surrogate pair sorts after U+FFFF-range characters below it in UTF-16', () => {
    // UTF-16 puts U+1F600 (D83D DE00) before U+FF5E; UTF-8 bytes put it after.
    expect(sortStrings(['\u{1F600}', '\uFF5E', 'a'])).toEqual(['a', '\uFF5E', '\u{1F600}']);
  });
});
