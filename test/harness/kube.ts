// Helpers for integration tests that talk to the control plane started by global-setup.ts.
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';

/** Path of the admin kubeconfig of the test control plane. */
export function testKubeconfigPath(): string {
  const p = process.env.NET_HIGRESS_TEST_KUBECONFIG;
  if (!p) {
    throw new Error(
      'NET_HIGRESS_TEST_KUBECONFIG is not set: integration tests must run in the jest "integration" project ' +
        '(its globalSetup starts the control plane)',
    );
  }
  return p;
}

/** A KubeConfig for the admin user (system:masters) of the test control plane. */
export function testKubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(testKubeconfigPath());
  return kc;
}

/** A KubeConfig for the same cluster that authenticates with a bearer token (e.g. a ServiceAccount token). */
export function kubeConfigForToken(token: string, base: k8s.KubeConfig = testKubeConfig()): k8s.KubeConfig {
  const cluster = base.getCurrentCluster();
  if (!cluster) throw new Error('test kubeconfig has no current cluster');
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'token-user', token }],
    contexts: [{ name: 'token', cluster: cluster.name, user: 'token-user' }],
    currentContext: 'token',
  });
  return kc;
}

/** A unique, DNS-1123-valid name: `<prefix>-<random>`. */
export function uniqueName(prefix: string): string {
  const p =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 50) || 'test';
  return `${p}-${randomBytes(4).toString('hex')}`;
}

/** Create a namespace with a unique name and return the name. */
export async function createTestNamespace(prefix = 'test', kc: k8s.KubeConfig = testKubeConfig()): Promise<string> {
  const name = uniqueName(prefix);
  await kc.makeApiClient(k8s.CoreV1Api).createNamespace({
    body: { metadata: { name, labels: { 'net-higress.test/namespace': 'true' } } },
  });
  return name;
}

/** The HTTP status of a client-node ApiException (undefined for anything else). */
export function apiErrorCode(e: unknown): number | undefined {
  return e instanceof k8s.ApiException ? e.code : undefined;
}

// Re-exported: tests import it from here too.
export { eventually } from './wait.js';
