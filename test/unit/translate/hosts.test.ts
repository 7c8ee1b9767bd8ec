import { describe, expect, test } from '@jest/globals';
import { distinctHostPrefixes, expandedHosts, hasValidTopLevelDomain } from '../../../src/translate/hosts.js';

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
