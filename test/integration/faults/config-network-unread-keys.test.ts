// config-network is Knative's: a value of a key net-higress does not read never stops the operator, at
// start or on an update; a bad value of the key it reads (cluster-local-domain-tls) still does.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ConfigError } from '../../../src/controller/controller.js';
import { createTestNamespace, eventually } from '../../harness/kube.js';
import { isReady, TestEnv, type Wire } from '../operator/env.js';

const env = new TestEnv();
let ns: string;

beforeAll(async () => {
  await env.setup();
  ns = await createTestNamespace('config-network');
});
afterAll(() => env.teardown());

const configNetwork = (namespace: string, data: Record<string, string>): Wire => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'config-network', namespace },
  data,
});

describe('config-network keys net-higress does not read', () => {
  test('a domain-template with printf (valid for Knative) at start and a bad unread key on update: the operator runs on', async () => {
    const cm = await env.client.create(
      configNetwork(env.systemNamespace, {
        'domain-template': '{{.Name}}.{{.Namespace}}.{{printf "%s" .Domain}}',
        'ingress-class': env.ingressClass,
      }),
    );
    await env.startOperator();
    const warned = env.logs.lines.find((r) => r.msg.startsWith('config-network: ignoring a problem'));
    expect(warned?.fields?.problem).toMatch(/^template: domain-template: unsupported action/);

    await env.client.create(env.servingKIngress(ns, 'runs', [{ revision: 'runs-00001', percent: 100 }]));
    await eventually('runs Ready', async () => (isReady(await env.kingress(ns, 'runs')) ? true : undefined), 30_000);

    // An update the operator cannot fully check, in keys it does not read, is accepted: no InvalidConfiguration.
    await env.client.update({
      ...cm,
      data: { ...cm.data, 'tag-template': '{{printf "%s-%s" .Tag .Name}}', 'cluster-local-domain-tls': 'Enabled' },
    });
    await eventually('cluster-local-domain-tls taken in', async () =>
      env.logs.lines.some((r) => r.msg === 'configuration changed, resyncing all KIngresses') ? true : undefined,
    );
    const events = await env.reader.list<Wire & { reason?: string }>(
      { group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true },
      { namespace: env.systemNamespace },
    );
    expect(events.filter((e) => e.reason === 'InvalidConfiguration')).toEqual([]);
    await env.stopOperator();
  });

  test('a bad value of the key it reads is still fatal at start, naming the key', async () => {
    const bad = await createTestNamespace('bad-network');
    await env.client.create(
      configNetwork(bad, { 'cluster-local-domain-tls': 'perhaps', 'domain-template': '{{printf "%s" .Domain}}' }),
    );
    const start = env.startOperator({ systemNamespace: bad });
    await expect(start).rejects.toThrow(ConfigError);
    await expect(start).rejects.toThrow(
      `invalid configuration in namespace ${bad}: config-network: cluster-local-domain-tls with value: "perhaps" in config-network ConfigMap is not supported`,
    );
  });
});
