// helm for the chart tests: $NET_HIGRESS_HELM (set by .ci/run), else test/harness/build-helm.sh (cached after
// the first build, which takes a few minutes; call helmBinary() from a beforeAll with a long timeout).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';

export const CHART_DIR = fileURLToPath(new URL('../../charts/net-higress', import.meta.url));
const BUILD_SCRIPT = fileURLToPath(new URL('./build-helm.sh', import.meta.url));

let cached: string | undefined;

// No user config, repositories or plugins leak into the tests.
const HELM_HOMES = Object.fromEntries(
  ['CONFIG', 'CACHE', 'DATA'].map((k) => [`HELM_${k}_HOME`, join(tmpdir(), 'net-higress-helm', k.toLowerCase())]),
);

export function helmBinary(): string {
  if (cached) return cached;
  const fromEnv = process.env.NET_HIGRESS_HELM;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`NET_HIGRESS_HELM=${fromEnv} does not exist`);
    cached = fromEnv;
    return cached;
  }
  const out = execFileSync('bash', [BUILD_SCRIPT], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 20 * 60_000,
  });
  const last = out.trim().split('\n').pop() ?? '';
  if (!existsSync(last)) throw new Error(`build-helm.sh printed no helm path (got "${last}")`);
  cached = last;
  return cached;
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs helm; never throws on a non-zero exit (tests assert on it). */
export function helm(args: readonly string[]): HelmResult {
  try {
    const stdout = execFileSync(helmBinary(), args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
      env: { ...process.env, ...HELM_HOMES },
    });
    return { code: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

export interface RenderOptions {
  release?: string;
  namespace?: string;
  valuesFiles?: string[];
  /** Written to a temporary values file (JSON is YAML), given after valuesFiles. */
  values?: Record<string, unknown>;
}

/** `helm template` arguments for charts/net-higress. */
export function templateArgs(opts: RenderOptions = {}): string[] {
  const args = [
    'template',
    opts.release ?? 'net-higress',
    CHART_DIR,
    '--namespace',
    opts.namespace ?? 'knative-serving',
  ];
  for (const f of opts.valuesFiles ?? []) args.push('--values', f);
  if (opts.values) {
    const dir = mkdtempSync(join(tmpdir(), 'net-higress-values-'));
    const file = join(dir, 'values.json');
    writeFileSync(file, JSON.stringify(opts.values));
    args.push('--values', file);
  }
  return args;
}

/** The rendered objects; throws with helm's stderr when rendering fails. */
export function renderChart(opts: RenderOptions = {}): K8sObject[] {
  const args = templateArgs(opts);
  const res = helm(args);
  if (res.code !== 0) throw new Error(`helm ${args.join(' ')} failed (${res.code}): ${res.stderr}`);
  return loadAll(res.stdout).filter((d): d is K8sObject => typeof d === 'object' && d !== null);
}
