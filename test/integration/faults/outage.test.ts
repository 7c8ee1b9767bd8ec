// Faults on a control plane of this file's own (the shared one must not go down under other tests): etcd
// killed for a while, then the kube-apiserver killed, each restarted by the harness. Work done just after
// each outage (an update, a create, a delete) converges, and nothing is left behind.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import { Controller } from '../../../src/controller/controller.js';
import { writtenReadiness } from '../../../src/controller/readiness.js';
import { isAlreadyExists } from '../../../src/kube/errors.js';
import { KubeReader } from '../../../src/kube/reader.js';
import { RestClient } from '../../../src/kube/rest.js';
import { KubeWriter } from '../../../src/kube/writer.js';
import { recordingLogger } from '../../../src/observability/logger.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { startControlPlane, type ControlPlane } from '../../harness/controlplane.js';
import { eventually } from '../../harness/kube.js';
import { isReady, type Wire } from '../operator/env.js';
import { figure, orphans, sleep } from './support.js';
import { testControllerOptions } from '../../harness/controller-options.js';

/** Long enough for every watch of the operator to fail and back off to its 30 s cap; short enough for a test. */
const ETCD_OUTAGE_MS = Number(process.env.NET_HIGRESS_ETCD_OUTAGE_MS || 30_000);
const KINGRESS = 'networking.internal.knative.dev/v1alpha1';
const NS = 'apps';
const SYSTEM = 'knative-serving';
const CLASS = 'outage.ingress.networking.knative.dev';

let cp: ControlPlane;
let rest: RestClient;
let client: KubeWriter;
let reader: KubeReader;
let controller: Controller;
const logs = recordingLogger();

beforeAll(async () => {
  cp = await startControlPlane({ log: (m) => process.stderr.write(`[faults control plane] ${m}\n`) });
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  rest = new RestClient(kc);
  client = new KubeWriter(rest);
  reader = new KubeReader(rest);
  for (const name of [NS, SYSTEM, 'higress-system'])
    await create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  await create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'higress-gateway', namespace: 'higress-system' },
    spec: { selector: { app: 'higress-gateway' }, ports: [{ name: 'http2', port: 80 }] },
  });
  controller = new Controller(
    rest,
    testControllerOptions({ ingressClass: CLASS, systemNamespace: SYSTEM }),
    logs.logger,
    new Metrics({ defaultMetrics: false }),
    writtenReadiness,
  );
  await controller.start(60_000);
}, 5 * 60_000);

afterAll(async () => {
  await controller?.stop();
  rest?.close();
  await cp?.stop();
});

async function create(obj: Wire): Promise<void> {
  try {
    if (obj.kind === 'Namespace') await rest.request({ method: 'POST', path: '/api/v1/namespaces', body: obj });
    else await client.create(obj);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

function kingress(name: string, revision: string): Wire {
  const split = [{ serviceNamespace: NS, serviceName: revision, servicePort: 80, percent: 100 }];
  return {
    apiVersion: KINGRESS,
    kind: 'Ingress',
    metadata: { name, namespace: NS, annotations: { 'networking.knative.dev/ingress.class': CLASS } },
    spec: {
      rules: [{ hosts: [`${name}.${NS}.example.com`], visibility: 'ExternalIP', http: { paths: [{ splits: split }] } }],
    },
  };
}

const get = (kind: string, apiVersion: string, name: string) =>
  reader.get<Wire>({ apiVersion, kind, namespace: NS, name });
const getIngress = (name: string) => get('Ingress', KINGRESS, name);
const getVS = (name: string) => get('VirtualService', 'networking.istio.io/v1beta1', `${name}-ingress`);
const ready = (name: string) =>
  eventually(`${name} Ready`, async () => (isReady(await getIngress(name)) ? true : undefined), 60_000);

/** Retries a write the API server may still refuse while it recovers. */
const retrying = (what: string, write: () => Promise<unknown>) =>
  eventually(
    what,
    async () => {
      await write();
      return true;
    },
    120_000,
    500,
  );

/** The KIngresses this file leaves: `updated` routes to `revision`, `created` is Ready, `deleted` and its VirtualService are gone. */
async function converged(
  updated: string,
  revision: string,
  created: string,
  deleted: string,
): Promise<boolean | undefined> {
  const ing = await getIngress(updated);
  const vs = await getVS(updated);
  const ok =
    isReady(ing) &&
    ing?.metadata.generation === 2 &&
    JSON.stringify(vs?.spec).includes(revision) &&
    isReady(await getIngress(created)) &&
    !(await getIngress(deleted)) &&
    !(await getVS(deleted));
  return ok ? true : undefined;
}

async function outage(label: string, fault: () => Promise<void>): Promise<void> {
  const [updated, created, deleted] = ['updated', 'created', 'deleted'].map((n) => `${label}-${n}`) as [
    string,
    string,
    string,
  ];
  await create(kingress(updated, `${updated}-00001`));
  await create(kingress(deleted, `${deleted}-00001`));
  await ready(updated);
  await ready(deleted);

  await fault();
  const t0 = Date.now();
  const ing = await eventually(`${updated} readable`, () => getIngress(updated), 120_000, 500);
  await retrying(`update ${updated}`, () =>
    client.update({ ...ing, spec: kingress(updated, `${updated}-00002`).spec }),
  );
  await retrying(`create ${created}`, () => create(kingress(created, `${created}-00001`)));
  await retrying(`delete ${deleted}`, () =>
    client.delete({ apiVersion: KINGRESS, kind: 'Ingress', namespace: NS, name: deleted }),
  );
  await eventually(`${label}: converged`, () => converged(updated, `${updated}-00002`, created, deleted), 120_000, 250);
  figure(`${label}: time to converge after the restart`, `${Date.now() - t0} ms`);

  for (const name of [updated, created])
    await client.delete({ apiVersion: KINGRESS, kind: 'Ingress', namespace: NS, name });
  await eventually(
    `${label}: finalized`,
    async () => ((await getIngress(updated)) || (await getIngress(created)) ? undefined : true),
    60_000,
  );
  const left = await orphans(NS, rest);
  figure(`${label}: orphans`, String(left.length));
  expect(left).toEqual([]);
}

describe('control plane outages', () => {
  test(
    `etcd killed for ${ETCD_OUTAGE_MS / 1000} s and restarted: work done right after converges, 0 orphans`,
    async () => {
      await outage('etcd', async () => {
        await cp.kill('etcd');
        await sleep(ETCD_OUTAGE_MS);
        await cp.restart('etcd');
      });
    },
    10 * 60_000,
  );

  test(
    'kube-apiserver killed and restarted: the same',
    async () => {
      await outage('apiserver', async () => {
        await cp.kill('kube-apiserver');
        await sleep(5_000);
        await cp.restart('kube-apiserver');
      });
    },
    10 * 60_000,
  );
});
