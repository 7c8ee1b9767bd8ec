import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { contextNamespace, loadKubeConfig } from '../../../src/kube/client.js';

function kubeconfig(dir: string, file: string, cluster: string, namespace?: string): string {
  const path = join(dir, file);
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: cluster, cluster: { server: `https://${cluster}.example:6443` } }],
      users: [{ name: `${cluster}-user`, user: { token: 't' } }],
      contexts: [{ name: cluster, context: { cluster, user: `${cluster}-user`, namespace } }],
      'current-context': cluster,
    }),
  );
  return path;
}

describe('loadKubeConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kc-'));
  const one = kubeconfig(dir, 'one', 'one', 'team-a');
  const two = kubeconfig(dir, 'two', 'two');
  const none = { env: {}, home: join(dir, 'nohome'), serviceAccountTokenPath: join(dir, 'no-token') };

  test('--kubeconfig wins over KUBECONFIG', () => {
    const kc = loadKubeConfig({ ...none, kubeconfig: two, env: { KUBECONFIG: one } });
    expect(kc.getCurrentCluster()?.server).toBe('https://two.example:6443');
  });

  test('KUBECONFIG path lists are merged; the first file picks the context', () => {
    const kc = loadKubeConfig({ ...none, env: { KUBECONFIG: [one, join(dir, 'missing'), two].join(delimiter) } });
    expect(kc.getCurrentCluster()?.name).toBe('one');
    expect(kc.getContexts().map((c) => c.name)).toEqual(['one', 'two']);
    expect(contextNamespace(kc)).toBe('team-a');
    const switched = loadKubeConfig({ ...none, env: { KUBECONFIG: [one, two].join(delimiter) }, context: 'two' });
    expect(switched.getCurrentCluster()?.name).toBe('two');
    expect(contextNamespace(switched)).toBeUndefined();
  });

  test('falls back to ~/.kube/config, and fails clearly when nothing is found', () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, '.kube'), { recursive: true });
    kubeconfig(join(home, '.kube'), 'config', 'homecluster');
    expect(loadKubeConfig({ ...none, home }).getCurrentCluster()?.name).toBe('homecluster');
    expect(() => loadKubeConfig(none)).toThrow('no Kubernetes configuration found');
    expect(() => loadKubeConfig({ ...none, kubeconfig: one, context: 'nope' })).toThrow('names no cluster');
  });
});
