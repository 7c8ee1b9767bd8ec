// Fault: the operator starts without a permission it needs (the chart's RBAC minus the VirtualService
// watch). It must fail within seconds naming the verb and resource, not after a cache-sync timeout.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { TestEnv } from '../operator/env.js';
import { ChartOperator, figure } from './support.js';

const env = new TestEnv();
const op = new ChartOperator();

beforeAll(async () => {
  await op.install(env.ingressClass);
}, 20 * 60_000);
afterAll(async () => {
  await op.stop();
  await op.proxy?.close();
  env.rest.close();
});

describe('starting without a permission', () => {
  test("the chart's RBAC minus watch on VirtualServices: start fails at once, naming the verb and the resource", async () => {
    await op.setVerb('virtualservices', 'watch', false);
    const t0 = Date.now();
    // A sync timeout far above what the test waits for: only the permission check can end start() in time.
    const failure = await op.start(600_000).then(
      () => undefined,
      (err: unknown) => err,
    );
    const ms = Date.now() - t0;
    figure('failed start without watch on VirtualServices', `${ms} ms`);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe(
      'forbidden: these credentials may not watch virtualservices.networking.istio.io (all namespaces) [the translated VirtualServices]',
    );
  });

  test('with the permission back, the same operator starts', async () => {
    await op.setVerb('virtualservices', 'watch', true);
    const controller = await op.start();
    expect(controller.hasSynced()).toBe(true);
  });
});
