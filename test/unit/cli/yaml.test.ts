import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { load } from 'js-yaml';
import { toYAML } from '../../../src/cli/yaml.js';

// Strings that a YAML reader could take for another type, or that need escapes.
const tricky = fc.constantFrom(
  'yes',
  'No',
  'on',
  'OFF',
  'y',
  'true',
  'null',
  '~',
  '',
  ' ',
  '0',
  '010',
  '0x1F',
  '1e3',
  '1_000',
  '1:20',
  '.inf',
  '-.nan',
  '2001-12-14',
  '*.example.com',
  '&anchor',
  '!tag',
  '%x',
  '@x',
  '`x',
  '#x',
  'a: b',
  'a #b',
  '- x',
  '? x',
  '{x}',
  '[x]',
  '|',
  '>',
  "'",
  '"',
  'line\nbreak',
  'tab\there',
  '\u2028',
  '\u0085',
  '\u007f',
  '\ufeff',
  'é😀',
  'ns/name:0',
  'K-Network-Hash',
);
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    tricky,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string(), tricky), tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('toYAML', () => {
  test('reads back as the same data (js-yaml), for any JSON value', () => {
    fc.assert(
      fc.property(json, (v) => {
        expect(load(toYAML(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 2000 },
    );
  });

  test('kubectl style: block mappings, sequences not indented under their key, tricky strings quoted', () => {
    expect(
      toYAML({
        metadata: { name: 'x', labels: { a: 'yes' } },
        spec: { hosts: ['a.example.com', '*.example.com'], retries: {}, gateways: [] },
      }),
    ).toBe(
      'metadata:\n  name: x\n  labels:\n    a: "yes"\nspec:\n  hosts:\n  - a.example.com\n  - "*.example.com"\n  retries: {}\n  gateways: []\n',
    );
  });

  test('nesting: sequences in sequences, empty collections as items, quoted keys first in an item, undefined dropped', () => {
    // The same map written at different depths and leads: the line starts the writer caches must not mix.
    const item = { yes: 'no', x: undefined, n: [{ '0': 1, b: { c: [] } }] };
    expect(
      toYAML({
        list: [[1, ['a', {}]], {}, [], item],
        empty: { u: undefined },
        s: 'é\u2028',
        deep: { a: { b: [{ c: { d: 'y' } }] } },
        again: item,
      }),
    ).toBe(
      'list:\n- - 1\n  - - a\n    - {}\n- {}\n- []\n- "yes": "no"\n  "n":\n  - "0": 1\n    b:\n      c: []\n' +
        'empty: {}\ns: "é\\u2028"\ndeep:\n  a:\n    b:\n    - c:\n        d: "y"\n' +
        'again:\n  "yes": "no"\n  "n":\n  - "0": 1\n    b:\n      c: []\n',
    );
  });
});
