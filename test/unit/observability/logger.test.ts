import { describe, test, expect } from '@jest/globals';
import { Writable } from 'node:stream';
import {
  createLogger,
  recordingLogger,
  silentLogger,
  type LogFormat,
  type LogLevel,
} from '../../../src/observability/logger.js';
import { REDACTED, redact } from '../../../src/observability/redact.js';

function capture(
  level: LogLevel,
  format: LogFormat,
): { logger: ReturnType<typeof createLogger>; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ level, format, stream });
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== ''),
  };
}

const parse = (line: string | undefined): Record<string, unknown> =>
  JSON.parse(line ?? 'null') as Record<string, unknown>;

// Values that must never appear in any output: plain and base64 (as a Secret's data holds it).
const KEY_PEM = '-----BEGIN PRIVATE KEY-----MIIEv';
const KEY_B64 = Buffer.from(KEY_PEM).toString('base64');
const secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {
    name: 'tls',
    namespace: 'higress-system',
    labels: { app: 'x' },
    annotations: {
      'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ data: { 'tls.key': KEY_B64 } }),
    },
  },
  type: 'kubernetes.io/tls',
  data: { 'tls.key': KEY_B64, 'tls.crt': 'Y2VydA==' },
  stringData: { password: KEY_PEM },
};

describe('json format', () => {
  test('one object per line with time, level, msg and fields', () => {
    const { logger, lines } = capture('info', 'json');
    logger.info('reconciled', { kingress: 'default/hello', key: 'default/hello', writes: 2 });
    expect(lines()).toHaveLength(1);
    const line = parse(lines()[0]);
    expect(line).toEqual({
      time: expect.any(String),
      level: 'info',
      msg: 'reconciled',
      kingress: 'default/hello',
      key: 'default/hello',
      writes: 2,
    });
    expect(Date.parse(String(line['time']))).not.toBeNaN();
    expect(Object.keys(line).slice(0, 3)).toEqual(['time', 'level', 'msg']);
  });

  test('level filters less severe lines', () => {
    const { logger, lines } = capture('warn', 'json');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(lines().map((l) => parse(l)['level'])).toEqual(['warn', 'error']);
  });

  test('debug level logs everything', () => {
    const { logger, lines } = capture('debug', 'json');
    logger.debug('d');
    logger.info('i');
    expect(lines().map((l) => parse(l)['msg'])).toEqual(['d', 'i']);
  });

  test('child adds its fields to every line; call fields win', () => {
    const { logger, lines } = capture('info', 'json');
    const child = logger.child({ kingress: 'ns/a', worker: 1 }).child({ generation: 3 });
    child.info('one');
    child.error('two', { worker: 2 });
    logger.info('parent');
    expect(lines().map(parse)).toEqual([
      expect.objectContaining({ msg: 'one', kingress: 'ns/a', worker: 1, generation: 3 }),
      expect.objectContaining({ msg: 'two', level: 'error', kingress: 'ns/a', worker: 2, generation: 3 }),
      expect.not.objectContaining({ kingress: 'ns/a' }),
    ]);
  });

  test('fields named like the fixed keys do not overwrite them', () => {
    const { logger, lines } = capture('info', 'json');
    logger.info('real', { msg: 'fake', level: 'error', time: 'then' });
    expect(parse(lines()[0])).toMatchObject({
      msg: 'real',
      level: 'info',
      'field.msg': 'fake',
      'field.level': 'error',
      'field.time': 'then',
    });
  });

  test('errors, bigints and cycles are logged without throwing', () => {
    const { logger, lines } = capture('info', 'json');
    const loop: Record<string, unknown> = { name: 'loop' };
    loop['self'] = loop;
    logger.error('failed', { err: new Error('boom'), n: 10n, loop });
    expect(parse(lines()[0])).toMatchObject({ err: 'boom', n: '10', loop: { name: 'loop', self: '<cycle>' } });
  });
});

describe('text format', () => {
  test('time, level, message, then key=value pairs', () => {
    const { logger, lines } = capture('info', 'text');
    logger.child({ kingress: 'default/hello' }).warn('write failed', { reason: 'conflict on update', code: 409 });
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatch(
      /^\d{4}-\d\d-\d\dT\S+Z WARN {2}write failed kingress=default\/hello reason="conflict on update" code=409$/,
    );
  });
});

describe('redaction', () => {
  test('a Secret object in a field has its data, stringData and last-applied replaced', () => {
    const { logger, lines } = capture('debug', 'json');
    logger.debug('copying secret', { secret, key: 'higress-system/tls' });
    const out = lines().join('\n');
    expect(out).not.toContain(KEY_B64);
    expect(out).not.toContain(KEY_PEM);
    expect(out).not.toContain('Y2VydA==');
    const logged = parse(lines()[0])['secret'] as typeof secret;
    expect(logged.data).toBe(REDACTED);
    expect(logged.stringData).toBe(REDACTED);
    expect(logged.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toBe(REDACTED);
    // Everything else stays useful for debugging.
    expect(logged.metadata.name).toBe('tls');
    expect(logged.metadata.labels).toEqual({ app: 'x' });
    expect(logged.type).toBe('kubernetes.io/tls');
  });

  test('top-level data/stringData fields and Secrets nested in lists are redacted', () => {
    const { logger, lines } = capture('info', 'text');
    logger.info('patch', { data: { 'tls.key': KEY_B64 }, stringData: KEY_PEM, items: [{ nested: secret }] });
    const out = lines().join('\n');
    expect(out).not.toContain(KEY_B64);
    expect(out).not.toContain(KEY_PEM);
    expect(out).toContain(`data=${REDACTED}`);
    expect(out).toContain(`stringData=${REDACTED}`);
  });

  test('child fields are redacted too', () => {
    const { logger, lines } = capture('info', 'json');
    logger.child({ secret }).info('x');
    expect(lines().join('\n')).not.toContain(KEY_B64);
  });

  test('redact leaves the input untouched and keeps non-secret data', () => {
    const input = { kind: 'ConfigMap', metadata: { name: 'config-istio' }, spec: { hosts: ['a'] }, data: { x: 'y' } };
    expect(redact(input)).toEqual({
      kind: 'ConfigMap',
      metadata: { name: 'config-istio' },
      spec: { hosts: ['a'] },
      data: REDACTED,
    });
    expect(input.data).toEqual({ x: 'y' });
    expect(redact(Buffer.from(KEY_PEM))).toBe(REDACTED);
    const shared = { a: 1 };
    expect(redact({ x: shared, y: shared })).toEqual({ x: { a: 1 }, y: { a: 1 } });
  });
});

describe('test loggers', () => {
  test('silentLogger accepts every call and its children', () => {
    const log = silentLogger();
    expect(() => {
      log.info('x', { data: 1 });
      log.child({ a: 1 }).error('y');
      log.debug('z');
      log.warn('w');
    }).not.toThrow();
    expect(log.child({})).toBe(log);
  });

  test('recordingLogger keeps redacted lines with merged fields', () => {
    const { logger, lines } = recordingLogger();
    logger.child({ kingress: 'ns/a' }).warn('not owned', { secret });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'warn',
      msg: 'not owned',
      fields: { kingress: 'ns/a', secret: { data: REDACTED } },
    });
  });
});
