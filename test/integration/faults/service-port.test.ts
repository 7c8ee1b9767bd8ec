// Service ports: a named port leaves the VirtualService's port selector empty (as net-istio's zero
// number serialises) and the API server stores it; numbers outside 1..65535 are InvalidSpec.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestNamespace, eventually } from '../../harness/kube.js';
import { isReady, TestEnv, type Wire } from '../operator/env.js';

const env = new TestEnv();
let ns: string;

beforeAll(async () => {
  await env.setup();
  ns = await createTestNamespace('ports');
  await env.startOperator();
});
afterAll(() => env.teardown());

function withPort(name: string, port: number | string): Wire {
  const ing = env.servingKIngress(ns, name, [{ revision: `${name}-00001`, percent: 100 }]);
  for (const rule of ing.spec!.rules as Array<{
    http: { paths: Array<{ splits: Array<{ servicePort: number | string }> }> };
  }>) {
    rule.http.paths[0]!.splits[0]!.servicePort = port;
  }
  return ing;
}

type Route = { route: Array<{ destination: { host: string; port: Record<string, number> } }> };

describe('service ports', () => {
  test('a named port: Ready, destination port without a number', async () => {
    await env.client.create(withPort('named', 'http'));
    await eventually('named Ready', async () => (isReady(await env.kingress(ns, 'named')) ? true : undefined), 30_000);
    const vs = await env.virtualService(ns, 'named-ingress');
    const routes = vs?.spec?.http as Route[];
    expect(routes.length).toBeGreaterThan(0);
    for (const r of routes) expect(r.route.map((d) => d.destination.port)).toEqual([{}]);
  });

  test.each([
    ['minus-one', -1, '-1'],
    ['too-big', 70000, '70000'],
    ['too-big-string', '70000', '"70000"'],
  ])('%s → InvalidSpec naming the field', async (name, port, shown) => {
    await env.client.create(withPort(name, port));
    const ing = await eventually(
      `${name} InvalidSpec`,
      async () => {
        const got = await env.kingress(ns, name);
        return env.conditions(got).Ready?.[1] === 'InvalidSpec' ? got : undefined;
      },
      30_000,
    );
    expect(env.conditions(ing).Ready?.[2]).toBe(
      `spec.rules[0].http.paths[0].splits[0].servicePort: invalid value ${shown}, want a port number from 1 to 65535 or a port name`,
    );
    expect(await env.virtualService(ns, `${name}-ingress`)).toBeUndefined();
  });
});
