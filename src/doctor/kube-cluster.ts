// DoctorCluster over the API server: our KubeReader for objects, raw GETs for discovery, access reviews.
import { isNotFound } from '../kube/errors.js';
import { KubeReader } from '../kube/reader.js';
import { apiVersionOf, CONFIG_MAP, GATEWAY, KINGRESS, SERVICE, type ResourceType } from '../kube/resources.js';
import { INGRESS_CLASS_ANNOTATION } from '../translate/constants.js';
import type { RestClient } from '../kube/rest.js';
import type { KubeObject, ObjectMeta } from '../kube/types.js';
import type {
  AccessSubject,
  DeploymentInfo,
  DoctorCluster,
  GatewayInfo,
  KIngressInfo,
  PodInfo,
  ResourceAttributes,
  ServiceInfo,
  WasmPluginInfo,
} from './types.js';

const POD: ResourceType = { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true };
const DEPLOYMENT: ResourceType = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  namespaced: true,
};
const WASM_PLUGIN: ResourceType = {
  group: 'extensions.higress.io',
  version: 'v1alpha1',
  kind: 'WasmPlugin',
  plural: 'wasmplugins',
  namespaced: true,
};
const AUTHORIZATION = '/apis/authorization.k8s.io/v1';

type Labels = Record<string, string>;

interface Meta extends KubeObject {
  metadata?: ObjectMeta & { labels?: Labels; annotations?: Labels; deletionTimestamp?: string };
}
interface WireConfigMap extends Meta {
  data?: Record<string, string>;
}
interface WireService extends Meta {
  spec?: {
    type?: string;
    selector?: Labels;
    ports?: Array<{ name?: string; port: number; targetPort?: number | string }>;
  };
}
interface WireGateway extends Meta {
  spec?: { selector?: Labels; servers?: GatewayInfo['servers'] };
}
interface WirePod extends Meta {
  status?: { phase?: string };
}
interface WireDeployment extends Meta {
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Labels };
    template?: { spec?: { serviceAccountName?: string } };
  };
  status?: { readyReplicas?: number; conditions?: DeploymentInfo['conditions'] };
}
interface WireWasmPlugin extends Meta {
  spec?: {
    url?: string;
    pluginName?: string;
    defaultConfig?: Record<string, unknown>;
    defaultConfigDisable?: boolean;
    pluginConfig?: unknown;
    matchRules?: WasmPluginInfo['matchRules'];
  };
}
interface WireSplit {
  serviceName?: string;
  serviceNamespace?: string;
  servicePort?: number | string;
}
interface WireKIngress extends Meta {
  spec?: { rules?: Array<{ hosts?: string[]; http?: { paths?: Array<{ splits?: WireSplit[] }> } }> };
}

export class KubeDoctorCluster implements DoctorCluster {
  private readonly reader: KubeReader;

  constructor(private readonly rest: RestClient) {
    this.reader = new KubeReader(rest);
  }

  async servedVersions(group: string): Promise<string[]> {
    const g = await this.discover<{ versions?: Array<{ version: string }> }>(`/apis/${group}`);
    return (g?.versions ?? []).map((v) => v.version);
  }

  async resources(group: string, version: string): Promise<string[] | undefined> {
    const list = await this.discover<{ resources?: Array<{ name: string }> }>(`/apis/${group}/${version}`);
    return list?.resources?.map((r) => r.name);
  }

  async configMapData(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    const cm = await this.reader.get<WireConfigMap>({
      apiVersion: apiVersionOf(CONFIG_MAP),
      kind: 'ConfigMap',
      namespace,
      name,
    });
    return cm ? (cm.data ?? {}) : undefined;
  }

  async service(namespace: string, name: string): Promise<ServiceInfo | undefined> {
    const svc = await this.reader.get<WireService>({
      apiVersion: apiVersionOf(SERVICE),
      kind: 'Service',
      namespace,
      name,
    });
    if (!svc) return undefined;
    return {
      type: svc.spec?.type ?? 'ClusterIP',
      labels: svc.metadata?.labels ?? {},
      selector: svc.spec?.selector ?? {},
      ports: svc.spec?.ports ?? [],
    };
  }

  async gateway(namespace: string, name: string): Promise<GatewayInfo | undefined> {
    const gw = await this.reader.get<WireGateway>({
      apiVersion: apiVersionOf(GATEWAY),
      kind: 'Gateway',
      namespace,
      name,
    });
    return gw
      ? { labels: gw.metadata?.labels ?? {}, selector: gw.spec?.selector ?? {}, servers: gw.spec?.servers ?? [] }
      : undefined;
  }

  async pods(namespace: string, selector?: Labels): Promise<PodInfo[]> {
    const labelSelector = selector
      ? Object.entries(selector)
          .map(([k, v]) => `${k}=${v}`)
          .join(',')
      : undefined;
    const items = await this.reader.list<WirePod>(POD, { namespace, ...(labelSelector ? { labelSelector } : {}) });
    return items.map((p) => ({
      name: p.metadata?.name ?? '',
      labels: p.metadata?.labels ?? {},
      phase: p.status?.phase ?? 'Unknown',
      terminating: p.metadata?.deletionTimestamp !== undefined,
    }));
  }

  async deployments(namespace: string): Promise<DeploymentInfo[]> {
    const items = await this.reader.list<WireDeployment>(DEPLOYMENT, { namespace });
    return items.map((d) => ({
      name: d.metadata?.name ?? '',
      serviceAccountName: d.spec?.template?.spec?.serviceAccountName ?? 'default',
      labels: d.metadata?.labels ?? {},
      selector: d.spec?.selector?.matchLabels ?? {},
      replicas: d.spec?.replicas ?? 1,
      readyReplicas: d.status?.readyReplicas ?? 0,
      conditions: d.status?.conditions ?? [],
    }));
  }

  async wasmPlugins(namespace: string): Promise<WasmPluginInfo[] | undefined> {
    if (!(await this.resources(WASM_PLUGIN.group, WASM_PLUGIN.version))?.includes(WASM_PLUGIN.plural)) return undefined;
    const items = await this.reader.list<WireWasmPlugin>(WASM_PLUGIN, { namespace });
    return items.map((w) => ({
      name: w.metadata?.name ?? '',
      url: w.spec?.url ?? '',
      ...(w.spec?.pluginName ? { pluginName: w.spec.pluginName } : {}),
      ...(w.spec?.defaultConfig ? { defaultConfig: w.spec.defaultConfig } : {}),
      ...(w.spec?.defaultConfigDisable !== undefined ? { defaultConfigDisable: w.spec.defaultConfigDisable } : {}),
      hasPluginConfig: w.spec?.pluginConfig !== undefined && w.spec.pluginConfig !== null,
      matchRules: w.spec?.matchRules ?? [],
    }));
  }

  async kingresses(clusterDomain: string): Promise<KIngressInfo[]> {
    const items = await this.reader.list<WireKIngress>(KINGRESS, {});
    return items.map((i) => ({
      namespace: i.metadata?.namespace ?? '',
      name: i.metadata?.name ?? '',
      ingressClass: i.metadata?.annotations?.[INGRESS_CLASS_ANNOTATION],
      hosts: (i.spec?.rules ?? []).flatMap((r) => r.hosts ?? []),
      backends: (i.spec?.rules ?? []).flatMap((r) =>
        (r.http?.paths ?? []).flatMap((p) =>
          (p.splits ?? []).map(
            (sp) =>
              `${sp.serviceName ?? ''}.${sp.serviceNamespace ?? i.metadata?.namespace ?? ''}.svc.${clusterDomain}:${sp.servicePort ?? ''}`,
          ),
        ),
      ),
    }));
  }

  /** SelfSubjectAccessReview for `self`, else a SubjectAccessReview as the ServiceAccount would be seen. */
  async allowed(subject: AccessSubject, attrs: ResourceAttributes): Promise<boolean> {
    const resourceAttributes = { ...attrs, namespace: attrs.namespace ?? '' };
    const review =
      subject.kind === 'self'
        ? { path: `${AUTHORIZATION}/selfsubjectaccessreviews`, spec: { resourceAttributes } }
        : {
            path: `${AUTHORIZATION}/subjectaccessreviews`,
            spec: {
              resourceAttributes,
              user: `system:serviceaccount:${subject.namespace}:${subject.name}`,
              groups: ['system:serviceaccounts', `system:serviceaccounts:${subject.namespace}`, 'system:authenticated'],
            },
          };
    const kind = subject.kind === 'self' ? 'SelfSubjectAccessReview' : 'SubjectAccessReview';
    const res = await this.rest.request<{ status?: { allowed?: boolean } }>({
      method: 'POST',
      path: review.path,
      body: { apiVersion: 'authorization.k8s.io/v1', kind, spec: review.spec },
    });
    return res.status?.allowed === true;
  }

  /** undefined when the group or version is not served. */
  private async discover<T>(path: string): Promise<T | undefined> {
    try {
      return await this.rest.request<T>({ method: 'GET', path });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}
