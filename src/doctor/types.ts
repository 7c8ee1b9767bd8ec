// The doctor's vocabulary: what a check reports, what it may read from the cluster, and what it is told.
import type { ObjectRef } from '../api/meta.js';

export type CheckStatus = 'PASS' | 'FAIL' | 'SKIP';

export interface CheckResult {
  /** Stable id for scripts (`crd/ingresses.networking.internal.knative.dev`, `rbac`). */
  id: string;
  status: CheckStatus;
  /** What was found, in one line. */
  detail: string;
  /** What to do about a FAIL (or a SKIP), as a command or a value to set. */
  fix?: string;
}

/** A resource net-higress needs the API server to serve. */
export interface CrdRequirement {
  group: string;
  version: string;
  plural: string;
  kind: string;
  /** How to install it, shown when it is missing. */
  install: string;
}

export type AccessSubject = { kind: 'self' } | { kind: 'serviceAccount'; namespace: string; name: string };

/** The attributes of one SubjectAccessReview (authorization.k8s.io/v1 ResourceAttributes). */
export interface ResourceAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  /** Absent: every namespace (a ClusterRole is needed). */
  namespace?: string;
  name?: string;
}

export interface PodInfo {
  name: string;
  labels: Record<string, string>;
  phase: string;
  terminating: boolean;
}

export interface ServiceInfo {
  type: string;
  labels: Record<string, string>;
  selector: Record<string, string>;
  ports: Array<{ name?: string; port: number; targetPort?: number | string }>;
}

export interface GatewayInfo {
  labels: Record<string, string>;
  selector: Record<string, string>;
  servers: Array<{ port?: { number?: number; protocol?: string } }>;
}

export interface DeploymentInfo {
  name: string;
  /** The ServiceAccount its pods run as. */
  serviceAccountName: string;
  labels: Record<string, string>;
  /** spec.selector.matchLabels */
  selector: Record<string, string>;
  replicas: number;
  readyReplicas: number;
  conditions: Array<{ type: string; status: string; reason?: string; message?: string }>;
}

/** A Higress WasmPlugin (extensions.higress.io/v1alpha1) as far as rule matching goes. */
export interface WasmPluginInfo {
  name: string;
  url: string;
  pluginName?: string;
  defaultConfig?: Record<string, unknown>;
  defaultConfigDisable?: boolean;
  /** Set: Higress passes it through and ignores defaultConfig and matchRules. */
  hasPluginConfig: boolean;
  matchRules: Array<{ ingress?: string[]; domain?: string[]; service?: string[]; configDisable?: boolean }>;
}

/** A KIngress: which class, which hosts. */
export interface KIngressInfo {
  namespace: string;
  name: string;
  ingressClass: string | undefined;
  hosts: string[];
  /** Where its routes (probe routes too) send requests: `<fqdn>:<port>` of every split. */
  backends: string[];
}

/**
 * Everything the checks read. Getters return undefined for "not found" and throw for anything else
 * (forbidden, unreachable), which a check reports as a FAIL naming what it could not read.
 */
export interface DoctorCluster {
  /** Versions the API server serves for a group; [] when it serves none. */
  servedVersions(group: string): Promise<string[]>;
  /** Resource names (plurals, `x/status` subresources too) of group/version; undefined when not served. */
  resources(group: string, version: string): Promise<string[] | undefined>;
  configMapData(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  service(namespace: string, name: string): Promise<ServiceInfo | undefined>;
  gateway(namespace: string, name: string): Promise<GatewayInfo | undefined>;
  pods(namespace: string, selector?: Record<string, string>): Promise<PodInfo[]>;
  deployments(namespace: string): Promise<DeploymentInfo[]>;
  /** WasmPlugins of a namespace; undefined when the API server does not serve them (Higress's CRD missing). */
  wasmPlugins(namespace: string): Promise<WasmPluginInfo[] | undefined>;
  /** Every KIngress; split backends as FQDNs in `clusterDomain`. */
  kingresses(clusterDomain: string): Promise<KIngressInfo[]>;
  allowed(subject: AccessSubject, attrs: ResourceAttributes): Promise<boolean>;
}

export interface DoctorSettings {
  systemNamespace: string;
  ingressClass: string;
  higressNamespace: string;
  clusterDomain: string;
  /** Whose permissions the RBAC check reviews: the operator's ServiceAccount, or the caller (`self`). */
  subject: AccessSubject;
  /** Namespace and name of the leader-election Lease. */
  lease: ObjectRef;
  crds: readonly CrdRequirement[];
}
