// The chart's life on the real API server with the real helm: refused mistakes, install before Higress exists,
// upgrade to the next version, and `helm uninstall` with KIngresses present, its pre-delete hook included.
// No kubelet or Job controller runs here: the test plays them (it stops the in-process controller standing in
// for the Deployment's pod when the Deployment is scaled to 0, runs the hook Job's command line as the Job's
// ServiceAccount, and reports the Job complete), which is all helm waits for.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { runUninstallCommand } from '../../../src/cli/uninstall.js';
import { Controller } from '../../../src/controller/controller.js';
import { writtenReadiness } from '../../../src/controller/readiness.js';
import { RestClient } from '../../../src/kube/rest.js';
import { recordingLogger } from '../../../src/observability/logger.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { KINGRESS_FINALIZER } from '../../../src/translate/constants.js';
import { CHART_DIR, helmBinary } from '../../harness/helm.js';
import { createTestNamespace, eventually, kubeConfigForToken, uniqueName } from '../../harness/kube.js';
import { isReady, TestEnv, type Wire } from '../operator/env.js';
import { createOtherClassIngress } from '../operator/other-class.js';
import { chartAtVersion, helmAsync, valuesFile } from './helm-cli.js';
import { admin, create, serviceAccountToken, type Install } from './install.js';
import { testControllerOptions } from '../../harness/controller-options.js';

const env = new TestEnv();
const release = uniqueName('nh');
const fullname = `${release}-net-higress`;
const leaseName = uniqueName('lease');
let releaseNamespace: string;
// Not created: net-higress is installed before Higress and Knative Serving.
const systemNamespace = uniqueName('knative-later');
const higressNamespace = uniqueName('higress-later');
let app: string;
let values: string;

const get = (path: string) => admin.request<Wire>({ method: 'GET', path }).catch(() => undefined);
const deploymentPath = () => `/apis/apps/v1/namespaces/${releaseNamespace}/deployments/${fullname}`;

beforeAll(async () => {
  helmBinary();
  [releaseNamespace, app] = (await Promise.all(['net-higress', 'app'].map((p) => createTestNamespace(p)))) as [
    string,
    string,
  ];
  values = valuesFile({
    knative: { systemNamespace, ingressClass: env.ingressClass },
    higress: { namespace: higressNamespace },
    controller: { leaderElection: { leaseName } },
  });
}, 20 * 60_000);

afterAll(() => env.rest.close());

describe('helm install refuses mistakes before touching the cluster', () => {
  test.each([
    ['readiness: probez', 'controller.readiness=probez', "at '/controller/readiness': value must be one of"],
    ['workers: 0', 'controller.workers=0', "at '/controller/workers': minimum: got 0, want 1"],
    ['a non-numeric port', 'controller.healthPort=health', "at '/controller/healthPort': got string, want integer"],
  ])('%s', async (_what, set, message) => {
    const res = await helmAsync([
      'install',
      release,
      CHART_DIR,
      '-n',
      releaseNamespace,
      '--values',
      values,
      '--set',
      set,
    ]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(message);
    expect(await get(deploymentPath())).toBeUndefined();
    expect((await helmAsync(['status', release, '-n', releaseNamespace])).code).not.toBe(0);
  });
});

describe('install, upgrade, uninstall', () => {
  let deploymentUID: string | undefined;
  let namespaceUID: string | undefined;

  test('helm install before Higress and Knative exist: their namespaces are created, NOTES say what and how to check', async () => {
    const res = await helmAsync(['install', release, CHART_DIR, '-n', releaseNamespace, '--values', values]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const ns = await get(`/api/v1/namespaces/${higressNamespace}`);
    expect(ns?.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    expect(
      (await get(`/api/v1/namespaces/${systemNamespace}`))?.metadata.annotations?.['helm.sh/resource-policy'],
    ).toBe('keep');
    expect(await get(`/api/v1/namespaces/${systemNamespace}/configmaps/config-istio`)).toBeDefined();
    namespaceUID = ns?.metadata.uid;
    expect(await get(`/api/v1/namespaces/${higressNamespace}/services/knative-local-gateway`)).toBeDefined();
    deploymentUID = (await get(deploymentPath()))?.metadata.uid;
    expect(deploymentUID).toBeDefined();
    expect(res.stdout).toContain(`net-higress 0.1.0 (installed as release ${release} in ${releaseNamespace})`);
    expect(res.stdout).toContain(`controller: Deployment ${releaseNamespace}/${fullname}, image net-higress:0.1.0`);
    expect(res.stdout).toContain(`reconciling the KIngresses of class ${env.ingressClass}`);
    expect(res.stdout).toContain(
      `shared Gateways: ${systemNamespace}/knative-ingress-gateway (HTTP 80) and ${systemNamespace}/knative-local-gateway (HTTP 8081)`,
    );
    expect(res.stdout).toContain(
      `net-higress doctor --system-namespace ${systemNamespace} --ingress-class ${env.ingressClass}`,
    );
    expect(res.stdout).toContain(`--service-account ${releaseNamespace}/${fullname}`);
  });

  test('helm upgrade to the next version: objects updated in place, the namespace kept, no hook run', async () => {
    const res = await helmAsync([
      'upgrade',
      release,
      chartAtVersion('0.2.0'),
      '-n',
      releaseNamespace,
      '--values',
      values,
    ]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`net-higress 0.2.0 (upgraded as release ${release}`);
    const d = await get(deploymentPath());
    expect(d?.metadata.uid).toBe(deploymentUID);
    expect(d?.metadata.labels?.['helm.sh/chart']).toBe('net-higress-0.2.0');
    expect(
      (d?.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0]?.image,
    ).toBe('net-higress:0.2.0');
    expect((await get(`/api/v1/namespaces/${higressNamespace}`))?.metadata.uid).toBe(namespaceUID);
    expect(await get(`/apis/batch/v1/namespaces/${releaseNamespace}/jobs/${fullname}-uninstall`)).toBeUndefined();
    expect((await helmAsync(['history', release, '-n', releaseNamespace])).stdout).toMatch(
      /2\s+.*deployed\s+net-higress-0\.2\.0/,
    );
  });

  test('helm uninstall with KIngresses present: the hook leaves every KIngress deletable and nothing of ours behind', async () => {
    const inst = { releaseNamespace, fullname } as Install;
    const token = await serviceAccountToken(inst);
    const sa = new RestClient(kubeConfigForToken(token));
    // What Higress would have put there; the Deployment's pod "runs" (status as the Deployment controller reports it).
    await create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'higress-gateway', namespace: higressNamespace },
      spec: {
        selector: { app: 'higress-gateway', higress: 'higress-system-higress-gateway' },
        ports: [
          { name: 'http2', port: 80 },
          { name: 'https', port: 443 },
        ],
      },
    });
    await setDeploymentReplicas(1);
    const logs = recordingLogger();
    const controller = new Controller(
      sa,
      testControllerOptions({
        ingressClass: env.ingressClass,
        systemNamespace,
        leaderElection: { namespace: releaseNamespace, name: leaseName, identity: 'lifecycle-test' },
      }),
      logs.logger,
      new Metrics({ defaultMetrics: false }),
      writtenReadiness,
    );
    await controller.start(60_000);

    const crt = readFileSync(new URL('../../fixtures/certs/host-1.crt', import.meta.url)).toString('base64');
    await create({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: 'tls', namespace: app },
      data: { 'tls.crt': crt, 'tls.key': Buffer.from('throwaway').toString('base64') },
    });
    await env.client.create(env.servingKIngress(app, 'hello', [{ revision: 'hello-00001', percent: 100 }]));
    await env.client.create(
      env.servingKIngress(app, 'secure', [{ revision: 'secure-00001', percent: 100 }], {
        tls: [{ hosts: [`secure.${app}.example.com`], secretName: 'tls', secretNamespace: app }],
      }),
    );
    // Another class's KIngress, with the finalizer every Knative ingress uses, and its route: not ours.
    await createOtherClassIngress(env, app);

    for (const name of ['hello', 'secure']) {
      await eventually(
        `${name} Ready`,
        async () => (isReady(await env.kingress(app, name)) ? true : undefined),
        30_000,
      );
    }
    const secureUID = (await env.secret(app, 'tls'))?.metadata.uid;
    const copyName = `secure-${secureUID}`;
    expect(await env.secret(higressNamespace, copyName)).toBeDefined();
    const tlsGateways = (
      await env.reader.list<Wire>(
        { group: 'networking.istio.io', version: 'v1beta1', kind: 'Gateway', plural: 'gateways', namespaced: true },
        { namespace: app },
      )
    ).filter((g) => g.metadata.labels?.['networking.internal.knative.dev/ingress'] === 'secure');
    expect(tlsGateways).toHaveLength(1);

    const uninstalling = helmAsync(['uninstall', release, '-n', releaseNamespace, '--timeout', '2m']);
    // The kubelet: once the Deployment is scaled to 0, its pod (the in-process controller) stops, then is gone.
    const kubelet = eventually(
      'the Deployment scaled to 0',
      async () => {
        const d = await get(deploymentPath());
        return (d?.spec as { replicas?: number } | undefined)?.replicas === 0 ? true : undefined;
      },
      60_000,
    ).then(async () => {
      await controller.stop();
      await setDeploymentReplicas(0);
    });
    // The Job controller: run the hook Job's container as its ServiceAccount would, then report it complete.
    const job = await eventually(
      'the uninstall hook Job',
      () => get(`/apis/batch/v1/namespaces/${releaseNamespace}/jobs/${fullname}-uninstall`),
      60_000,
    );
    const pod = (
      job.spec as { template: { spec: { serviceAccountName: string; containers: Array<{ args: string[] }> } } }
    ).template.spec;
    expect(pod.serviceAccountName).toBe(fullname);
    const [command, ...argv] = pod.containers[0]!.args;
    expect(command).toBe('uninstall');
    let out = '';
    let err = '';
    const code = await runUninstallCommand(
      argv,
      {
        stdout: (s) => {
          out += s;
        },
        stderr: (s) => {
          err += s;
        },
        readStdin: () => '',
      },
      () => new RestClient(kubeConfigForToken(token)),
    );
    await kubelet;
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain(`scaled Deployment ${releaseNamespace}/${fullname} to 0 replicas`);
    expect(out).toContain(`deleted Secret ${higressNamespace}/${copyName}`);
    expect(out).toContain(`removed finalizer ${KINGRESS_FINALIZER} from KIngress ${app}/hello`);
    await completeJob(`${fullname}-uninstall`);
    const res = await uninstalling;
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);

    // Every KIngress of the class deletes at once; nothing we wrote is left.
    for (const name of ['hello', 'secure']) {
      expect((await env.kingress(app, name))?.metadata.finalizers ?? []).toEqual([]);
      expect(await env.virtualService(app, `${name}-ingress`)).toBeUndefined();
      await admin.request({
        method: 'DELETE',
        path: `/apis/networking.internal.knative.dev/v1alpha1/namespaces/${app}/ingresses/${name}`,
      });
      await eventually(
        `KIngress ${name} gone`,
        async () => ((await env.kingress(app, name)) ? undefined : true),
        10_000,
      );
    }
    expect(await env.secret(higressNamespace, copyName)).toBeUndefined();
    expect(await env.gateway(app, tlsGateways[0]!.metadata.name)).toBeUndefined();
    // The other class's objects are untouched.
    expect((await env.kingress(app, 'other'))?.metadata.finalizers).toEqual([KINGRESS_FINALIZER]);
    expect(await env.virtualService(app, 'other-ingress')).toBeDefined();
    // helm deleted the release's objects and the succeeded hook; the Higress namespace stays.
    expect(await get(deploymentPath())).toBeUndefined();
    expect(await env.gateway(systemNamespace, 'knative-ingress-gateway')).toBeUndefined();
    expect(await get(`/api/v1/namespaces/${systemNamespace}/configmaps/config-istio`)).toBeUndefined();
    expect(await get(`/apis/batch/v1/namespaces/${releaseNamespace}/jobs/${fullname}-uninstall`)).toBeUndefined();
    expect((await get(`/api/v1/namespaces/${higressNamespace}`))?.metadata.uid).toBe(namespaceUID);
    sa.close();
  }, 180_000);
});

/** What the Deployment controller reports: how many pods exist. */
async function setDeploymentReplicas(n: number): Promise<void> {
  await admin.request({
    method: 'PATCH',
    path: `${deploymentPath()}/status`,
    contentType: 'application/merge-patch+json',
    body: { status: { replicas: n, updatedReplicas: n, readyReplicas: n, availableReplicas: n } },
  });
}

/** What the Job controller reports when the pod exited 0. */
async function completeJob(name: string): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const condition = (type: string) => ({
    type,
    status: 'True',
    lastProbeTime: now,
    lastTransitionTime: now,
    reason: 'CompletionsReached',
    message: 'Reached expected number of succeeded pods',
  });
  await admin.request({
    method: 'PATCH',
    path: `/apis/batch/v1/namespaces/${releaseNamespace}/jobs/${name}/status`,
    contentType: 'application/merge-patch+json',
    body: {
      status: {
        startTime: now,
        completionTime: now,
        succeeded: 1,
        active: 0,
        ready: 0,
        terminating: 0,
        uncountedTerminatedPods: {},
        conditions: [condition('SuccessCriteriaMet'), condition('Complete')],
      },
    },
  });
}
