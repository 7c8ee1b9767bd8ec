// A user's own TLS Secret (no certificate-uid label: cert-manager for a DomainMapping, a hand-made one)
// rotates: the copy the gateway serves follows within seconds, and no other Secret is listed or cached.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestNamespace, eventually } from '../../harness/kube.js';
import { GATEWAY_NAMESPACE, isReady, TestEnv, type Wire } from '../operator/env.js';
import { READ_VERBS, secretRequestsIn } from './audit.js';

const env = new TestEnv();
let ns: string;

const cert = (file: string) =>
  readFileSync(new URL(`../../fixtures/certs/${file}.crt`, import.meta.url)).toString('base64');
const key = (v: string) => Buffer.from(`key-${v}`).toString('base64');

beforeAll(async () => {
  await env.setup();
  ns = await createTestNamespace('rotation');
  await env.startOperator();
});
afterAll(() => env.teardown());

describe('rotation of an unlabelled TLS Secret', () => {
  test('the copy follows each rotation within 10 s; only the named Secret is watched', async () => {
    // Unrelated Secrets of the same namespace, which following the named one must never list or cache.
    for (let i = 0; i < 20; i++) {
      await env.client.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: `unrelated-${i}`, namespace: ns },
        data: { x: key(String(i)) },
      });
    }
    const secret = await env.client.create<Wire>({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: 'my-cert', namespace: ns },
      data: { 'tls.crt': cert('host-1'), 'tls.key': key('v1') },
    });
    await env.client.create(
      env.servingKIngress(ns, 'mapped', [{ revision: 'mapped-00001', percent: 100 }], {
        tls: [{ hosts: [`mapped.${ns}.example.com`], secretName: 'my-cert', secretNamespace: ns }],
      }),
    );
    await eventually(
      'mapped Ready',
      async () => (isReady(await env.kingress(ns, 'mapped')) ? true : undefined),
      30_000,
    );
    const copyName = `mapped-${secret.metadata.uid}`;
    expect((await env.secret(GATEWAY_NAMESPACE, copyName))?.data?.['tls.key']).toBe(key('v1'));
    expect(env.operator?.followedSecrets()).toEqual([`${ns}/my-cert`]);

    const measured: number[] = [];
    let current = secret;
    for (const version of ['v2', 'v3', 'v4']) {
      current = await env.client.update<Wire>({
        ...current,
        data: { 'tls.crt': cert('host-1'), 'tls.key': key(version) },
      });
      const t0 = Date.now();
      // A rotated certificate reaches the gateway's copy within 10 s: the copy follows the origin's watch.
      await eventually(
        `copy has ${version}`,
        async () =>
          (await env.secret(GATEWAY_NAMESPACE, copyName))?.data?.['tls.key'] === key(version) ? true : undefined,
        10_000,
        20,
      );
      measured.push(Date.now() - t0);
    }
    process.stderr.write(`secret rotation followed in ${measured.join(', ')} ms\n`);

    // The operator's reads in this namespace name my-cert only: a watch by name, never a list of the namespace.
    const reads = secretRequestsIn(ns).filter((e) => READ_VERBS.has(e.verb));
    expect(reads.length).toBeGreaterThan(0);
    for (const e of reads)
      expect(decodeURIComponent(e.requestURI)).toMatch(
        /\/secrets(\/my-cert\?|\?.*fieldSelector=metadata\.name=my-cert)/,
      );
  });

  test('a Secret created after the KIngress that names it is picked up (its watch by name sees the creation)', async () => {
    await env.client.create(
      env.servingKIngress(ns, 'early', [{ revision: 'early-00001', percent: 100 }], {
        tls: [{ hosts: [`early.${ns}.example.com`], secretName: 'late-cert', secretNamespace: ns }],
      }),
    );
    await eventually(
      'early waits for its Secret',
      async () => (env.conditions(await env.kingress(ns, 'early')).Ready?.[0] === 'Unknown' ? true : undefined),
      30_000,
    );
    const secret = await env.client.create<Wire>({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: 'late-cert', namespace: ns },
      data: { 'tls.crt': cert('host-1'), 'tls.key': key('late') },
    });
    await eventually(
      'copy of the late Secret',
      () => env.secret(GATEWAY_NAMESPACE, `early-${secret.metadata.uid}`),
      10_000,
    );
  });
});
