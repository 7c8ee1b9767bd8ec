/**
 * The prober's cluster view, from informers started the first time a gateway Service or shared Gateway
 * is needed: one per object (field selector on its name) and one per Service's EndpointSlices (label
 * selector). Never every EndpointSlice of the cluster: a big cluster has many, and we need two Services'.
 */
import * as z from 'zod';
import { endpointSliceSchema, SERVICE_NAME_LABEL, type EndpointSlice } from '../api/discovery.js';
import { keyOf, stringMap, type ObjectRef } from '../api/meta.js';
import { errorMessage } from '../kube/errors.js';
import type { Informer } from '../kube/informer.js';
import { createInformer } from '../kube/listwatch.js';
import { ENDPOINT_SLICE, GATEWAY, SERVICE, type ResourceType } from '../kube/resources.js';
import type { RestClient } from '../kube/rest.js';
import type { KubeObject } from '../kube/types.js';
import type { GatewayCluster } from './discovery.js';
import type { GatewayServer, ServicePorts } from './targets.js';

// List items carry no apiVersion/kind, so these read only what the prober uses.
const serviceSchema = z.looseObject({
  metadata: z.looseObject({ labels: stringMap.optional() }),
  spec: z
    .looseObject({ ports: z.array(z.looseObject({ name: z.string().optional(), port: z.number().int() })).optional() })
    .optional(),
});
const serverSchema = z.looseObject({
  port: z.looseObject({ number: z.number().int(), protocol: z.string() }),
  tls: z.looseObject({ httpsRedirect: z.boolean().optional(), mode: z.string().optional() }).optional(),
});

export interface InformerGatewayClusterOptions {
  /** How long a first read may wait for its watch to list (default 30 s). */
  syncTimeoutMs?: number;
  onError?: (err: unknown, what: string) => void;
}

interface Watched {
  informer: Informer<KubeObject>;
  synced: Promise<void>;
}

export class InformerGatewayCluster implements GatewayCluster {
  private readonly watches = new Map<string, Watched>();
  private readonly listeners = new Set<(service: string, slices: readonly EndpointSlice[]) => void>();
  private stopped = false;

  constructor(
    private readonly rest: RestClient,
    private readonly opts: InformerGatewayClusterOptions = {},
  ) {}

  async service(ref: ObjectRef): Promise<ServicePorts | undefined> {
    const informer = await this.watch(SERVICE, ref.namespace, { fieldSelector: `metadata.name=${ref.name}` });
    const parsed = serviceSchema.safeParse(informer.get(ref.namespace, ref.name));
    if (!parsed.success) return undefined;
    return { labels: parsed.data.metadata.labels ?? {}, ports: parsed.data.spec?.ports ?? [] };
  }

  async endpointSlices(service: ObjectRef): Promise<EndpointSlice[]> {
    const key = keyOf(service);
    const informer = await this.watch(
      ENDPOINT_SLICE,
      service.namespace,
      { labelSelector: `${SERVICE_NAME_LABEL}=${service.name}` },
      (inf) => {
        for (const l of this.listeners) l(key, slicesOf(inf));
      },
    );
    return slicesOf(informer);
  }

  async gatewayServers(ref: ObjectRef): Promise<GatewayServer[] | undefined> {
    const informer = await this.watch(GATEWAY, ref.namespace, { fieldSelector: `metadata.name=${ref.name}` });
    const gw = informer.get(ref.namespace, ref.name) as { spec?: { servers?: unknown[] } } | undefined;
    if (!gw) return undefined;
    return (gw.spec?.servers ?? []).flatMap((s) => {
      const parsed = serverSchema.safeParse(s);
      return parsed.success ? [parsed.data] : [];
    });
  }

  onEndpointsChanged(listener: (service: string, slices: readonly EndpointSlice[]) => void): void {
    this.listeners.add(listener);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const all = [...this.watches.values()];
    this.watches.clear();
    await Promise.all(all.map((w) => w.informer.stop()));
  }

  /** The informer for one selection, started on first use; concurrent first readers share its sync. */
  private async watch(
    rt: ResourceType,
    namespace: string,
    selector: { labelSelector?: string; fieldSelector?: string },
    onChange?: (inf: Informer<KubeObject>) => void,
  ): Promise<Informer<KubeObject>> {
    if (this.stopped) throw new Error('prober stopped');
    const key = `${rt.plural}|${namespace}|${selector.labelSelector ?? ''}|${selector.fieldSelector ?? ''}`;
    let watched = this.watches.get(key);
    if (!watched) {
      const name = `prober ${rt.plural} in ${namespace} (${selector.labelSelector ?? selector.fieldSelector ?? ''})`;
      const informer = createInformer<KubeObject>(this.rest, rt, {
        namespace,
        ...selector,
        name,
        resyncMs: 0,
        onError: (err, phase) => this.opts.onError?.(err, `${name}: ${phase}`),
      });
      if (onChange) {
        const changed = (): void => {
          if (informer.hasSynced()) onChange(informer);
        };
        informer.addHandlers({ add: changed, update: changed, delete: changed });
      }
      informer.start();
      watched = { informer, synced: informer.waitForSync(this.opts.syncTimeoutMs ?? 30_000) };
      this.watches.set(key, watched);
    }
    try {
      await watched.synced;
    } catch (err) {
      // Start over on the next read rather than keep a watch that never listed.
      if (this.watches.get(key) === watched) this.watches.delete(key);
      await watched.informer.stop();
      throw new Error(`cannot read ${rt.plural} in ${namespace}: ${errorMessage(err)}`, { cause: err });
    }
    return watched.informer;
  }
}

function slicesOf(informer: Informer<KubeObject>): EndpointSlice[] {
  return informer.list().flatMap((obj) => {
    const parsed = endpointSliceSchema.safeParse(obj);
    return parsed.success ? [parsed.data] : [];
  });
}
