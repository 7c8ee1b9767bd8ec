import type { Writable } from 'node:stream';
import { redactFields } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'json' | 'text';
export type LogFields = Readonly<Record<string, unknown>>;

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'text'];

/**
 * Our own narrow logger: one line per call, written straight to the stream. (winston cost the process about
 * 80 modules, 40 ms of start-up and several MiB of memory for what is one `write` per line here.)
 */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line, e.g. `{ kingress: 'ns/name' }`. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /**
   * Where lines go; default stdout. Logs are the controller's only output, and stdout is what
   * log collectors and `kubectl logs` treat as the normal stream (controller-runtime's zap too).
   */
  stream?: Writable;
}

/** Severity order, most severe first. */
const LEVELS: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** The fixed keys of a JSON line; a field with one of these names is written as `field.<name>`. */
const RESERVED: ReadonlySet<string> = new Set(['time', 'level', 'msg']);

export function createLogger(opts: LoggerOptions): Logger {
  const stream = opts.stream ?? process.stdout;
  const format = opts.format === 'json' ? jsonLine : textLine;
  const threshold = LEVELS[opts.level];
  const write = (level: LogLevel, msg: string, fields: Record<string, unknown>): void => {
    stream.write(`${format(level, msg, fields)}\n`);
  };
  return wrap((level) => LEVELS[level] <= threshold, write, {});
}

/** Drops everything; for tests and for code paths that have no logger to give. */
export function silentLogger(): Logger {
  const logger: Logger = { debug: noop, info: noop, warn: noop, error: noop, child: () => logger };
  return logger;
}

export interface RecordedLine {
  level: LogLevel;
  msg: string;
  /** Child fields merged with the call's fields, redacted exactly as a real line would be. */
  fields: Record<string, unknown>;
}

/** Keeps lines in memory, so tests can assert what was logged without parsing output. */
export function recordingLogger(): { logger: Logger; lines: RecordedLine[] } {
  const lines: RecordedLine[] = [];
  const make = (base: LogFields): Logger => {
    const at =
      (level: LogLevel) =>
      (msg: string, fields?: LogFields): void => {
        lines.push({ level, msg, fields: redactFields({ ...base, ...fields }) });
      };
    return {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return { logger: make({}), lines };
}

function wrap(
  enabled: (level: LogLevel) => boolean,
  write: (level: LogLevel, msg: string, fields: Record<string, unknown>) => void,
  base: LogFields,
): Logger {
  const at =
    (level: LogLevel) =>
    (msg: string, fields?: LogFields): void => {
      // Checked before redaction so that debug lines cost nothing at info level.
      if (!enabled(level)) return;
      write(level, msg, redactFields({ ...base, ...fields }));
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => wrap(enabled, write, { ...base, ...fields }),
  };
}

function jsonLine(level: LogLevel, msg: string, fields: Record<string, unknown>): string {
  const line: Record<string, unknown> = { time: new Date().toISOString(), level, msg };
  for (const [key, value] of Object.entries(fields)) line[RESERVED.has(key) ? `field.${key}` : key] = value;
  return JSON.stringify(line);
}

function textLine(level: LogLevel, msg: string, fields: Record<string, unknown>): string {
  const pairs = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${textValue(v)}`);
  return [new Date().toISOString(), level.toUpperCase().padEnd(5), msg, ...pairs].join(' ');
}

/** Bare when unambiguous, JSON-quoted otherwise, so `key=value` pairs stay splittable. */
function textValue(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  return String(v);
}

function noop(): void {}
