import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { formatVersion, readVersionInfo } from '../../../src/cli/version.js';
import { runCLI } from './run-cli.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const run = runCLI;

/** The layout of an installed build: <root>/package.json, <root>/dist/build-info.json, the bundle in <root>/dist/cli/. */
function installed(buildInfo: string | undefined): string {
  const root = mkdtempSync(join(tmpdir(), 'net-higress-version-'));
  mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'net-higress', version: '9.8.7' }));
  if (buildInfo !== undefined) writeFileSync(join(root, 'dist', 'build-info.json'), buildInfo);
  return join(root, 'dist', 'cli');
}

describe('net-higress version', () => {
  test.each([['--version'], ['version'], ['-v']])(
    '%s: the package version, a commit line and the Node version; exit 0',
    async (arg) => {
      const r = await run([arg]);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(
        new RegExp(`^net-higress ${pkg.version.replace(/\./g, '\\.')}\ncommit: \\S+\nnode: ${process.version}\n$`),
      );
    },
  );

  test('the commit comes from the build-info.json written next to the compiled code', () => {
    expect(readVersionInfo(installed('{"commit":"0123abc"}'))).toEqual({
      version: '9.8.7',
      commit: '0123abc',
      node: process.version,
    });
  });

  test.each([
    ['no build-info.json', undefined],
    ['an empty one', '{}'],
    ['a damaged one', '{not json'],
  ])('%s: commit unknown, version still read', (_what, info) => {
    const v = readVersionInfo(installed(info));
    expect(v).toEqual({ version: '9.8.7', commit: undefined, node: process.version });
    expect(formatVersion(v)).toBe(`net-higress 9.8.7\ncommit: unknown\nnode: ${process.version}\n`);
  });

  test('the help lists version and uninstall', async () => {
    const r = await run(['--help']);
    expect(r.stdout).toMatch(/^ {2}version {4}/m);
    expect(r.stdout).toMatch(/^ {2}uninstall {2}/m);
  });
});
