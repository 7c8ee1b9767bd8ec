import type { Writable } from 'node:stream';
import winston from 'winston';
import { redactFields } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'json' | 'text';
export type LogFields = Readonly<Record<string, unknown>>;

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'text'];

/** Our own narrow logger, so that nothing outside this directory depends on winston's types. */
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

/** Severity order, most severe first, as winston expects. */
const LEVELS: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** Written by our wrapper so fields never collide with winston's own `level`/`message` keys. */
interface Entry {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
  [key: string | symbol]: unknown;
}

/** The fixed keys of a JSON line; a field with one of these names is written as `field.<name>`. */
const RESERVED: ReadonlySet<string> = new Set(['time', 'level', 'msg']);

export function createLogger(opts: LoggerOptions): Logger {
  const w = winston.createLogger({
    levels: LEVELS,
    level: opts.level,
    format: opts.format === 'json' ? jsonLine : textLine,
    transports: [new winston.transports.Stream({ stream: opts.stream ?? process.stdout })],
  });
  return wrap(w, {});
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

function wrap(w: winston.Logger, base: LogFields): Logger {
  const at =
    (level: LogLevel) =>
    (msg: string, fields?: LogFields): void => {
      // Checked before redaction so that debug lines cost nothing at info level.
      if (!w.isLevelEnabled(level)) return;
      w.log({ level, message: msg, fields: redactFields({ ...base, ...fields }) });
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => wrap(w, { ...base, ...fields }),
  };
}

const jsonLine = winston.format.printf((info) => {
  const entry = info as Entry;
  const line: Record<string, unknown> = { time: new Date().toISOString(), level: entry.level, msg: entry.message };
  for (const [key, value] of Object.entries(entry.fields ?? {})) line[RESERVED.has(key) ? `field.${key}` : key] = value;
  return JSON.stringify(line);
});

const textLine = winston.format.printf((info) => {
  const entry = info as Entry;
  const pairs = Object.entries(entry.fields ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${textValue(v)}`);
  return [new Date().toISOString(), entry.level.toUpperCase().padEnd(5), entry.message, ...pairs].join(' ');
});

/** Bare when unambiguous, JSON-quoted otherwise, so `key=value` pairs stay splittable. */
function textValue(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  return String(v);
}

function noop(): void {}
