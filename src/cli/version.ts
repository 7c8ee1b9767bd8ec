import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface VersionInfo {
  version: string;
  /** Git commit the build was made from; undefined when the build did not know it. */
  commit: string | undefined;
  node: string;
}

/** Written next to the compiled code by scripts/build-info.mjs (from git, or GIT_COMMIT in image builds). */
const BUILD_INFO_FILE = 'build-info.json';

/**
 * The package root is the nearest directory above this module with a package.json: the repository when run
 * from sources (ts-jest) or a build, /app in the image. build-info.json sits in dist/, above the bundle (dist/cli/)
 * and tsc's output (dist/src/cli/).
 */
export function readVersionInfo(moduleDir: string = dirname(fileURLToPath(import.meta.url))): VersionInfo {
  let version = 'unknown';
  let commit: string | undefined;
  for (let dir = moduleDir; ; dir = dirname(dir)) {
    const info = join(dir, BUILD_INFO_FILE);
    if (commit === undefined && existsSync(info)) commit = readCommit(info);
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      version = String((JSON.parse(readFileSync(pkg, 'utf8')) as { version?: string }).version ?? 'unknown');
      break;
    }
    if (dirname(dir) === dir) break;
  }
  return { version, commit, node: process.version };
}

function readCommit(file: string): string | undefined {
  try {
    const c = (JSON.parse(readFileSync(file, 'utf8')) as { commit?: unknown }).commit;
    return typeof c === 'string' && c !== '' ? c : undefined;
  } catch {
    return undefined; // a damaged build-info must not stop --version
  }
}

export function formatVersion(v: VersionInfo): string {
  return `net-higress ${v.version}\ncommit: ${v.commit ?? 'unknown'}\nnode: ${v.node}\n`;
}
