// Fault: the VirtualService and Gateway watches are denied for a while (RBAC), as they lag after an
// outage. Objects created meanwhile never reach the operator's cache; deleting their KIngress must still
// delete them, because finalization asks the API server, not the cache.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { eventually } from '../../harness/kube.js';
import { create } from '../chart/install.js';
import { isReady, TestEnv } from '../operator/env.js';
import { ChartOperator, figure, KINGRESS_API, orphans } from './support.js';

const env = new TestEnv();
const op = new ChartOperator();

beforeAll(async () => {
  await op.install(env.ingressClass);
  await op.start();
}, 20 * 60_000);
afterAll(async () => {
  await op.setVerb('virtualservices', 'watch', true).catch(() => undefined);
  await op.setVerb('gateways', 'watch', true).catch(() => undefined);
  await op.stop();
  await op.proxy?.close();
  env.rest.close();
});

const ready = (name: string) =>
  eventually(
    `KIngress ${name} Ready`,
    async () => (isReady(await env.kingress(op.app, name)) ? true : undefined),
    30_000,
  );

describe('finalization while the VirtualService and Gateway watches are denied', () => {
  test('objects created while the cache was blind are deleted with their KIngress: 0 orphans', async () => {
    await env.client.create(env.servingKIngress(op.app, 'before', [{ revision: 'before-00001', percent: 100 }]));
    await ready('before');

    // Deny the watches, then cut the operator's connections: its informers reconnect and are refused.
    await op.setVerb('virtualservices', 'watch', false);
    await op.setVerb('gateways', 'watch', false);
    op.proxy.cut();
    await eventually(
      'the refused VirtualService watch, named in the log',
      async () => (op.warnings().some((m) => /^watch of virtualservices failed: 403/.test(m)) ? true : undefined),
      30_000,
    );

    // A KIngress with TLS: a VirtualService and a per-KIngress Gateway, both unseen by the caches.
    const crt = readFileSync(new URL('../../fixtures/certs/host-1.crt', import.meta.url)).toString('base64');
    await create({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: 'blind-tls', namespace: op.app },
      data: { 'tls.crt': crt, 'tls.key': Buffer.from('throwaway').toString('base64') },
    });
    await env.client.create(
      env.servingKIngress(op.app, 'blind', [{ revision: 'blind-00001', percent: 100 }], {
        tls: [{ hosts: [`blind.${op.app}.example.com`], secretName: 'blind-tls', secretNamespace: op.app }],
      }),
    );
    await ready('blind');
    const vs = await env.virtualService(op.app, 'blind-ingress');
    const gatewayName =
      (vs?.spec?.gateways as string[]).find((g) => g.startsWith(`${op.app}/blind-`))?.split('/')[1] ?? '';
    expect(await env.gateway(op.app, gatewayName)).toBeDefined();

    const t0 = Date.now();
    for (const name of ['blind', 'before'])
      await env.rest.request({ method: 'DELETE', path: `${KINGRESS_API}/namespaces/${op.app}/ingresses/${name}` });
    await eventually(
      'both KIngresses finalized',
      async () => ((await env.kingress(op.app, 'blind')) || (await env.kingress(op.app, 'before')) ? undefined : true),
      30_000,
    );
    figure('finalized with the watches denied', `${Date.now() - t0} ms`);
    expect(await env.virtualService(op.app, 'blind-ingress')).toBeUndefined();
    expect(await env.gateway(op.app, gatewayName)).toBeUndefined();
    expect(await env.virtualService(op.app, 'before-ingress')).toBeUndefined();
    const left = await orphans(op.app);
    figure('orphans after finalization with the watches denied', String(left.length));
    expect(left).toEqual([]);
  });
});
