// What tests ask of a running operator and production never needs: how many reconciles ran, how many
// writes they sent, whether the work queue is idle, which Secrets are followed by name. Counted here, by
// wrapping the Metrics the controller reports to, so the production class carries no test counters.
import { Controller, type ControllerOptions } from '../../src/controller/controller.js';
import type { RestClient } from '../../src/kube/rest.js';
import type { Logger } from '../../src/observability/logger.js';
import type { Metrics } from '../../src/observability/metrics.js';
import type { Readiness } from '../../src/reconciler/deps.js';

export interface OperatorStats {
  /** Reconciles finished, whatever their result. */
  reconciles: number;
  /** Writes the reconciler sent (failed ones included). */
  writes: number;
  /** Nothing queued, running or waiting for a retry. */
  idle: boolean;
}

export class ObservedController extends Controller {
  private reconciles = 0;
  private writes = 0;

  constructor(rest: RestClient, opts: ControllerOptions, log: Logger, metrics: Metrics, readiness: Readiness) {
    super(rest, opts, log, metrics, readiness);
    const observeReconcile = metrics.observeReconcile.bind(metrics);
    metrics.observeReconcile = (result, seconds) => {
      this.reconciles += 1;
      observeReconcile(result, seconds);
    };
    const countWrite = metrics.countWrite.bind(metrics);
    metrics.countWrite = (verb, kind) => {
      this.writes += 1;
      countWrite(verb, kind);
    };
  }

  stats(): OperatorStats {
    return {
      reconciles: this.reconciles,
      writes: this.writes,
      idle: this.queue.depth() === 0 && this.queue.active() === 0 && this.queue.delayed() === 0,
    };
  }

  /** `namespace/name` of the Secrets followed by name. */
  followedSecrets(): string[] {
    return this.followed.keys();
  }
}
