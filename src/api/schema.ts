import type * as z from 'zod';
import { err, ok } from './result.js';
import { formatPath, joinPath, type Validated } from './fielderror.js';

/** Parses with a zod schema and turns its issues into field errors under `prefix`. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): Validated<z.infer<S>> {
  const result = schema.safeParse(input);
  if (result.success) return ok(result.data);
  return err(
    result.error.issues.map((issue) => ({
      path: joinPath(prefix, formatPath(issue.path)),
      message: issue.message,
    })),
  );
}
