import type { Secret } from '../api/core.js';
import type { Gateway } from '../api/istio.js';
import type { KIngress } from '../api/kingress.js';
import { keyOf, type ObjectRef } from '../api/meta.js';
import type { ClusterState, Existing, ExistingVirtualService } from '../reconciler/deps.js';
import {
  INGRESS_LABEL,
  INGRESS_NAMESPACE_LABEL,
  ORIGIN_SECRET_NAME_LABEL,
  ORIGIN_SECRET_NAMESPACE_LABEL,
} from '../translate/constants.js';
import { originSecretNameLabelValue } from '../translate/names.js';
import type { FollowedSecrets } from '../kube/followed-secrets.js';
import type { Informer } from '../kube/informer.js';
import type { KubeReader } from '../kube/reader.js';
import { GATEWAY, SECRET, SERVICE, VIRTUAL_SERVICE, apiVersionOf, type ResourceType } from '../kube/resources.js';
import type { KubeObject } from '../kube/types.js';

export type CachedVirtualService = ExistingVirtualService;
export type CachedGateway = Existing<Gateway['spec']>;

export interface Informers {
  kingresses: Informer<KIngress>;
  /** Only objects labelled with the ingress label; each spec is kept as its digest. */
  virtualServices: Informer<CachedVirtualService>;
  gateways: Informer<CachedGateway>;
  /** Only Secrets labelled with certificate-uid: Knative's certificates and our copies. */
  secrets: Informer<Secret>;
}

const SERVICE_TTL_MS = 30_000;

interface CachedService {
  selector: Record<string, string>;
  externalName?: string;
}

/**
 * The reconciler's view of the cluster: informer caches first; the API server only for what the
 * caches deliberately do not hold (unlabelled objects, TLS secrets without the certificate label,
 * gateway Services).
 */
export class InformerClusterState implements ClusterState {
  private readonly services = new Map<string, { at: number; value: CachedService | undefined }>();

  constructor(
    private readonly informers: Informers,
    private readonly reader: KubeReader,
    private readonly now: () => number = Date.now,
    private readonly followed?: FollowedSecrets,
  ) {}

  kingress(ref: ObjectRef): KIngress | undefined {
    return this.informers.kingresses.get(ref.namespace, ref.name);
  }

  kingresses(): KIngress[] {
    return this.informers.kingresses.list();
  }

  async virtualService(ref: ObjectRef, opts: { live?: boolean } = {}): Promise<CachedVirtualService | undefined> {
    if (opts.live)
      return this.reader.get<CachedVirtualService>({
        apiVersion: apiVersionOf(VIRTUAL_SERVICE),
        kind: 'VirtualService',
        ...ref,
      });
    return this.informers.virtualServices.get(ref.namespace, ref.name);
  }

  virtualServicesOf(namespace: string, ingressName: string): CachedVirtualService[] {
    return labelled(this.informers.virtualServices.list(namespace), ingressName);
  }

  async listVirtualServicesOf(namespace: string, ingressName: string): Promise<CachedVirtualService[]> {
    return this.listLabelled(VIRTUAL_SERVICE, 'VirtualService', namespace, ingressName);
  }

  async gateway(ref: ObjectRef): Promise<CachedGateway | undefined> {
    return this.cachedOrLive(this.informers.gateways, apiVersionOf(GATEWAY), 'Gateway', ref);
  }

  gatewaysOf(namespace: string, ingressName: string): CachedGateway[] {
    return labelled(this.informers.gateways.list(namespace), ingressName);
  }

  async listGatewaysOf(namespace: string, ingressName: string): Promise<CachedGateway[]> {
    return this.listLabelled(GATEWAY, 'Gateway', namespace, ingressName);
  }

  async secret(ref: ObjectRef): Promise<Secret | undefined> {
    return this.cachedOrLive(this.informers.secrets, 'v1', 'Secret', ref);
  }

  /** Knative's certificates are in the labelled cache; any other Secret a KIngress names is followed by name. */
  async tlsSecret(ref: ObjectRef): Promise<Secret | undefined> {
    const cached = this.informers.secrets.get(ref.namespace, ref.name);
    if (cached) return cached;
    return this.followed ? this.followed.get(ref) : this.secret(ref);
  }

  async secretCopiesOf(namespace: string, origin: ObjectRef): Promise<Existing[]> {
    const selector = `${ORIGIN_SECRET_NAME_LABEL}=${originSecretNameLabelValue(origin.name)},${ORIGIN_SECRET_NAMESPACE_LABEL}=${origin.namespace}`;
    return this.reader.list<Existing>(SECRET, { namespace, labelSelector: selector });
  }

  secretCopiesMadeFor(ingress: ObjectRef): Existing[] {
    return this.informers.secrets
      .list()
      .filter(
        (s) =>
          s.metadata.labels?.[INGRESS_LABEL] === ingress.name &&
          s.metadata.labels[INGRESS_NAMESPACE_LABEL] === ingress.namespace,
      );
  }

  /** Gateway Services change rarely; a short-lived cache keeps reconciles from reading them each time. */
  async gatewayService(ref: ObjectRef): Promise<{ selector: Record<string, string> } | undefined> {
    const svc = await this.service(ref);
    return svc ? { selector: svc.selector } : undefined;
  }

  /** From the same short-lived cache: a KService's placeholder changes only when its load balancer does. */
  async externalName(ref: ObjectRef): Promise<string | undefined> {
    return (await this.service(ref))?.externalName;
  }

  private async service(ref: ObjectRef): Promise<CachedService | undefined> {
    const key = keyOf(ref);
    const hit = this.services.get(key);
    if (hit && this.now() - hit.at < SERVICE_TTL_MS) return hit.value;
    const svc = await this.reader.get<
      KubeObject & { spec?: { selector?: Record<string, string>; type?: string; externalName?: string } }
    >({ apiVersion: apiVersionOf(SERVICE), kind: 'Service', ...ref });
    const value = svc
      ? {
          selector: svc.spec?.selector ?? {},
          ...(svc.spec?.type === 'ExternalName' && svc.spec.externalName
            ? { externalName: svc.spec.externalName }
            : {}),
        }
      : undefined;
    this.services.set(key, { at: this.now(), value });
    return value;
  }

  /** Listed items carry no apiVersion/kind; deletes need them. */
  private async listLabelled<S>(
    rt: ResourceType,
    kind: string,
    namespace: string,
    ingressName: string,
  ): Promise<Array<Existing<S>>> {
    const items = await this.reader.list<Existing<S>>(rt, {
      namespace,
      labelSelector: `${INGRESS_LABEL}=${ingressName}`,
    });
    return items.map((o) => ({ ...o, apiVersion: apiVersionOf(rt), kind }));
  }

  // Objects stay in wire format; the reconciler only compares and copies them.
  private async cachedOrLive<T extends KubeObject>(
    informer: Informer<T>,
    apiVersion: string,
    kind: string,
    ref: ObjectRef,
  ): Promise<T | undefined> {
    return informer.get(ref.namespace, ref.name) ?? this.reader.get<T>({ apiVersion, kind, ...ref });
  }
}

function labelled<T extends Existing>(objects: T[], ingressName: string): T[] {
  return objects.filter((o) => o.metadata.labels?.[INGRESS_LABEL] === ingressName);
}
