// `net-higress run` as a real process: flags, logs, /metrics, /healthz, /readyz, SIGTERM, leader election.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createTestNamespace, eventually, testKubeconfigPath } from '../../harness/kube.js';
import { buildCli } from '../../harness/build-cli.js';
import { spawnRun, type RunProcess } from './cli.js';
import { isReady, TestEnv } from './env.js';

const env = new TestEnv();
let ns: string;
const running: ChildProcess[] = [];

type Proc = RunProcess;

function startRun(identity: string, extra: string[] = []): Proc {
  const p = spawnRun(
    [
      '--kubeconfig',
      testKubeconfigPath(),
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
      ...extra,
    ],
    { ...process.env, POD_NAME: identity },
  );
  running.push(p.child);
  return p;
}

async function ports(p: Proc): Promise<{ metrics: number; health: number }> {
  const line = await eventually(
    'startup log line',
    async () => p.lines.find((l) => l.msg === 'net-higress controller starting'),
    60_000,
  );
  return { metrics: Number(line.metricsPort), health: Number(line.healthPort) };
}

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

beforeAll(async () => {
  buildCli();
  await env.setup();
  ns = await createTestNamespace('operator-process');
});
afterAll(async () => {
  for (const c of running) if (c.exitCode === null) c.kill('SIGKILL');
  await env.teardown();
});

describe('net-higress run', () => {
  test('serves health and metrics, reconciles, logs JSON with the KIngress key, and exits 0 on SIGTERM', async () => {
    const p = startRun('solo', ['--leader-elect=false']);
    const { metrics, health } = await ports(p);
    await eventually(
      '/readyz 200',
      async () => ((await get(health, '/readyz')).status === 200 ? true : undefined),
      60_000,
    );
    expect((await get(health, '/healthz')).status).toBe(200);

    await env.client.create(env.servingKIngress(ns, 'proc', [{ revision: 'proc-00001', percent: 100 }]));
    await eventually('Ready', async () => (isReady(await env.kingress(ns, 'proc')) ? true : undefined), 60_000);

    const text = (await get(metrics, '/metrics')).body;
    expect(text).toMatch(/net_higress_reconcile_total\{result="success"\} [1-9]/);
    expect(text).toMatch(/net_higress_writes_total\{verb="create",kind="VirtualService"\} 1/);
    expect(text).toContain('process_open_fds');
    expect(
      p.lines.some((l) => l.kingress === `${ns}/proc` && typeof l.time === 'string' && typeof l.level === 'string'),
    ).toBe(true);
    expect(p.lines.filter((l) => l.unparsed)).toEqual([]);

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.lines.some((l) => l.msg === 'stopped')).toBe(true);
  });

  test('two replicas: one leads through the Lease; when it stops, the standby takes over', async () => {
    const lease = `net-higress-${ns}`;
    const a = startRun('replica-a', ['--leader-election-id', lease]);
    await ports(a);
    const holder = async () =>
      (
        (await env.get('coordination.k8s.io/v1', 'Lease', env.systemNamespace, lease)) as
          { spec?: { holderIdentity?: string } } | undefined
      )?.spec?.holderIdentity;
    await eventually('replica-a leads', async () => ((await holder()) === 'replica-a' ? true : undefined), 60_000);
    const b = startRun('replica-b', ['--leader-election-id', lease]);
    const { health: healthB } = await ports(b);
    // The standby is ready (warm caches) without leading.
    await eventually(
      'standby /readyz 200',
      async () => ((await get(healthB, '/readyz')).status === 200 ? true : undefined),
      60_000,
    );

    await env.client.create(env.servingKIngress(ns, 'led-1', [{ revision: 'l-00001', percent: 100 }]));
    await eventually('led-1 Ready', async () => (isReady(await env.kingress(ns, 'led-1')) ? true : undefined), 60_000);
    expect(b.lines.some((l) => l.kingress === `${ns}/led-1`)).toBe(false);

    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    await eventually('replica-b leads', async () => ((await holder()) === 'replica-b' ? true : undefined), 60_000);
    await env.client.create(env.servingKIngress(ns, 'led-2', [{ revision: 'l-00002', percent: 100 }]));
    await eventually('led-2 Ready', async () => (isReady(await env.kingress(ns, 'led-2')) ? true : undefined), 60_000);
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
  });
});
