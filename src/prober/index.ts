import { errorMessage } from '../kube/errors.js';
import type { RestClient } from '../kube/rest.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { InformerGatewayCluster } from './kube.js';
import { Prober } from './prober.js';

export { Prober } from './prober.js';

/** The prober `net-higress run` uses: gateway Services and EndpointSlices from informers, probes over the network. */
export function newProber(
  rest: RestClient,
  opts: {
    clusterDomain: string;
    log: Logger;
    metrics?: Metrics;
    onReady: (key: string) => void;
    maxRetryDelayMs?: number;
    explainAfterMs?: number;
  },
): Prober {
  const log = opts.log.child({ component: 'prober' });
  const cluster = new InformerGatewayCluster(rest, {
    onError: (err, what) => log.warn('watch error', { watch: what, error: errorMessage(err) }),
  });
  const { maxRetryDelayMs, ...proberOpts } = opts;
  return new Prober(cluster, {
    ...proberOpts,
    log,
    ...(maxRetryDelayMs ? { scheduler: { maxDelayMs: maxRetryDelayMs } } : {}),
  });
}
