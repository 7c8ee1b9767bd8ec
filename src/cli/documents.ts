import { isRecord } from '../api/json.js';
import { keyOf } from '../api/meta.js';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import * as yaml from 'js-yaml';

/** One object read from the input, with where it came from for error messages. */
export interface InputDocument {
  source: string;
  /** 0-based position among all objects read, after flattening Lists. */
  index: number;
  object: unknown;
}

/** Multi-document YAML or JSON; `kind: List` (or `*List`) objects are flattened into their items. */
export function parseDocuments(text: string, source: string, firstIndex = 0): InputDocument[] {
  let loaded: unknown[];
  try {
    loaded = yaml.loadAll(text);
  } catch (err) {
    throw new Error(
      `${source}: not valid YAML or JSON: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
      { cause: err },
    );
  }
  const out: InputDocument[] = [];
  for (const doc of loaded) {
    if (doc === null || doc === undefined) continue;
    for (const object of flattenList(doc)) out.push({ source, index: firstIndex + out.length, object });
  }
  return out;
}

function flattenList(doc: unknown): unknown[] {
  if (isRecord(doc) && typeof doc.kind === 'string' && doc.kind.endsWith('List') && Array.isArray(doc.items)) {
    return doc.items.flatMap(flattenList);
  }
  return [doc];
}

/** `namespace/name` of an object, as far as it can be read. */
export function describeObject(object: unknown): string {
  if (!isRecord(object) || !isRecord(object.metadata)) return '<no metadata>';
  const { namespace, name } = object.metadata;
  const n = typeof name === 'string' && name !== '' ? name : '<unnamed>';
  return keyOf({ namespace: typeof namespace === 'string' ? namespace : undefined, name: n });
}

/** Extensions `-f DIR` reads, as kubectl does (not recursive). */
const INPUT_EXTENSIONS = ['.yaml', '.yml', '.json'];

export interface InputFile {
  source: string;
  text: string;
}

/**
 * The files behind one `-f` argument: the file itself, or a directory's YAML/JSON files in name order.
 * Errors are one line naming the path (never a bare ENOENT/EISDIR).
 */
export function readInputFiles(path: string, opts: { directories: boolean }): InputFile[] {
  let stat;
  try {
    stat = statSync(path);
  } catch (err) {
    throw new Error(`${path}: ${describeFsError(err)}`, { cause: err });
  }
  if (!stat.isDirectory()) return [{ source: path, text: readText(path) }];
  if (!opts.directories) throw new Error(`${path}: is a directory, want a file`);
  const names = readdirSync(path)
    .filter((n) => INPUT_EXTENSIONS.includes(extname(n).toLowerCase()))
    .sort();
  const files = names.map((n) => join(path, n)).filter((f) => statSync(f).isFile());
  if (files.length === 0) throw new Error(`${path}: no ${INPUT_EXTENSIONS.join('/')} files in this directory`);
  return files.map((f) => ({ source: f, text: readText(f) }));
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${path}: ${describeFsError(err)}`, { cause: err });
  }
}

function describeFsError(err: unknown): string {
  const code = (err as { code?: string }).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, want a file';
    default:
      return err instanceof Error ? (err.message.split('\n')[0] ?? String(err)) : String(err);
  }
}
