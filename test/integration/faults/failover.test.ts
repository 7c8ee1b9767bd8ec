// Faults with `net-higress run` as real processes: two replicas on one host without POD_NAME (distinct
// identities, one leader), the leader SIGKILLed in the middle of work (the standby finishes it, nothing
// orphaned), and a start without any RBAC (exits within seconds naming what is forbidden).
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestNamespace, eventually, kubeConfigForToken, testKubeconfigPath } from '../../harness/kube.js';
import { buildCli } from '../../harness/build-cli.js';
import { spawnRun, type RunProcess } from '../operator/cli.js';
import { isReady, TestEnv } from '../operator/env.js';
import { figure, KINGRESS_API, orphans } from './support.js';

const env = new TestEnv();
let ns: string;
const running: ChildProcess[] = [];

type Proc = RunProcess;

function startRun(args: string[], kubeconfig = testKubeconfigPath()): Proc {
  const { POD_NAME: _none, ...envNoPod } = process.env;
  const p = spawnRun(
    [
      '--kubeconfig',
      kubeconfig,
      '--system-namespace',
      env.systemNamespace,
      '--ingress-class',
      env.ingressClass,
      '--metrics-address',
      '127.0.0.1:0',
      '--health-address',
      '127.0.0.1:0',
      '--log-format',
      'json',
      ...args,
    ],
    envNoPod,
  );
  running.push(p.child);
  return p;
}

const leading = (p: Proc) => p.lines.find((l) => l.msg === 'started leading');

beforeAll(async () => {
  buildCli();
  await env.setup();
  ns = await createTestNamespace('failover');
}, 5 * 60_000);
afterAll(async () => {
  for (const c of running) if (c.exitCode === null) c.kill('SIGKILL');
  await env.teardown();
});

describe('replicas and SIGKILL', () => {
  test(
    'two replicas on one host without POD_NAME: distinct identities, one leader; the leader SIGKILLed mid-work, the standby finishes',
    async () => {
      const lease = `net-higress-${ns}`;
      const a = startRun(['--leader-election-id', lease]);
      const first = await eventually('a leader', async () => leading(a), 60_000);
      const b = startRun(['--leader-election-id', lease]);
      await eventually(
        'the standby is up',
        async () => (b.lines.some((l) => l.msg === 'net-higress controller starting') ? true : undefined),
        60_000,
      );
      // Two renewals by the leader while the standby retries: one that believed it could lead would have said so by now.
      const readLease = async () =>
        (
          (await env.get('coordination.k8s.io/v1', 'Lease', env.systemNamespace, lease)) as {
            spec?: { holderIdentity?: string; renewTime?: string };
          }
        ).spec;
      const renewals = new Set<string>();
      await eventually(
        'two renewals with the standby up',
        async () => {
          renewals.add((await readLease())?.renewTime ?? '');
          return renewals.size >= 3 ? true : undefined;
        },
        60_000,
        200,
      );
      expect(leading(b)).toBeUndefined();
      expect(first.identity).toMatch(new RegExp(`^${hostname()}_[0-9a-f-]{36}$`));
      expect((await readLease())?.holderIdentity).toBe(first.identity);

      // Work in flight when the leader dies: creates, and deletes of KIngresses it had finished.
      const names = Array.from({ length: 10 }, (_v, i) => `k${i}`);
      for (const n of names.slice(0, 5))
        await env.client.create(env.servingKIngress(ns, n, [{ revision: `${n}-00001`, percent: 100 }]));
      await eventually(
        'the first five Ready',
        async () => {
          const all = await Promise.all(names.slice(0, 5).map((n) => env.kingress(ns, n)));
          return all.every(isReady) ? true : undefined;
        },
        60_000,
      );
      for (const n of names.slice(5))
        await env.client.create(env.servingKIngress(ns, n, [{ revision: `${n}-00001`, percent: 100 }]));
      for (const n of names.slice(0, 3))
        await env.rest.request({ method: 'DELETE', path: `${KINGRESS_API}/namespaces/${ns}/ingresses/${n}` });
      a.child.kill('SIGKILL');
      const t0 = Date.now();
      await a.exited;

      const second = await eventually('the standby leads', async () => leading(b), 60_000);
      expect(second.identity).not.toBe(first.identity);
      await eventually(
        'the rest Ready, the deleted ones finalized',
        async () => {
          const alive = await Promise.all(names.slice(3).map((n) => env.kingress(ns, n)));
          const gone = await Promise.all(names.slice(0, 3).map((n) => env.kingress(ns, n)));
          return alive.every(isReady) && gone.every((g) => g === undefined) ? true : undefined;
        },
        60_000,
      );
      figure('leader SIGKILLed -> standby finished the work', `${Date.now() - t0} ms`);
      expect(await orphans(ns, env.rest)).toEqual([]);
      b.child.kill('SIGTERM');
      expect(await b.exited).toBe(0);
    },
    5 * 60_000,
  );

  test('`net-higress run` without any RBAC exits 1 within seconds, naming the forbidden verbs', async () => {
    const sa = 'no-rbac';
    await env.rest.request({
      method: 'POST',
      path: `/api/v1/namespaces/${env.systemNamespace}/serviceaccounts`,
      body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa } },
    });
    const res = await env.rest.request<{ status?: { token?: string } }>({
      method: 'POST',
      path: `/api/v1/namespaces/${env.systemNamespace}/serviceaccounts/${sa}/token`,
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { audiences: [], expirationSeconds: 3600 },
      },
    });
    const file = join(mkdtempSync(join(tmpdir(), 'net-higress-faults-')), 'kubeconfig');
    writeFileSync(file, kubeConfigForToken(res.status?.token ?? '').exportConfig(), { mode: 0o600 });

    const t0 = Date.now();
    const p = startRun(['--leader-elect=false'], file);
    expect(await p.exited).toBe(1);
    figure('`net-higress run` without RBAC: exit 1 after', `${Date.now() - t0} ms (process start included)`);
    const stderr = p.stderr.join('');
    expect(stderr).toMatch(
      /^run: failed to start: forbidden: these credentials may not get ingresses\.networking\.internal\.knative\.dev \(all namespaces\)/,
    );
    expect(stderr).toContain(
      'watch virtualservices.networking.istio.io (all namespaces) [the translated VirtualServices]',
    );
    expect(stderr).toContain(`list configmaps in ${env.systemNamespace}`);
  });
});
