// The "last good config" of config-istio and config-network, as Knative's config store keeps it:
// both ConfigMaps are required and must be valid at startup; later an invalid update is rejected
// and the previous value stays in force. `generation` moves on every accepted change, so the
// caller knows when to resync all KIngresses.

import { err, ok, type Result } from '../api/result.js';
import { parseIstioConfig, type ConfigContext, type IstioConfig } from './istio.js';
import { parseNetworkConfig, type NetworkConfig } from './network.js';

export const ISTIO_CONFIGMAP = 'config-istio';
export const NETWORK_CONFIGMAP = 'config-network';

export type ConfigKind = 'istio' | 'network';
export type ConfigMapData = Readonly<Record<string, string>> | undefined;
/** An accepted update says whether the value changed; a rejected one says why. */
export type UpdateResult = Result<{ changed: boolean }>;

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
  static fromConfigMaps(istioData: ConfigMapData, networkData: ConfigMapData, ctx: ConfigContext): Result<ConfigStore> {
    const istio = parseIstioConfig(istioData, ctx);
    if (!istio.ok) return err(`${ISTIO_CONFIGMAP}: ${istio.error}`);
    const network = parseNetworkConfig(networkData);
    if (!network.ok) return err(`${NETWORK_CONFIGMAP}: ${network.error}`);
    const store = new ConfigStore(istio.value, network.value.config, ctx);
    store.ignored = network.value.ignored;
    return ok(store);
  }

  /** A ConfigMap changed. Invalid data is rejected and the last good value kept. */
  update(kind: ConfigKind, data: ConfigMapData): UpdateResult {
    if (kind === 'istio') {
      const parsed = parseIstioConfig(data, this.ctx);
      if (!parsed.ok) return err(`${ISTIO_CONFIGMAP}: ${parsed.error}`);
      return this.accept(this.istio, parsed.value, (v) => {
        this.istio = v;
      });
    }
    const parsed = parseNetworkConfig(data);
    if (!parsed.ok) return err(`${NETWORK_CONFIGMAP}: ${parsed.error}`);
    this.ignored = parsed.value.ignored;
    return this.accept(this.network, parsed.value.config, (v) => {
      this.network = v;
    });
  }

  // An informer resync delivering the same data is not a change: no needless global resync.
  // (Parsed values are built in a fixed key order, so JSON equality is value equality.)
  private accept<T>(previous: T, next: T, set: (v: T) => void): UpdateResult {
    if (JSON.stringify(previous) === JSON.stringify(next)) return ok({ changed: false });
    set(next);
    this.gen++;
    return ok({ changed: true });
  }

  current(): { istio: IstioConfig; network: NetworkConfig } {
    return { istio: this.istio, network: this.network };
  }

  /** Number of accepted changes since construction. */
  get generation(): number {
    return this.gen;
  }
}
