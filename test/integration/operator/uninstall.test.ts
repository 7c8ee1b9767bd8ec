// `net-higress uninstall` on the real API server after the operator wrote everything it can write (routes,
// per-KIngress and wildcard TLS Gateways, Secret copies): --dry-run changes nothing, --keep-routes only drops the
// finalizers, the full run removes what the operator wrote for its class and nothing of another class's.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { runUninstallCommand } from '../../../src/cli/uninstall.js';
import { KINGRESS_FINALIZER } from '../../../src/translate/constants.js';
import { createTestNamespace, eventually, testKubeconfigPath } from '../../harness/kube.js';
import { GATEWAY_NAMESPACE, isReady, TestEnv, type Wire } from './env.js';
import { createOtherClassIngress } from './other-class.js';

const env = new TestEnv();
let ns: string;
const KINGRESS = 'networking.internal.knative.dev/v1alpha1';
const GATEWAYS = {
  group: 'networking.istio.io',
  version: 'v1beta1',
  kind: 'Gateway',
  plural: 'gateways',
  namespaced: true,
};

const cert = (f: string) => readFileSync(new URL(`../../fixtures/certs/${f}.crt`, import.meta.url)).toString('base64');
const tlsSecret = (name: string, crt: string): Wire => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'kubernetes.io/tls',
  metadata: { name, namespace: ns },
  data: { 'tls.crt': cert(crt), 'tls.key': Buffer.from('throwaway').toString('base64') },
});

async function uninstall(...extra: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runUninstallCommand(
    [
      '--kubeconfig',
      testKubeconfigPath(),
      '--ingress-class',
      env.ingressClass,
      '--system-namespace',
      env.systemNamespace,
      '--higress-namespace',
      GATEWAY_NAMESPACE,
      ...extra,
    ],
    {
      stdout: (s) => {
        stdout += s;
      },
      stderr: (s) => {
        stderr += s;
      },
      readStdin: () => '',
    },
  );
  return { code, stdout, stderr };
}

/** Everything in play, by kind and name, with uid and finalizers: what "changed nothing" compares. */
async function snapshot(): Promise<string[]> {
  const gws = await env.reader.list<Wire>(GATEWAYS, { namespace: ns });
  const objs: Array<Wire | undefined> = [
    ...(await Promise.all(['plain', 'secure', 'wild', 'other'].map((n) => env.kingress(ns, n)))),
    ...(await Promise.all(['plain', 'secure', 'wild', 'other'].map((n) => env.virtualService(ns, `${n}-ingress`)))),
    ...gws,
    ...(await Promise.all(
      [`${ns}--wildcard-tls-wildcard`, copyName, 'not-ours'].map((n) => env.secret(GATEWAY_NAMESPACE, n)),
    )),
  ];
  return objs
    .filter((o): o is Wire => o !== undefined)
    .map((o) => `${o.kind ?? '?'} ${o.metadata.name} ${o.metadata.uid} [${(o.metadata.finalizers ?? []).join(',')}]`)
    .sort();
}

let copyName = '';

beforeAll(async () => {
  await env.setup();
  ns = await createTestNamespace('uninstall');
  await env.startOperator();
  const secure = await env.client.create(tlsSecret('secure-tls', 'host-1'));
  await env.client.create(tlsSecret('wildcard-tls', 'wildcard'));
  copyName = `secure-${secure.metadata.uid}`;
  await env.client.create(env.servingKIngress(ns, 'plain', [{ revision: 'plain-00001', percent: 100 }]));
  await env.client.create(
    env.servingKIngress(ns, 'secure', [{ revision: 'secure-00001', percent: 100 }], {
      tls: [{ hosts: [`secure.${ns}.example.com`], secretName: 'secure-tls', secretNamespace: ns }],
    }),
  );
  await env.client.create(
    env.servingKIngress(ns, 'wild', [{ revision: 'wild-00001', percent: 100 }], {
      tls: [{ hosts: [`wild.${ns}.example.com`], secretName: 'wildcard-tls', secretNamespace: ns }],
    }),
  );
  for (const n of ['plain', 'secure', 'wild'])
    await eventually(`${n} Ready`, async () => (isReady(await env.kingress(ns, n)) ? true : undefined), 30_000);
  await env.stopOperator();

  // Another ingress's KIngress (same finalizer name: every Knative ingress uses it), its route, and a Secret in
  // the Higress namespace that looks like a copy but names that KIngress.
  await createOtherClassIngress(env, ns);
  await env.client.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'not-ours',
      namespace: GATEWAY_NAMESPACE,
      labels: {
        'networking.internal.knative.dev/originSecretName': 'x',
        'networking.internal.knative.dev/originSecretNamespace': ns,
        'networking.internal.knative.dev/ingress': 'other',
        'networking.internal.knative.dev/ingressNamespace': ns,
      },
    },
    data: {},
  });
}, 120_000);

afterAll(() => env.teardown());

describe('net-higress uninstall', () => {
  let before: string[];

  test('--dry-run lists every change and makes none', async () => {
    before = await snapshot();
    const r = await uninstall('--dry-run');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.every((l) => l.startsWith('would ') || l.startsWith('dry run: '))).toBe(true);
    expect(r.stdout).toContain(`would delete VirtualService ${ns}/plain-ingress`);
    expect(r.stdout).toContain(`would delete Secret ${GATEWAY_NAMESPACE}/${copyName}`);
    expect(r.stdout).toContain(`would delete Secret ${GATEWAY_NAMESPACE}/${ns}--wildcard-tls-wildcard`);
    expect(r.stdout).toMatch(new RegExp(`would delete Gateway ${ns}/wildcard-[0-9a-f]+\\n`));
    expect(r.stdout).toContain(`would remove finalizer ${KINGRESS_FINALIZER} from KIngress ${ns}/wild`);
    expect(r.stdout).not.toMatch(/other|not-ours/);
    expect(await snapshot()).toEqual(before);
  });

  test('--keep-routes removes only the finalizers of our class', async () => {
    const r = await uninstall('--keep-routes');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.pop()).toBe('3 change(s), 0 error(s)');
    expect(lines.sort()).toEqual(
      ['plain', 'secure', 'wild'].map((n) => `removed finalizer ${KINGRESS_FINALIZER} from KIngress ${ns}/${n}`),
    );
    const noFinalizers = (s: string) => s.replace(/ \[[^\]]*\]$/, ' []');
    const after = await snapshot();
    expect(after.map((l) => (/^Ingress (plain|secure|wild) /.test(l) ? noFinalizers(l) : l))).toEqual(
      before.map((l) => (/^Ingress (plain|secure|wild) /.test(l) ? noFinalizers(l) : l)),
    );
  });

  test('the full run removes what the operator wrote for the class, and only that', async () => {
    const r = await uninstall();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const n of ['plain', 'secure', 'wild']) expect(await env.virtualService(ns, `${n}-ingress`)).toBeUndefined();
    expect(await env.secret(GATEWAY_NAMESPACE, copyName)).toBeUndefined();
    expect(await env.secret(GATEWAY_NAMESPACE, `${ns}--wildcard-tls-wildcard`)).toBeUndefined();
    const left = (await env.reader.list<Wire>(GATEWAYS, { namespace: ns })).map((g) => g.metadata.name);
    expect(left).toEqual([]);
    // Another class's KIngress, route and Secret are untouched; ours delete at once.
    expect((await env.kingress(ns, 'other'))?.metadata.finalizers).toEqual([KINGRESS_FINALIZER]);
    expect(await env.virtualService(ns, 'other-ingress')).toBeDefined();
    expect(await env.secret(GATEWAY_NAMESPACE, 'not-ours')).toBeDefined();
    for (const n of ['plain', 'secure', 'wild']) {
      await env.client.delete({ apiVersion: KINGRESS, kind: 'Ingress', namespace: ns, name: n });
      await eventually(`${n} gone`, async () => ((await env.kingress(ns, n)) ? undefined : true), 10_000);
    }
    // Nothing left to do: a second run changes nothing.
    expect((await uninstall()).stdout).toBe('0 change(s), 0 error(s)\n');
  });
});
