// Knative Serving for real: a control plane of its own (Serving's webhooks and kube-controller-manager act on
// every object of the cluster, so they must not see the other test files' hand-written KIngresses), with
// kube-controller-manager, the stand-in kubelet, and Serving's controller, autoscaler and webhook, all built
// from their published Go modules by build-serving.sh and installed from the module's own config/core files.
//
// Serving's controller and autoscaler both bind :8080 (and every Knative binary binds the same profiling
// and metrics ports), so each Serving component runs in a network namespace of its own (netns.ts), as in
// a Pod. It reaches the API server through a TCP relay on its namespace's host-side address; the API
// server reaches the webhook at the webhook namespace's address, named by the ExternalName Service
// `webhook` (the API server resolves ExternalName Services for admission webhooks).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { dump as yamlDump, load as yamlLoad, loadAll as yamlLoadAll } from 'js-yaml';
import { isAlreadyExists } from '../../src/kube/errors.js';
import { RestClient } from '../../src/kube/rest.js';
import { PodNetwork } from '../integration/prober/netns.js';
import {
  fetchCrdFiles,
  killPid,
  repoRoot,
  startControlPlane,
  startWatchdog,
  type ControlPlane,
} from './controlplane.js';
import { eventually } from './kube.js';
import { StandInKubelet } from './kubelet.js';

export const SERVING_NAMESPACE = 'knative-serving';
/** Registries of the images the scenarios use: Serving cannot ask any registry for digests here. */
const TEST_IMAGE_REGISTRIES = ['ghcr.io', 'registry.invalid'];
const WEBHOOK_PORT = 8443;
const KCM_CONTROLLERS = [
  'deployment-controller',
  'replicaset-controller',
  'endpoints-controller',
  'endpointslice-controller',
  'garbage-collector-controller',
];

export interface ServingCluster {
  controlPlane: ControlPlane;
  kubeconfigPath: string;
  rest: RestClient;
  kubelet: StandInKubelet;
  /** Directory with the Serving binaries, kube-controller-manager, kubectl and Serving's module files. */
  binDir: string;
  /** Runs kubectl (built from k8s.io/kubernetes) against this cluster; returns stdout. */
  kubectl(args: string[], stdin?: string): string;
  /** Stops Serving, kube-controller-manager, the kubelet and the control plane. Idempotent. */
  stop(): Promise<void>;
}

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [k: string]: unknown;
}

/** The binaries and install files (built or cached by build-serving.sh; the first build takes minutes). */
function servingBinDir(): string {
  const out = execFileSync('bash', [path.join(repoRoot(), 'test', 'harness', 'build-serving.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 30 * 60_000,
  });
  const dir = out.trim().split('\n').pop() ?? '';
  for (const f of ['controller', 'autoscaler', 'webhook', 'kube-controller-manager', 'kubectl', 'serving']) {
    if (!existsSync(path.join(dir, f))) throw new Error(`build-serving.sh: ${f} missing in ${JSON.stringify(dir)}`);
  }
  return dir;
}

function yamlDocs(file: string): Obj[] {
  return yamlLoadAll(readFileSync(file, 'utf8')).filter((d): d is Obj => !!d && typeof d === 'object' && 'kind' in d);
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => path.join(dir, f));
}

/** The CRD files: the pinned Istio ones, then Serving's, and the networking and caching ones Serving's go.mod selects. */
function crdFiles(bin: string): string[] {
  return [
    ...fetchCrdFiles(),
    ...yamlFiles(path.join(bin, 'serving', 'config', 'core', '300-resources')),
    ...['certificate', 'domain-claim', 'ingress', 'serverlessservice'].map((f) =>
      path.join(bin, 'networking', 'config', `${f}.yaml`),
    ),
    path.join(bin, 'caching', 'config', 'image.yaml'),
  ];
}

/** Serving's ConfigMaps with the keys a cluster without registries or queue-proxy needs. */
function configMaps(bin: string, overrides: Record<string, Record<string, string>>): Obj[] {
  const maps = [
    ...yamlFiles(path.join(bin, 'serving', 'config', 'core', 'configmaps')),
    path.join(bin, 'networking', 'config', 'config-network.yaml'),
  ].flatMap(yamlDocs);
  const set = (name: string, data: Record<string, string>) => {
    const cm = maps.find((m) => m.metadata.name === name);
    if (!cm) throw new Error(`Serving's config has no ConfigMap ${name}`);
    cm.data = { ...(cm.data as Record<string, string>), ...data };
  };
  set('config-deployment', {
    // Never pulled: the stand-in kubelet runs no containers. Empty is refused.
    'queue-sidecar-image': 'registry.invalid/knative/queue:v0.50.0',
    'registries-skipping-tag-resolving': ['kind.local', 'ko.local', 'dev.local', ...TEST_IMAGE_REGISTRIES].join(','),
  });
  set('config-domain', { 'example.com': '' });
  for (const [name, data] of Object.entries(overrides)) set(name, data);
  return maps;
}

/** Serving's webhook configurations, Secret and Services, pointed at the webhook's namespace. */
function webhookAndServices(bin: string, webhookIP: string): Obj[] {
  const core = path.join(bin, 'serving', 'config', 'core');
  const hooks = yamlFiles(path.join(core, 'webhooks')).flatMap(yamlDocs);
  for (const h of hooks) {
    for (const w of (h.webhooks ?? []) as Array<{ clientConfig: { service: { port?: number } } }>)
      w.clientConfig.service.port = WEBHOOK_PORT;
  }
  const services = yamlFiles(path.join(core, 'deployments'))
    .flatMap(yamlDocs)
    .filter((d) => d.kind === 'Service' && d.metadata.name !== 'webhook');
  const webhookService: Obj = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'webhook', namespace: SERVING_NAMESPACE },
    spec: { type: 'ExternalName', externalName: webhookIP, ports: [{ name: 'https-webhook', port: WEBHOOK_PORT }] },
  };
  return [...hooks, ...services, webhookService];
}

const PLURALS: Record<string, string> = {
  Namespace: 'namespaces',
  ConfigMap: 'configmaps',
  Service: 'services',
  Secret: 'secrets',
  MutatingWebhookConfiguration: 'mutatingwebhookconfigurations',
  ValidatingWebhookConfiguration: 'validatingwebhookconfigurations',
};

async function createAll(rest: RestClient, objs: Obj[]): Promise<void> {
  for (const o of objs) {
    const plural = PLURALS[o.kind];
    if (!plural) throw new Error(`serving harness: no path for kind ${o.kind}`);
    const root = o.apiVersion.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
    const ns = o.metadata.namespace && o.kind !== 'Namespace' ? `/namespaces/${o.metadata.namespace}` : '';
    try {
      await rest.request({ method: 'POST', path: `${root}${ns}/${plural}`, body: o });
    } catch (err) {
      if (!isAlreadyExists(err))
        throw new Error(`creating ${o.kind} ${o.metadata.name}: ${err instanceof Error ? err.message : String(err)}`, {
          cause: err,
        });
    }
  }
}

/** Forwards TCP connections from `host:0` to the API server on loopback (TLS passes through untouched). */
async function relay(host: string, target: URL): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () => {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

/** The admin kubeconfig, for a client in a namespace reaching the API server through `relayURL`. */
function relayedKubeconfig(adminPath: string, relayURL: string, file: string): string {
  const cfg = yamlLoad(readFileSync(adminPath, 'utf8')) as { clusters: Array<{ cluster: Record<string, string> }> };
  // The serving certificate names 127.0.0.1 and localhost, not the relay's address.
  for (const c of cfg.clusters) Object.assign(c.cluster, { server: relayURL, 'tls-server-name': 'localhost' });
  writeFileSync(file, yamlDump(cfg), { mode: 0o600 });
  return file;
}

interface Proc {
  name: string;
  child: ChildProcess;
  log: string;
  exit?: string;
}

function startProcess(name: string, cmd: string, args: string[], env: Record<string, string>, log: string): Proc {
  const fd = openSync(log, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
  closeSync(fd);
  const proc: Proc = { name, child, log };
  child.on('exit', (code, signal) => {
    proc.exit = signal ? `signal ${signal}` : `exit code ${code}`;
  });
  return proc;
}

function tailOf(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export interface ServingClusterOptions {
  log?: (msg: string) => void;
  /**
   * Keys to set in Serving's ConfigMaps before Serving starts, e.g. `{ 'config-features': { 'tag-header-based-routing':
   * 'Enabled' } }` (Serving does not re-reconcile Routes when config-features changes later).
   */
  config?: Record<string, Record<string, string>>;
}

/** Starts everything; on any failure stops what was started and throws with the failing component's log. */
export async function startServingCluster(opts: ServingClusterOptions = {}): Promise<ServingCluster> {
  const say = opts.log ?? (() => {});
  const t0 = Date.now();
  const bin = servingBinDir();
  const cp = await startControlPlane({ crdFiles: crdFiles(bin) });
  say(`control plane with Serving's CRDs at ${cp.server} (${Date.now() - t0} ms)`);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  const rest = new RestClient(kc);
  const kubelet = new StandInKubelet(rest);
  const procs: Proc[] = [];
  const networks: PodNetwork[] = [];
  const relays: Array<{ close(): void }> = [];
  const killAll = () => {
    for (const p of procs) if (!p.exit) p.child.kill('SIGKILL');
  };
  process.on('exit', killAll);
  let stopped = false;
  let watchdog: ChildProcess | undefined;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (watchdog?.pid)
      try {
        process.kill(watchdog.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    // Serving first (the webhook drains slowly: it gets 2 s), then what it depends on.
    await Promise.all(
      procs.filter((p) => p.name !== 'kube-controller-manager').map((p) => killPid(p.child.pid ?? 0, 2000)),
    );
    await kubelet.stop();
    await Promise.all(procs.map((p) => killPid(p.child.pid ?? 0, 5000)));
    process.off('exit', killAll);
    for (const r of relays) r.close();
    for (const n of networks) await n.close();
    rest.close();
    await cp.stop();
  };

  const kubectl = (args: string[], stdin?: string) =>
    execFileSync(path.join(bin, 'kubectl'), ['--kubeconfig', cp.kubeconfigPath, ...args], {
      encoding: 'utf8',
      input: stdin ?? '',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  const running = (what: string) => {
    for (const p of procs)
      if (p.exit) throw new Error(`${p.name} exited (${p.exit}) while waiting for ${what}:\n${tailOf(p.log)}`);
  };
  const waitFor = async <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> =>
    eventually(
      what,
      async () => {
        running(what);
        return fn();
      },
      timeoutMs,
      200,
    );

  try {
    procs.push(
      startProcess(
        'kube-controller-manager',
        path.join(bin, 'kube-controller-manager'),
        [
          `--kubeconfig=${cp.kubeconfigPath}`,
          `--controllers=${KCM_CONTROLLERS.join(',')}`,
          '--leader-elect=false',
          '--secure-port=0',
        ],
        {},
        path.join(cp.dir, 'kube-controller-manager.log'),
      ),
    );
    await kubelet.start();

    const core = path.join(bin, 'serving', 'config', 'core');
    const names = ['controller', 'autoscaler', 'webhook'] as const;
    const addr: Record<string, { network: PodNetwork; kubeconfig: string }> = {};
    for (const name of names) {
      const network = PodNetwork.create(1);
      networks.push(network);
      const r = await relay(network.hostAddress, new URL(cp.server));
      relays.push(r);
      addr[name] = {
        network,
        kubeconfig: relayedKubeconfig(
          cp.kubeconfigPath,
          `https://${network.hostAddress}:${r.port}`,
          path.join(cp.dir, `${name}.kubeconfig`),
        ),
      };
    }
    const webhookIP = addr.webhook!.network.addresses[0]!;
    await createAll(rest, [
      ...yamlDocs(path.join(core, '100-namespace.yaml')),
      ...configMaps(bin, opts.config ?? {}),
      ...webhookAndServices(bin, webhookIP),
    ]);

    for (const name of names) {
      const { network, kubeconfig } = addr[name]!;
      const env: Record<string, string> = {
        SYSTEM_NAMESPACE: SERVING_NAMESPACE,
        POD_NAME: `${name}-standin`,
        CONFIG_LOGGING_NAME: 'config-logging',
        CONFIG_OBSERVABILITY_NAME: 'config-observability',
        POD_IP: network.addresses[0]!,
        WEBHOOK_NAME: 'webhook',
        WEBHOOK_PORT: String(WEBHOOK_PORT),
      };
      procs.push(
        startProcess(
          name,
          'ip',
          ['netns', 'exec', network.netns, path.join(bin, name), `--kubeconfig=${kubeconfig}`],
          env,
          path.join(cp.dir, `${name}.log`),
        ),
      );
    }

    // If this process dies without stop(), nothing of Serving keeps running.
    watchdog = startWatchdog(
      procs.map((p) => p.child.pid ?? 0).filter((p) => p > 0),
      cp.dir,
    );

    // Admission works once the webhook has put its CA into the configurations and serves: a dry-run create
    // of a KService goes through both webhooks.
    await waitFor('the Serving webhook admitting a KService', async () => {
      await rest.request({
        method: 'POST',
        path: '/apis/serving.knative.dev/v1/namespaces/default/services',
        query: { dryRun: 'All' },
        body: {
          apiVersion: 'serving.knative.dev/v1',
          kind: 'Service',
          metadata: { name: 'probe' },
          spec: { template: { spec: { containers: [{ image: 'registry.invalid/probe' }] } } },
        },
      });
      return true;
    });
    // The controllers lead their buckets (config-leader-election): the Route and autoscaler reconcilers are running.
    await waitFor('Serving controller and autoscaler leading', async () => {
      const leases = await rest.request<{
        items: Array<{ metadata: { name: string }; spec?: { holderIdentity?: string } }>;
      }>({ method: 'GET', path: `/apis/coordination.k8s.io/v1/namespaces/${SERVING_NAMESPACE}/leases` });
      const held = leases.items.filter((l) => l.spec?.holderIdentity).map((l) => l.metadata.name);
      return held.some((n) => n.includes('route.reconciler')) && held.some((n) => n.startsWith('autoscaler-bucket'))
        ? true
        : undefined;
    });
    say(`Knative Serving ready (${Date.now() - t0} ms)`);
    return { controlPlane: cp, kubeconfigPath: cp.kubeconfigPath, rest, kubelet, binDir: bin, kubectl, stop };
  } catch (err) {
    const logs = procs.map((p) => `---- ${p.name} (${p.exit ?? 'running'}) ----\n${tailOf(p.log)}`).join('\n');
    await stop().catch(() => {});
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${logs}`, { cause: err });
  }
}

/**
 * The KIngresses Knative Serving wrote (one namespace, or all), as the API server returns them: real Serving
 * output for suites that want to feed it to something else (e.g. another data plane's control plane).
 */
export async function servingKIngresses(
  cluster: ServingCluster,
  namespace?: string,
): Promise<Array<Obj & { spec?: unknown; status?: unknown }>> {
  const ns = namespace ? `/namespaces/${namespace}` : '';
  const list = await cluster.rest.request<{ items: Array<Obj & { spec?: unknown; status?: unknown }> }>({
    method: 'GET',
    path: `/apis/networking.internal.knative.dev/v1alpha1${ns}/ingresses`,
  });
  return list.items;
}
