// The real helm against the test API server: install, upgrade, uninstall as a user types them. Async, so a
// test can act (as the cluster would) while helm waits, e.g. on the uninstall hook's Job.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHART_DIR, helmBinary, type HelmResult } from '../../harness/helm.js';
import { testKubeconfigPath } from '../../harness/kube.js';

const HOMES = Object.fromEntries(
  ['CONFIG', 'CACHE', 'DATA'].map((k) => [`HELM_${k}_HOME`, join(tmpdir(), 'net-higress-helm', k.toLowerCase())]),
);

export function helmAsync(args: readonly string[]): Promise<HelmResult> {
  return new Promise((resolve) => {
    const child = spawn(helmBinary(), [...args, '--kubeconfig', testKubeconfigPath()], {
      env: { ...process.env, ...HOMES },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** `--values` file of a values object (JSON is YAML). */
export function valuesFile(values: Record<string, unknown>): string {
  const file = join(mkdtempSync(join(tmpdir(), 'net-higress-values-')), 'values.json');
  writeFileSync(file, JSON.stringify(values));
  return file;
}

/** A copy of the chart as another release of it would be: only version and appVersion differ. */
export function chartAtVersion(version: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'net-higress-chart-')), 'net-higress');
  cpSync(CHART_DIR, dir, { recursive: true });
  const chart = join(dir, 'Chart.yaml');
  writeFileSync(
    chart,
    readFileSync(chart, 'utf8')
      .replace(/^version: .*$/m, `version: ${version}`)
      .replace(/^appVersion: .*$/m, `appVersion: "${version}"`),
  );
  return dir;
}
