// Hosts and paths istiod would refuse (taking every route of the VirtualService with them) are
// reported as InvalidSpec on the real API server, and nothing is written for them.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestNamespace, eventually } from '../../harness/kube.js';
import { isReady, TestEnv, type Wire } from '../operator/env.js';

const env = new TestEnv();
let ns: string;

beforeAll(async () => {
  await env.setup();
  ns = await createTestNamespace('hosts');
  await env.startOperator();
});
afterAll(() => env.teardown());

/** A Serving-shaped KIngress with its external rule's hosts (and first path) replaced. */
function withExternal(name: string, hosts: string[], path?: string): Wire {
  const ing = env.servingKIngress(ns, name, [{ revision: `${name}-00001`, percent: 100 }]);
  const rules = ing.spec!.rules as Array<{ hosts: string[]; http: { paths: Array<{ path?: string }> } }>;
  rules[0]!.hosts = hosts;
  if (path !== undefined) rules[0]!.http.paths[0]!.path = path;
  return ing;
}

const invalidSpec = (name: string) =>
  eventually(
    `${name} InvalidSpec`,
    async () => {
      const got = await env.kingress(ns, name);
      return env.conditions(got).Ready?.[1] === 'InvalidSpec' ? got : undefined;
    },
    30_000,
  );

describe('hosts Istio cannot serve', () => {
  test.each([
    [
      'port',
      ['port.example.com:8080'],
      undefined,
      'spec.rules[0].hosts[0]: host "port.example.com:8080" has a port; give the host name only',
    ],
    [
      'upper',
      ['Upper.example.com'],
      undefined,
      'spec.rules[0].hosts[0]: host "Upper.example.com" has upper-case letters; hosts must be lower case',
    ],
    [
      'wildcard',
      ['*.example.com'],
      undefined,
      'spec.rules[0].hosts[0]: wildcard host "*.example.com" is not supported; list each host',
    ],
    ['empty-label', ['a..example.com'], undefined, 'spec.rules[0].hosts[0]: host "a..example.com" has an empty label'],
    [
      'long-label',
      [`${'x'.repeat(64)}.example.com`],
      undefined,
      `spec.rules[0].hosts[0]: host "${'x'.repeat(64)}.example.com" has a label of 64 characters, at most 63 allowed`,
    ],
    [
      'relative-path',
      ['rel.example.com'],
      'api',
      'spec.rules[0].http.paths[0].path: invalid value "api", must start with "/"',
    ],
  ])('%s → InvalidSpec naming the field, no VirtualService', async (name, hosts, path, message) => {
    await env.client.create(withExternal(name, hosts, path));
    const ing = await invalidSpec(name);
    expect(env.conditions(ing).Ready).toEqual(['False', 'InvalidSpec', message]);
    expect(await env.virtualService(ns, `${name}-ingress`)).toBeUndefined();
  });

  test('the same host in two rules → InvalidSpec; fixing it makes the KIngress Ready', async () => {
    const dup = withExternal('dup', [`dup.${ns}.svc.cluster.local`]);
    await env.client.create(dup);
    const ing = await invalidSpec('dup');
    expect(env.conditions(ing).Ready?.[2]).toBe(
      `spec.rules[1].hosts[2]: host "dup.${ns}.svc.cluster.local" is already in spec.rules[0].hosts[0]`,
    );
    const rules = ing.spec!.rules as Array<{ hosts: string[] }>;
    rules[0]!.hosts = [`dup.${ns}.example.com`];
    await env.client.update(ing);
    await eventually(
      'dup Ready after the fix',
      async () => (isReady(await env.kingress(ns, 'dup')) ? true : undefined),
      30_000,
    );
  });
});
