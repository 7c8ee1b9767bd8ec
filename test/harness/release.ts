// `npm run release` into a temporary directory, with the tests' helm; the files it wrote.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { helmBinary } from './helm.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Release {
  dir: string;
  version: string;
  yaml: string;
  image: string;
  stdout: string;
}

export function runRelease(env: Record<string, string> = {}): Release {
  const dir = join(mkdtempSync(join(tmpdir(), 'net-higress-release-')), 'release');
  const stdout = execFileSync('bash', ['scripts/release.sh'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
    env: { ...process.env, NET_HIGRESS_HELM: helmBinary(), RELEASE_DIR: dir, ...env },
  });
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    dir,
    version,
    stdout,
    yaml: readFileSync(join(dir, 'net-higress.yaml'), 'utf8'),
    image: readFileSync(join(dir, 'image.txt'), 'utf8').trim(),
  };
}
