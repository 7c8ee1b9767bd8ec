import { describe, expect, test } from '@jest/globals';
import { OwnWrites } from '../../../src/kube/ownwrites.js';

describe('OwnWrites', () => {
  test('our write coming back, and older states before it, are echoes; the next change is news', () => {
    const own = new OwnWrites();
    own.wrote('Ingress:ns/a', '120');
    expect(own.behind('Ingress:ns/a', '100')).toBe(true);
    expect(own.echoed('Ingress:ns/a', '110')).toBe(true); // our finalizer patch, before our status write
    expect(own.echoed('Ingress:ns/a', '120')).toBe(true);
    expect(own.behind('Ingress:ns/a', '120')).toBe(false);
    expect(own.echoed('Ingress:ns/a', '130')).toBe(false);
    expect(own.echoed('Ingress:ns/b', '120')).toBe(false);
  });

  test('a newer version than ours is news at once (a relist may skip ours)', () => {
    const own = new OwnWrites();
    own.wrote('k', '99');
    expect(own.echoed('k', '100')).toBe(false);
    expect(own.echoed('k', '98')).toBe(false);
  });

  test('versions that are not decimal are never assumed older', () => {
    const own = new OwnWrites();
    own.wrote('k', 'abc');
    expect(own.behind('k', 'abb')).toBe(false);
    expect(own.echoed('k', 'abb')).toBe(false);
    own.wrote('k', 'abc');
    expect(own.echoed('k', 'abc')).toBe(true);
  });

  test('an unseen write is forgotten after the TTL', () => {
    let now = 0;
    const own = new OwnWrites(1000, () => now);
    own.wrote('k', '10');
    now = 1001;
    expect(own.behind('k', '5')).toBe(false);
    expect(own.echoed('k', '5')).toBe(false);
  });
});

describe('OwnWrites while a reconcile runs', () => {
  test('an event that overtakes the response of our write is judged when the reconcile ends', () => {
    const own = new OwnWrites();
    own.begin('ns/a');
    expect(own.news('ns/a', 'Ingress:ns/a', '7')).toBe(false); // the watch was faster than the PATCH response
    own.wrote('Ingress:ns/a', '7');
    expect(own.end('ns/a')).toBe(false);
    expect(own.news('ns/a', 'Ingress:ns/a', '8')).toBe(true);
  });

  test('a change by someone else during the reconcile asks for another', () => {
    const own = new OwnWrites();
    own.begin('ns/a');
    own.wrote('VirtualService:ns/a-ingress', '5');
    expect(own.news('ns/a', 'VirtualService:ns/a-ingress', '5')).toBe(false);
    expect(own.news('ns/a', 'Ingress:ns/a', '6')).toBe(false);
    expect(own.end('ns/a')).toBe(true);
  });
});

describe('OwnWrites bookkeeping', () => {
  test('writes whose echo never comes are swept out: no growth over many writes', () => {
    let now = 0;
    const own = new OwnWrites(1000, () => now);
    for (let i = 0; i < 20_000; i++) {
      own.wrote(`Secret:ns/copy-${i}`, String(i + 1));
      now += 1;
    }
    expect(own.size).toBeLessThan(2100);
  });

  test('echoed writes leave nothing behind', () => {
    const own = new OwnWrites();
    for (let i = 0; i < 1000; i++) {
      own.begin(`ns/a${i}`);
      own.wrote(`Ingress:ns/a${i}`, String(100 + i));
      expect(own.end(`ns/a${i}`)).toBe(false);
      expect(own.news(`ns/a${i}`, `Ingress:ns/a${i}`, String(100 + i))).toBe(false);
    }
    expect(own.size).toBe(0);
  });
});
