import { Controller, ConfigError } from '../controller/controller.js';
import { writtenReadiness } from '../controller/readiness.js';
import { loadKubeAccess } from '../kube/kubeconfig.js';
import { leaderIdentity } from '../kube/leader.js';
import { RestClient } from '../kube/rest.js';
import { readyWhen, startHealthServer } from '../observability/health.js';
import { createLogger } from '../observability/logger.js';
import { Metrics } from '../observability/metrics.js';
import { newProber } from '../prober/index.js';
import type { Streams } from './render.js';
import { parseRunOptions, RUN_USAGE } from './run-options.js';

/** `net-higress run`: the controller, until SIGTERM/SIGINT, which drains in-flight work and exits 0. */
export async function runController(argv: string[], io: Streams): Promise<number> {
  const parsed = parseRunOptions(argv, process.env);
  if (!parsed.ok) {
    io.stderr(`run: ${parsed.error}\n\n${RUN_USAGE}`);
    return 2;
  }
  const opts = parsed.value;
  if (opts.help) {
    io.stdout(RUN_USAGE);
    return 0;
  }
  const log = createLogger({ level: opts.logLevel, format: opts.logFormat });
  if (opts.readiness === 'written')
    log.warn('--readiness=written: KIngresses are reported Ready once written, possibly before Higress serves them');

  let rest: RestClient;
  try {
    rest = new RestClient(await loadKubeAccess({ kubeconfig: opts.kubeconfig }));
  } catch (err) {
    io.stderr(`run: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const metrics = new Metrics();
  // The prober re-enqueues a KIngress through the controller when every gateway pod serves it.
  const prober =
    opts.readiness === 'probe'
      ? newProber(rest, {
          clusterDomain: opts.clusterDomain,
          log,
          metrics,
          onReady: (key) => controller.requeue(key),
          maxRetryDelayMs: opts.probeMaxRetryDelaySeconds * 1000,
        })
      : undefined;
  const controller = new Controller(
    rest,
    {
      ingressClass: opts.ingressClass,
      systemNamespace: opts.systemNamespace,
      clusterDomain: opts.clusterDomain,
      meshVirtualService: opts.meshVirtualService,
      tlsSecretNamespaces: opts.tlsSecretNamespaces,
      workers: opts.workers,
      qps: opts.qps,
      burst: opts.burst,
      resyncPeriodSeconds: opts.resyncPeriodSeconds,
      ...(opts.leaderElect
        ? {
            leaderElection: {
              namespace: opts.leaderElectionNamespace,
              name: opts.leaderElectionId,
              identity: leaderIdentity(process.env),
            },
          }
        : {}),
    },
    log,
    metrics,
    prober ?? writtenReadiness,
  );
  // No drain after a lost lease: another replica leads now, and work in flight here must stop with us.
  void controller.leadershipLost.then(() => process.exit(1));

  const server = await startHealthServer({
    metricsAddress: opts.metricsAddress,
    healthAddress: opts.healthAddress,
    metrics,
    isAlive: () => true,
    // A standby replica is ready too: it serves warm caches and takes over when the leader goes.
    isReady: readyWhen({ 'caches synced': () => controller.hasSynced() }),
  });
  log.info('net-higress controller starting', {
    ingressClass: opts.ingressClass,
    systemNamespace: opts.systemNamespace,
    workers: opts.workers,
    metricsPort: server.metricsPort,
    healthPort: server.healthPort,
  });

  const stopped = new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      log.info('shutting down', { signal });
      resolve();
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  });
  try {
    await Promise.race([controller.start(), stopped]);
  } catch (err) {
    const message =
      err instanceof ConfigError ? err.message : `failed to start: ${err instanceof Error ? err.message : String(err)}`;
    log.error(message);
    io.stderr(`run: ${message}\n`);
    await controller.stop();
    await prober?.stop();
    await server.close();
    rest.close();
    return 1;
  }
  await stopped;
  await controller.stop();
  await prober?.stop();
  await server.close();
  rest.close();
  log.info('stopped');
  return 0;
}
