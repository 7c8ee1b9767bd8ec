import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import * as z from 'zod';
import { kingressSchema, parseKIngress, type KIngress } from '../../../src/api/kingress.js';
import { shapeCheckOf } from '../../../src/api/shape.js';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocuments } from '../../../src/cli/documents.js';
import { kingressArb } from '../translate/arbitraries.js';

const hasKIngressShape = shapeCheckOf(kingressSchema);

/** The KIngresses of examples/ (what Serving writes, checked against the real one by the Serving suite). */
const EXAMPLES = readdirSync('examples')
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => parseDocuments(readFileSync(path.join('examples', f), 'utf8'), f))
  .map((d) => d.object as { kind?: string })
  .filter((o) => o.kind === 'Ingress');

/** hello.yaml's KIngress, a fresh copy. */
const hello = (): KIngress => JSON.parse(JSON.stringify(EXAMPLES[0])) as KIngress;

/** Its first path, as plain data. */
const firstPath = (ing: KIngress) => ing.spec.rules?.[0]?.http?.paths?.[0] as Record<string, unknown>;

/** Every object and array inside `value`, the value itself first. */
function containers(value: unknown): Array<Record<string, unknown> | unknown[]> {
  if (typeof value !== 'object' || value === null) return [];
  const inner = Object.values(value).flatMap(containers);
  return [value as Record<string, unknown>, ...inner];
}

const odd: unknown[] = [undefined, null, 0, -1, 1.5, 2 ** 60, Number.NaN, '', 'x', true, [], {}, ['x'], { x: 1 }];

/** A KIngress (as JSON data) with one change somewhere: a value replaced, a key added or removed, a `__proto__` key. */
const mutatedArb = fc
  .tuple(kingressArb, fc.nat(), fc.nat(), fc.constantFrom('replace', 'add', 'delete', 'proto'), fc.constantFrom(...odd))
  .map(([ing, where, which, how, value]) => {
    const copy = JSON.parse(JSON.stringify(ing)) as unknown;
    const all = containers(copy);
    const target = all[where % all.length] as Record<string, unknown>;
    const keys = Object.keys(target);
    const key = keys.length > 0 ? (keys[which % keys.length] as string) : '0';
    if (how === 'replace') target[key] = value;
    else if (how === 'add') target[Array.isArray(target) ? String(keys.length) : `extra${which % 3}`] = value;
    else if (how === 'delete') delete target[key];
    // As JSON.parse makes one; arrays from JSON never have keys other than their indices.
    else if (!Array.isArray(target))
      Object.defineProperty(target, '__proto__', { value, enumerable: true, configurable: true, writable: true });
    return copy;
  });

describe('shapeCheckOf', () => {
  test('yes only when zod accepts the value and returns an equal copy (fast-check, mutated KIngresses)', () => {
    let yes = 0;
    fc.assert(
      fc.property(mutatedArb, (input) => {
        if (!hasKIngressShape(input)) return;
        yes++;
        const parsed = kingressSchema.safeParse(input);
        expect(parsed.success).toBe(true);
        expect(parsed.data).toEqual(input);
        expect(Object.keys(parsed.data ?? {})).toEqual(Object.keys(input as object));
      }),
      { numRuns: 3000 },
    );
    // Mutations of loose parts (metadata, status) keep the shape: the property was exercised, not vacuous.
    expect(yes).toBeGreaterThan(100);
  });

  test('says yes to what Serving and the API server send: every generated and every example KIngress', () => {
    fc.assert(fc.property(kingressArb, (ing) => hasKIngressShape(ing)));
    expect(EXAMPLES.length).toBeGreaterThan(5);
    expect(EXAMPLES.filter((ing) => !hasKIngressShape(ing))).toEqual([]);
    const stored = {
      ...hello(),
      metadata: { ...hello().metadata, uid: 'u', resourceVersion: '7', generation: 2, finalizers: ['f'] },
      status: { observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True', reason: 'r' }] },
    };
    expect(hasKIngressShape(stored)).toBe(true);
  });

  test.each<[string, (ing: KIngress) => void]>([
    ['a key a stripping object would drop', (i) => (firstPath(i).unknown = 'x')],
    ['a header match with an extra key', (i) => (firstPath(i).headers = { a: { exact: 'b', x: 1 } })],
    [
      'a fractional percent',
      (i) => (firstPath(i).splits = [{ ...(firstPath(i).splits as object[])[0], percent: 50.5 }]),
    ],
    ['an empty name', (i) => (i.metadata.name = '')],
    [
      'a condition status outside the enum',
      (i) => (i.status = JSON.parse('{"conditions":[{"type":"R","status":"Yes"}]}') as KIngress['status']),
    ],
    [
      'an own __proto__ annotation',
      (i) => (i.metadata.annotations = JSON.parse('{"__proto__": "x"}') as Record<string, string>),
    ],
  ])('no to %s', (_what, change) => {
    const ing = hello();
    expect(hasKIngressShape(ing)).toBe(true);
    change(ing);
    expect(hasKIngressShape(ing)).toBe(false);
  });

  test('a schema with anything it does not know compiles to a check that always says no', () => {
    const schemas = [
      z.string().regex(/^a/),
      z.object({ a: z.string().transform((s) => s.length) }),
      z.object({ a: z.string() }).refine(() => true),
      z.array(z.string()).min(1),
      z.number().min(3),
    ];
    for (const s of schemas) expect(shapeCheckOf(s)('a')).toBe(false);
    expect(shapeCheckOf(z.object({ a: z.array(z.string()).min(1) }))({ a: ['x'] })).toBe(false);
  });
});

describe('parseKIngress', () => {
  test('returns a KIngress of the exact shape as it is, and anything else as zod reads it', () => {
    const ing = hello();
    const same = parseKIngress(ing);
    expect(same.ok && same.value).toBe(ing);

    (ing.spec.rules?.[0] as Record<string, unknown>).unknown = 'dropped';
    const copied = parseKIngress(ing);
    expect(copied.ok && copied.value).not.toBe(ing);
    expect(copied.ok && (copied.value.spec.rules?.[0] as Record<string, unknown>).unknown).toBeUndefined();

    const broken = parseKIngress({ ...ing, spec: { rules: 'x' } });
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.error[0]?.path).toBe('spec.rules');
  });
});
