// Fault: a stale cache. Knative Serving rewrites a KIngress while the operator writes its status; a 409
// Conflict is expected then and is retried quietly: a debug line, not a warning, and not an error metric.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Controller } from '../../../src/controller/controller.js';
import { writtenReadiness } from '../../../src/controller/readiness.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { createTestNamespace, eventually } from '../../harness/kube.js';
import { isReady, TestEnv, type Wire } from '../operator/env.js';
import { figure } from './support.js';
import { testControllerOptions } from '../../harness/controller-options.js';

const env = new TestEnv();
const metrics = new Metrics({ defaultMetrics: false });
let controller: Controller;
let ns: string;

beforeAll(async () => {
  await env.setup();
  ns = await createTestNamespace('noise');
  controller = new Controller(
    env.rest,
    testControllerOptions({ ingressClass: env.ingressClass, systemNamespace: env.systemNamespace, workers: 4 }),
    env.logs.logger,
    metrics,
    writtenReadiness,
  );
  await controller.start(60_000);
});
afterAll(async () => {
  await controller.stop();
  await env.teardown();
});

describe('409 Conflict from a stale cache', () => {
  test('is requeued quietly and the KIngress converges', async () => {
    const name = 'busy';
    await env.client.create(env.servingKIngress(ns, name, [{ revision: 'busy-00000', percent: 100 }]));
    let revision = 0;
    // Bursts of spec updates, as Serving makes during a rollout, until the operator has hit a conflict.
    const conflicts = await eventually(
      'a conflict',
      async () => {
        for (let i = 0; i < 5; i++) {
          const ing = (await env.kingress(ns, name)) as Wire;
          revision += 1;
          const spec = env.servingKIngress(ns, name, [
            { revision: `busy-${String(revision).padStart(5, '0')}`, percent: 100 },
          ]).spec;
          await env.client.update({ ...ing, spec }).catch(() => undefined);
        }
        const n = env.logs.lines.filter((l) => l.msg === 'conflict, requeued').length;
        return n > 0 ? n : undefined;
      },
      60_000,
      200,
    );
    figure('conflicts provoked (debug lines)', String(conflicts));
    await eventually(
      'Ready at the last generation',
      async () => (isReady(await env.kingress(ns, name)) ? true : undefined),
      30_000,
    );

    const loud = env.logs.lines.filter((l) => l.level === 'warn' || l.level === 'error');
    expect(loud.filter((l) => /conflict|409/i.test(JSON.stringify(l)))).toEqual([]);
    expect(env.logs.lines.find((l) => l.msg === 'conflict, requeued')?.level).toBe('debug');
    const text = await metrics.metricsText();
    expect(text).not.toMatch(/net_higress_reconcile_total\{result="error"\} [1-9]/);
    expect(text).toMatch(/net_higress_reconcile_total\{result="requeue"\} [1-9]/);
  });
});
