import { KubeConfig } from '@kubernetes/client-node';

/** The test admin's KubeConfig, pointed at another server URL (e.g. a TcpProxy). */
export function viaServer(base: KubeConfig, server: string): KubeConfig {
  const cluster = base.getCurrentCluster();
  const user = base.getCurrentUser();
  if (!cluster || !user) throw new Error('test kubeconfig has no current cluster/user');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ ...cluster, server }],
    users: [user],
    contexts: [{ name: 'via', cluster: cluster.name, user: user.name }],
    currentContext: 'via',
  });
  return kc;
}
