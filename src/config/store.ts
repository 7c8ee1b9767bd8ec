// The "last good config" of config-istio and config-network (spec §2.1, config store behaviour):
// both ConfigMaps are required and must be valid at startup; later an invalid update is rejected
// and the previous value stays in force. `generation` moves on every accepted change, so the
// caller knows when to resync all KIngresses.

import { parseIstioConfig, type ConfigContext, type ConfigResult, type IstioConfig } from './istio.js';
import { parseNetworkConfig, type NetworkConfig } from './network.js';

export const ISTIO_CONFIGMAP = 'config-istio';
export const NETWORK_CONFIGMAP = 'config-network';

export type ConfigKind = 'istio' | 'network';
export type ConfigMapData = Readonly<Record<string, string>> | undefined;
export type UpdateResult = { accepted: true; changed: boolean } | { accepted: false; error: string };

export class ConfigStore {
  private istio: IstioConfig;
  private network: NetworkConfig;
  private gen = 0;
  /** Problems in config-network keys we do not read, from the last accepted data: for a warning. */
  ignored: readonly string[] = [];

  constructor(
    initialIstio: IstioConfig,
    initialNetwork: NetworkConfig,
    private readonly ctx: ConfigContext,
  ) {
    this.istio = initialIstio;
    this.network = initialNetwork;
  }

  /** Startup: both ConfigMaps' data (undefined = a ConfigMap without data), or which one is invalid. */
  static fromConfigMaps(
    istioData: ConfigMapData,
    networkData: ConfigMapData,
    ctx: ConfigContext,
  ): ConfigResult<ConfigStore> {
    const istio = parseIstioConfig(istioData, ctx);
    if (!istio.ok) return { ok: false, error: `${ISTIO_CONFIGMAP}: ${istio.error}` };
    const network = parseNetworkConfig(networkData);
    if (!network.ok) return { ok: false, error: `${NETWORK_CONFIGMAP}: ${network.error}` };
    const store = new ConfigStore(istio.value, network.value, ctx);
    store.ignored = network.ignored;
    return { ok: true, value: store };
  }

  /** A ConfigMap changed. Invalid data is rejected and the last good value kept. */
  update(kind: ConfigKind, data: ConfigMapData): UpdateResult {
    if (kind === 'istio') {
      const parsed = parseIstioConfig(data, this.ctx);
      if (!parsed.ok) return { accepted: false, error: `${ISTIO_CONFIGMAP}: ${parsed.error}` };
      return this.accept(this.istio, parsed.value, (v) => {
        this.istio = v;
      });
    }
    const parsed = parseNetworkConfig(data);
    if (!parsed.ok) return { accepted: false, error: `${NETWORK_CONFIGMAP}: ${parsed.error}` };
    this.ignored = parsed.ignored;
    return this.accept(this.network, parsed.value, (v) => {
      this.network = v;
    });
  }

  // An informer resync delivering the same data is not a change: no needless global resync.
  // (Parsed values are built in a fixed key order, so JSON equality is value equality.)
  private accept<T>(previous: T, next: T, set: (v: T) => void): UpdateResult {
    if (JSON.stringify(previous) === JSON.stringify(next)) return { accepted: true, changed: false };
    set(next);
    this.gen++;
    return { accepted: true, changed: true };
  }

  current(): { istio: IstioConfig; network: NetworkConfig } {
    return { istio: this.istio, network: this.network };
  }

  /** Number of accepted changes since construction. */
  get generation(): number {
    return this.gen;
  }
}
