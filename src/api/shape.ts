import type * as z from 'zod';
import { isRecord } from './json.js';

/**
 * Whether a value (JSON data, as JSON.parse or a YAML reader makes it) already has a schema's exact shape: the
 * schema would accept it and return an equal copy.
 */
export type ShapeCheck = (value: unknown) => boolean;

/**
 * A plain-function check compiled from a zod schema, for input that is almost always well-formed: a KIngress
 * parse cost 12-13 µs, a fifth of `render`'s time, and this check 5-6. It says yes only when zod
 * would accept the value *unchanged*: no key a stripping object would drop, no `__proto__` key (which a copy
 * would turn into a prototype). Every other answer is no, and the caller parses with zod as before.
 *
 * Compiled from the schema, not written beside it, so the two cannot drift apart; a schema using anything
 * this does not know (refinements, transforms, other checks) compiles to a check that always says no.
 */
export function shapeCheckOf(schema: z.ZodType): ShapeCheck {
  return compile(schema) ?? (() => false);
}

interface Def {
  type: string;
  checks?: Array<{ _zod: { def: { check: string; format?: string; minimum?: number } } }>;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  innerType?: z.ZodType;
  element?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  values?: unknown[];
  entries?: Record<string, unknown>;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { def: Def }).def;

function compile(schema: z.ZodType): ShapeCheck | undefined {
  const def = defOf(schema);
  const checks = (def.checks ?? []).map((c) => c._zod.def);
  switch (def.type) {
    case 'string': {
      if (checks.some((c) => c.check !== 'min_length')) return undefined;
      const min = Math.max(0, ...checks.map((c) => c.minimum ?? 0));
      return (v) => typeof v === 'string' && v.length >= min;
    }
    case 'number':
      if (checks.length === 0) return (v) => typeof v === 'number' && Number.isFinite(v);
      if (checks.length === 1 && checks[0]?.check === 'number_format' && checks[0].format === 'safeint')
        return (v) => Number.isSafeInteger(v);
      return undefined;
    case 'boolean':
      return checks.length === 0 ? (v) => typeof v === 'boolean' : undefined;
    case 'unknown':
      return () => true;
    case 'literal': {
      const values = def.values ?? [];
      return (v) => values.includes(v);
    }
    case 'enum': {
      const values = Object.values(def.entries ?? {});
      return (v) => values.includes(v);
    }
    case 'optional':
    case 'nullable': {
      const inner = def.innerType && compile(def.innerType);
      if (!inner) return undefined;
      return def.type === 'optional' ? (v) => v === undefined || inner(v) : (v) => v === null || inner(v);
    }
    case 'array': {
      const element = def.element && checks.length === 0 ? compile(def.element) : undefined;
      if (!element) return undefined;
      return (v) => {
        if (!Array.isArray(v)) return false;
        for (const e of v) if (!element(e)) return false;
        return true;
      };
    }
    case 'record': {
      const key = def.keyType && defOf(def.keyType);
      const value = def.valueType && compile(def.valueType);
      if (key?.type !== 'string' || (key.checks ?? []).length > 0 || !value) return undefined;
      return (v) => {
        if (!isRecord(v)) return false;
        for (const k in v) if (k === '__proto__' || !value(v[k])) return false;
        return true;
      };
    }
    case 'union': {
      const options = (def.options ?? []).map(compile);
      if (options.some((o) => !o)) return undefined;
      return (v) => options.some((o) => o?.(v));
    }
    case 'object':
      return compileObject(def);
    default:
      return undefined;
  }
}

function compileObject(def: Def): ShapeCheck | undefined {
  const fields: Array<[string, ShapeCheck]> = [];
  for (const [key, field] of Object.entries(def.shape ?? {})) {
    const check = compile(field);
    if (!check) return undefined;
    fields.push([key, check]);
  }
  // A loose object (catchall unknown) keeps other keys as they are; any other object drops or refuses them.
  const loose = def.catchall !== undefined && defOf(def.catchall).type === 'unknown';
  if (def.catchall !== undefined && !loose && defOf(def.catchall).type !== 'never') return undefined;
  const keys = fields.map(([k]) => k);
  const checks = fields.map(([, c]) => c);
  if (loose) return (v) => isRecord(v) && !Object.hasOwn(v, '__proto__') && checkFields(v, keys, checks) >= 0;
  // Unknown keys are found by counting, not by looking each key up: every key is a known one exactly when the
  // object has as many keys as known fields are set. (A known key holding `undefined`, which JSON never makes,
  // is counted only by the loop, so such an object is answered no: zod then decides.)
  return (v) => {
    if (!isRecord(v)) return false;
    const present = checkFields(v, keys, checks);
    if (present < 0) return false;
    let count = 0;
    for (const key in v) {
      if (key === '__proto__') return false;
      count++;
    }
    return count === present;
  };
}

/** How many of the fields are set, each passing its check; -1 when one fails. */
function checkFields(v: Record<string, unknown>, keys: readonly string[], checks: readonly ShapeCheck[]): number {
  let present = 0;
  for (let i = 0; i < keys.length; i++) {
    const value = v[keys[i] as string];
    if (!(checks[i] as ShapeCheck)(value)) return -1;
    if (value !== undefined) present++;
  }
  return present;
}
