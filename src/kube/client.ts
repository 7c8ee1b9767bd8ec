import { KubeConfig } from '@kubernetes/client-node';
import { findKubeconfig, type KubeconfigLookup } from './kubeconfig.js';

export type LoadKubeConfigOptions = KubeconfigLookup;

/**
 * client-node's KubeConfig, from where findKubeconfig says (for `doctor` and what needs exec plugins or
 * auth providers; `run` uses the lean loader in kubeconfig.ts where it can).
 */
export function loadKubeConfig(opts: LoadKubeConfigOptions = {}): KubeConfig {
  const kc = new KubeConfig();
  const source = findKubeconfig(opts);
  if (source.kind === 'in-cluster') {
    kc.loadFromCluster();
  } else {
    const [first, ...rest] = source.files;
    kc.loadFromFile(first as string);
    for (const file of rest) {
      const more = new KubeConfig();
      more.loadFromFile(file);
      kc.mergeConfig(more, true);
    }
  }
  if (opts.context) kc.setCurrentContext(opts.context);
  if (!kc.getCurrentCluster()) throw new Error(`kubeconfig context "${kc.getCurrentContext()}" names no cluster`);
  return kc;
}

/** The namespace of the current context (in a cluster: the pod's namespace), if any. */
export function contextNamespace(kc: KubeConfig): string | undefined {
  return kc.getContextObject(kc.getCurrentContext())?.namespace || undefined;
}
