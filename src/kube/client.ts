import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import {
  ApiextensionsV1Api,
  AuthorizationV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  EventsV1Api,
  KubeConfig,
  KubernetesObjectApi,
} from '@kubernetes/client-node';
import { RestClient } from './rest.js';

export { KubeConfig };

const SA_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface LoadKubeConfigOptions {
  /** `--kubeconfig`; wins over everything else. */
  kubeconfig?: string;
  /** Use this context instead of the file's current-context. */
  context?: string;
  env?: NodeJS.ProcessEnv;
  /** Where the service-account token lives (tests point it elsewhere). */
  serviceAccountTokenPath?: string;
  home?: string;
}

/**
 * Finds the cluster the way controller-runtime does: --kubeconfig, then $KUBECONFIG, then in-cluster,
 * then ~/.kube/config. Unlike client-node's loadFromDefault, it never falls back to an
 * unauthenticated http://localhost:8080, and it says where it looked when nothing was found.
 */
export function loadKubeConfig(opts: LoadKubeConfigOptions = {}): KubeConfig {
  const env = opts.env ?? process.env;
  const kc = new KubeConfig();
  const homeConfig = join(opts.home ?? homedir(), '.kube', 'config');
  const tokenPath = opts.serviceAccountTokenPath ?? SA_TOKEN;
  if (opts.kubeconfig) {
    kc.loadFromFile(opts.kubeconfig);
  } else if (env.KUBECONFIG) {
    loadPathList(kc, env.KUBECONFIG);
  } else if (env.KUBERNETES_SERVICE_HOST && existsSync(tokenPath)) {
    kc.loadFromCluster();
  } else if (existsSync(homeConfig)) {
    kc.loadFromFile(homeConfig);
  } else {
    throw new Error(
      'no Kubernetes configuration found: pass --kubeconfig, set KUBECONFIG, run in a cluster, or create ~/.kube/config',
    );
  }
  if (opts.context) kc.setCurrentContext(opts.context);
  if (!kc.getCurrentCluster()) throw new Error(`kubeconfig context "${kc.getCurrentContext()}" names no cluster`);
  return kc;
}

/** Like kubectl: every existing file of the list is merged, the first one's current-context wins. */
function loadPathList(kc: KubeConfig, list: string): void {
  const files = list.split(delimiter).filter((f) => f !== '' && existsSync(f));
  const [first, ...rest] = files;
  if (first === undefined) throw new Error(`KUBECONFIG=${list}: none of these files exists`);
  kc.loadFromFile(first);
  for (const file of rest) {
    const more = new KubeConfig();
    more.loadFromFile(file);
    kc.mergeConfig(more, true);
  }
}

/** The namespace of the current context (in a cluster: the pod's namespace), if any. */
export function contextNamespace(kc: KubeConfig): string | undefined {
  return kc.getContextObject(kc.getCurrentContext())?.namespace || undefined;
}

export interface KubeClients {
  kc: KubeConfig;
  /** Raw JSON requests with a keep-alive agent: informers, writer, reader, events, leases. */
  rest: RestClient;
  core: CoreV1Api;
  discovery: DiscoveryV1Api;
  custom: CustomObjectsApi;
  objects: KubernetesObjectApi;
  coordination: CoordinationV1Api;
  events: EventsV1Api;
  authorization: AuthorizationV1Api;
  apiextensions: ApiextensionsV1Api;
}

/** The generated typed APIs return class instances with Date fields; prefer `rest` for our objects. */
export function makeClients(kc: KubeConfig): KubeClients {
  return {
    kc,
    rest: new RestClient(kc),
    core: kc.makeApiClient(CoreV1Api),
    discovery: kc.makeApiClient(DiscoveryV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    objects: KubernetesObjectApi.makeApiClient(kc),
    coordination: kc.makeApiClient(CoordinationV1Api),
    events: kc.makeApiClient(EventsV1Api),
    authorization: kc.makeApiClient(AuthorizationV1Api),
    apiextensions: kc.makeApiClient(ApiextensionsV1Api),
  };
}
