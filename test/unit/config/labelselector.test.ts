import { describe, test, expect } from '@jest/globals';
import {
  decodeLabelSelector,
  isDNS1123Subdomain,
  matchesLabelSelector,
  validateLabelSelector,
  type LabelSelector,
} from '../../../src/config/labelselector.js';

describe('validateLabelSelector', () => {
  const valid: Array<{ name: string; sel: LabelSelector | undefined }> = [
    { name: 'no selector', sel: undefined },
    { name: 'empty selector', sel: {} },
    {
      name: 'matchLabels with prefixed key and empty value',
      sel: { matchLabels: { 'example.com/team': '', app: 'My_app-1.0' } },
    },
    {
      name: 'every operator',
      sel: {
        matchExpressions: [
          { key: 'a', operator: 'In', values: ['x'] },
          { key: 'b', operator: 'NotIn', values: ['x', 'y'] },
          { key: 'c', operator: 'Exists' },
          { key: 'd', operator: 'DoesNotExist', values: [] },
        ],
      },
    },
  ];
  test.each(valid)('accepts $name', ({ sel }) => {
    expect(validateLabelSelector(sel)).toBeUndefined();
  });

  const LABEL_VALUE_MSG =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', " +
    "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', " +
    "regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
  const NAME_PART_MSG =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end " +
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is " +
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

  const invalid: Array<{ name: string; sel: LabelSelector; want: string }> = [
    {
      name: 'In without values',
      sel: { matchExpressions: [{ key: 'key', operator: 'In' }] },
      want: "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
    },
    {
      name: 'NotIn with empty values',
      sel: { matchExpressions: [{ key: 'key', operator: 'NotIn', values: [] }] },
      want: "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty",
    },
    {
      name: 'Exists with values',
      sel: { matchExpressions: [{ key: 'key', operator: 'Exists', values: ['a', 'b'] }] },
      want: 'values: Invalid value: []string{"a", "b"}: values set must be empty for exists and does not exist',
    },
    {
      name: 'unknown operator',
      sel: { matchExpressions: [{ key: 'key', operator: 'in', values: ['a'] }] },
      want: '"in" is not a valid label selector operator',
    },
    {
      name: 'bad key',
      sel: { matchExpressions: [{ key: '-key', operator: 'Exists' }] },
      want: `key: Invalid value: "-key": ${NAME_PART_MSG}`,
    },
    {
      name: 'empty key',
      sel: { matchExpressions: [{ key: '', operator: 'Exists' }] },
      want: `key: Invalid value: "": name part must be non-empty; ${NAME_PART_MSG}`,
    },
    {
      name: 'too many slashes',
      sel: { matchExpressions: [{ key: 'a/b/c', operator: 'Exists' }] },
      want:
        "key: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', " +
        "and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', " +
        "regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix " +
        "and '/' (e.g. 'example.com/MyName')",
    },
    {
      name: 'empty prefix',
      sel: { matchExpressions: [{ key: '/name', operator: 'Exists' }] },
      want: 'key: Invalid value: "/name": prefix part must be non-empty',
    },
    {
      name: 'bad matchLabels value',
      sel: { matchLabels: { app: 'bad value' } },
      want: `values[0]: Invalid value: "bad value": ${LABEL_VALUE_MSG}`,
    },
    {
      name: 'key and value both bad (aggregated)',
      sel: { matchExpressions: [{ key: '_k', operator: 'In', values: ['-v'] }] },
      want: `[key: Invalid value: "_k": ${NAME_PART_MSG}, values[0]: Invalid value: "-v": ${LABEL_VALUE_MSG}]`,
    },
  ];
  test.each(invalid)('rejects $name', ({ sel, want }) => {
    expect(validateLabelSelector(sel)).toBe(want);
  });

  test('a too long label value is reported with the length rule', () => {
    expect(validateLabelSelector({ matchLabels: { app: 'a'.repeat(64) } })).toBe(
      `values[0]: Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters`,
    );
  });

  test('the upper-case prefix is checked as a DNS subdomain', () => {
    expect(validateLabelSelector({ matchLabels: { 'Example.com/app': 'x' } })).toMatch(
      /^key: Invalid value: "Example.com\/app": prefix part a lowercase RFC 1123 subdomain/,
    );
  });
});

describe('isDNS1123Subdomain', () => {
  test.each([
    ['higress-gateway.higress-system.svc.cluster.local', 0],
    ['a', 0],
    ['_invalid', 1],
    ['Upper.case', 1],
    ['trailing.dot.', 1],
    ['-leading', 1],
    [`${'a'.repeat(250)}.com`, 1],
    [`${'_'.repeat(254)}`, 2],
  ])('%s has %d problem(s)', (value, count) => {
    expect(isDNS1123Subdomain(value)).toHaveLength(count);
  });
});

describe('matchesLabelSelector', () => {
  const labels = { app: 'hello', tier: 'web' };
  const cases: Array<{ name: string; sel: LabelSelector; labels: Record<string, string> | undefined; want: boolean }> =
    [
      { name: 'empty selector matches everything', sel: {}, labels, want: true },
      { name: 'empty selector matches no labels', sel: {}, labels: undefined, want: true },
      { name: 'matchLabels equal', sel: { matchLabels: { app: 'hello' } }, labels, want: true },
      { name: 'matchLabels all must hold', sel: { matchLabels: { app: 'hello', tier: 'db' } }, labels, want: false },
      { name: 'matchLabels missing key', sel: { matchLabels: { team: 'a' } }, labels, want: false },
      {
        name: 'In listed',
        sel: { matchExpressions: [{ key: 'app', operator: 'In', values: ['x', 'hello'] }] },
        labels,
        want: true,
      },
      {
        name: 'In not listed',
        sel: { matchExpressions: [{ key: 'app', operator: 'In', values: ['x'] }] },
        labels,
        want: false,
      },
      {
        name: 'In absent key',
        sel: { matchExpressions: [{ key: 'team', operator: 'In', values: ['x'] }] },
        labels,
        want: false,
      },
      {
        name: 'NotIn listed',
        sel: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['hello'] }] },
        labels,
        want: false,
      },
      {
        name: 'NotIn not listed',
        sel: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['x'] }] },
        labels,
        want: true,
      },
      {
        name: 'NotIn absent key',
        sel: { matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['x'] }] },
        labels,
        want: true,
      },
      { name: 'Exists present', sel: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels, want: true },
      { name: 'Exists absent', sel: { matchExpressions: [{ key: 'team', operator: 'Exists' }] }, labels, want: false },
      {
        name: 'DoesNotExist absent',
        sel: { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] },
        labels,
        want: true,
      },
      {
        name: 'DoesNotExist present',
        sel: { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] },
        labels,
        want: false,
      },
      {
        name: 'labels and expressions AND',
        sel: { matchLabels: { app: 'hello' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['db'] }] },
        labels,
        want: false,
      },
      {
        name: 'inherited properties are not labels',
        sel: { matchExpressions: [{ key: 'toString', operator: 'Exists' }] },
        labels: {},
        want: false,
      },
      {
        name: 'invalid operator selects nothing',
        sel: { matchExpressions: [{ key: 'app', operator: 'Equals', values: ['hello'] }] },
        labels,
        want: false,
      },
    ];
  test.each(cases)('$name', ({ sel, labels: l, want }) => {
    expect(matchesLabelSelector(sel, l)).toBe(want);
  });
});

describe('decodeLabelSelector', () => {
  test('null is no selector, {} is the select-everything selector', () => {
    expect(decodeLabelSelector(null, 'F')).toEqual({ ok: true, value: undefined });
    expect(decodeLabelSelector({}, 'F')).toEqual({ ok: true, value: {} });
  });

  test('field names match case-insensitively, scalars become strings, unknown fields are ignored', () => {
    const raw = {
      MatchLabels: { version: 2, enabled: true },
      MATCHEXPRESSIONS: [{ Key: 'k', OPERATOR: 'In', Values: ['a', 1] }, null],
      other: 'ignored',
    };
    expect(decodeLabelSelector(raw, 'F')).toEqual({
      ok: true,
      value: {
        matchLabels: { version: '2', enabled: 'true' },
        matchExpressions: [
          { key: 'k', operator: 'In', values: ['a', '1'] },
          { key: '', operator: '' },
        ],
      },
    });
  });

  test.each([
    ['not an object', 'x', 'json: cannot unmarshal string into Go struct field F of type v1.LabelSelector'],
    [
      'matchLabels a list',
      { matchLabels: ['a'] },
      'json: cannot unmarshal array into Go struct field F.matchLabels of type map[string]string',
    ],
    [
      'matchLabels value an object',
      { matchLabels: { a: { b: 'c' } } },
      'json: cannot unmarshal object into Go struct field F.matchLabels of type string',
    ],
    [
      'matchExpressions an object',
      { matchExpressions: {} },
      'json: cannot unmarshal object into Go struct field F.matchExpressions of type []v1.LabelSelectorRequirement',
    ],
    [
      'values a string',
      { matchExpressions: [{ key: 'k', operator: 'In', values: 'a' }] },
      'json: cannot unmarshal string into Go struct field F.matchExpressions.values of type []string',
    ],
  ])('type error: %s', (_name, raw, want) => {
    expect(decodeLabelSelector(raw, 'F')).toEqual({ ok: false, error: want });
  });
});
