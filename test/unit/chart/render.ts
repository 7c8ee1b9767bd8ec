// Reading rendered chart objects in the chart tests: lookups, RBAC as comparable tuples, and the
// controller container's settings as `net-higress run` would parse them.
import { parseRunOptions, type ParsedRunOptions } from '../../../src/cli/run-options.js';
import { accessReviews, type Permission } from '../../../src/doctor/permissions.js';
import type { K8sObject } from '../../harness/helm.js';

export function find(objs: readonly K8sObject[], kind: string, name: string): K8sObject {
  const found = objs.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${objs.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}

export const ids = (objs: readonly K8sObject[]): string[] =>
  objs.map((o) => `${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`).sort();

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
}

/** `verb group/resource ns name` for every grant; a ClusterRole's namespace is `*`. */
export function grantedTuples(objs: readonly K8sObject[]): string[] {
  const out: string[] = [];
  for (const o of objs) {
    if (o.kind !== 'ClusterRole' && o.kind !== 'Role') continue;
    const ns = o.kind === 'ClusterRole' ? '*' : (o.metadata.namespace ?? '?');
    for (const r of (o.rules as Rule[] | undefined) ?? []) {
      for (const g of r.apiGroups ?? [])
        for (const res of r.resources ?? [])
          for (const v of r.verbs ?? []) {
            for (const n of r.resourceNames ?? ['']) out.push(`${v} ${g}/${res} ${ns} ${n}`);
          }
    }
  }
  return out.sort();
}

export function neededTuples(perms: readonly Permission[]): string[] {
  return accessReviews(perms)
    .map(
      ({ attrs: a }) =>
        `${a.verb} ${a.group}/${a.resource}${a.subresource ? `/${a.subresource}` : ''} ${a.namespace ?? '*'} ${a.name ?? ''}`,
    )
    .sort();
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}
export interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  args?: string[];
  env?: EnvVar[];
  ports?: Array<{ name: string; containerPort: number; protocol?: string }>;
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  resources?: unknown;
  securityContext?: unknown;
  volumeMounts?: unknown;
}
export interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: unknown;
  containers: Container[];
  imagePullSecrets?: unknown;
  priorityClassName?: string;
  nodeSelector?: unknown;
  volumes?: unknown;
}
export interface DeploymentSpec {
  replicas: number;
  selector: { matchLabels: Record<string, string> };
  template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec };
}

export function deploymentSpec(obj: K8sObject): DeploymentSpec {
  return obj.spec as DeploymentSpec;
}

/** The controller container's args and env through run's own parser, as the pod would start it. */
export function runOptionsOf(container: Container, pod: { name: string }): ParsedRunOptions {
  const [command, ...argv] = container.args ?? [];
  if (command !== 'run') throw new Error(`container args start with ${command}, not run`);
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = pod.name;
    else throw new Error(`env ${e.name}: unsupported source ${JSON.stringify(e.valueFrom)}`);
  }
  return parseRunOptions(argv, env);
}
