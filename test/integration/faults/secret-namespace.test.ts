// A KIngress naming another namespace's TLS Secret is refused, and that Secret is never read: the API
// server's audit log is the witness.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestNamespace, eventually } from '../../harness/kube.js';
import { GATEWAY_NAMESPACE, TestEnv, type Wire } from '../operator/env.js';
import { READ_VERBS, secretRequestsIn } from './audit.js';

const env = new TestEnv();
let tenant: string;
let victim: string;

const cert = readFileSync(new URL('../../fixtures/certs/host-1.crt', import.meta.url)).toString('base64');
const tlsSecret = (namespace: string, name: string): Wire => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'kubernetes.io/tls',
  metadata: { name, namespace },
  data: { 'tls.crt': cert, 'tls.key': Buffer.from('throwaway').toString('base64') },
});

beforeAll(async () => {
  await env.setup();
  tenant = await createTestNamespace('tenant-a');
  victim = await createTestNamespace('tenant-b');
  await env.startOperator();
});
afterAll(() => env.teardown());

describe('TLS Secrets of another namespace', () => {
  test('refused: Ready=False SecretNotAllowed naming the field and the Secret, a Warning Event, no copy, no read', async () => {
    await env.client.create(tlsSecret(victim, 'victim-cert'));
    await env.client.create(
      env.servingKIngress(tenant, 'thief', [{ revision: 'thief-00001', percent: 100 }], {
        tls: [{ hosts: [`thief.${tenant}.example.com`], secretName: 'victim-cert', secretNamespace: victim }],
      }),
    );
    const ing = await eventually(
      'thief refused',
      async () => {
        const got = await env.kingress(tenant, 'thief');
        return env.conditions(got).Ready?.[1] === 'SecretNotAllowed' ? got : undefined;
      },
      30_000,
    );
    const message =
      `spec.tls[0].secretNamespace: Secret ${victim}/victim-cert is not in the KIngress's namespace "${tenant}" and namespace ` +
      `"${victim}" is not allowed for TLS Secrets (a platform engineer can allow it with --tls-secret-namespaces)`;
    expect(env.conditions(ing)).toMatchObject({
      Ready: ['False', 'SecretNotAllowed', message],
      NetworkConfigured: ['False', 'SecretNotAllowed', message],
    });
    const event = await eventually('SecretNotAllowed event', async () => {
      const events = await env.reader.list<
        Wire & { reason?: string; type?: string; message?: string; involvedObject?: { name?: string } }
      >({ group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true }, { namespace: tenant });
      return events.find((e) => e.reason === 'SecretNotAllowed' && e.involvedObject?.name === 'thief');
    });
    expect(event).toMatchObject({ type: 'Warning', message });
    expect(await env.virtualService(tenant, 'thief-ingress')).toBeUndefined();
    const copies = await env.reader.list<Wire>(
      { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
      {
        namespace: GATEWAY_NAMESPACE,
        labelSelector: `networking.internal.knative.dev/originSecretNamespace=${victim}`,
      },
    );
    expect(copies).toEqual([]);

    // The positive control: a Secret of the tenant's own namespace is read, and the audit log shows that read.
    await env.client.create(tlsSecret(tenant, 'own-cert'));
    await env.client.create(
      env.servingKIngress(tenant, 'honest', [{ revision: 'honest-00001', percent: 100 }], {
        tls: [{ hosts: [`honest.${tenant}.example.com`], secretName: 'own-cert', secretNamespace: tenant }],
      }),
    );
    await eventually(
      'the operator read own-cert (audit log)',
      async () =>
        secretRequestsIn(tenant).some((e) => READ_VERBS.has(e.verb) && e.requestURI.includes('own-cert'))
          ? true
          : undefined,
      30_000,
    );

    // Every request on Secrets in the victim's namespace: only the test's own create, no get, list or watch.
    const requests = secretRequestsIn(victim);
    expect(requests.map((e) => `${e.verb} ${e.objectRef?.name ?? ''}`)).toEqual(['create victim-cert']);
  });

  test('a namespace the platform engineer allowed is used; withdrawn, its copy goes', async () => {
    await env.stopOperator();
    const shared = await createTestNamespace('certs');
    const secret = await env.client.create(tlsSecret(shared, 'shared-cert'));
    await env.startOperator({ tlsSecretNamespaces: [shared] });
    await env.client.create(
      env.servingKIngress(tenant, 'allowed', [{ revision: 'allowed-00001', percent: 100 }], {
        tls: [{ hosts: [`allowed.${tenant}.example.com`], secretName: 'shared-cert', secretNamespace: shared }],
      }),
    );
    const copy = await eventually(
      'copy of the allowed Secret',
      () => env.secret(GATEWAY_NAMESPACE, `allowed-${secret.metadata.uid}`),
      30_000,
    );
    expect(copy.data).toEqual(secret.data);
    // The one refused before stays refused: its namespace is still not allowed.
    expect(env.conditions(await env.kingress(tenant, 'thief')).Ready?.[1]).toBe('SecretNotAllowed');

    // The platform engineer withdraws the namespace: the KIngress is refused and the gateway loses the copy.
    await env.stopOperator();
    await env.startOperator();
    await eventually(
      'allowed refused now',
      async () =>
        env.conditions(await env.kingress(tenant, 'allowed')).Ready?.[1] === 'SecretNotAllowed' ? true : undefined,
      30_000,
    );
    await eventually('copy removed', async () =>
      (await env.secret(GATEWAY_NAMESPACE, `allowed-${secret.metadata.uid}`)) ? undefined : true,
    );
  });
});
