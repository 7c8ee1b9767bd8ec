// Upstream istiod (pilot-discovery, built by build-istiod.sh) against the test control plane, run as Higress
// runs its embedded Istio: Gateways of any namespace apply (PILOT_SCOPE_GATEWAY_TO_NAMESPACE=false) and a
// gateway only gets the clusters its routes name (PILOT_FILTER_GATEWAY_CLUSTER_CONFIG=true). No CA, no
// webhooks, no injection, no Gateway API, no ambient; every port on 127.0.0.1.
//
// One istiod per test file (or more, with other settings): its mesh config's discoverySelectors make it see only
// namespaces labelled with its own scope label, so parallel test files (and their Gateways selecting the same
// Higress pod labels) never meet. Label every namespace the test uses with `scopeNamespace()`.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { dump as yamlDump } from 'js-yaml';
import type { RestClient } from '../../src/kube/rest.js';
import { distinctFreePorts, killPid, repoRoot, startWatchdog } from './controlplane.js';
import { uniqueName } from './kube.js';
import type { GatewayXds } from './xds.js';

const run = promisify(execFile);

/** Prefix of the label (`<prefix>/<scope>: "true"`) that makes a namespace visible to one istiod instance. */
const SCOPE_LABEL_PREFIX = 'istiod.net-higress.test';

/** How Higress runs its Istio; tests may add to it (e.g. to show what the cluster filter changes). */
const HIGRESS_PILOT_ENV: Readonly<Record<string, string>> = {
  PILOT_SCOPE_GATEWAY_TO_NAMESPACE: 'false',
  PILOT_FILTER_GATEWAY_CLUSTER_CONFIG: 'true',
};

/** A Higress gateway pod as istiod sees it: the labels of the Higress chart and an address to find it by. */
export interface GatewayProxy {
  namespace: string;
  podName: string;
  /** Never dialled: istiod identifies the proxy's Pod (and so its Services) by this address. */
  ip: string;
  labels: Record<string, string>;
}

export interface AnalyzeMessage {
  code: string;
  level: string;
  message: string;
  origin: string;
}

export interface Istiod {
  /** This instance's name; namespaces labelled `istiod.net-higress.test/<scope>: "true"` are what it sees. */
  scope: string;
  xdsAddress: string;
  logFile: string;
  /** Label a namespace so this istiod sees it (merge patch; idempotent). */
  scopeNamespace(rest: RestClient, namespace: string): Promise<void>;
  /** What the gateway proxy receives right now over xDS (one ADS session: CDS, LDS, then the RDS they name). */
  receivedBy(proxy: GatewayProxy): Promise<GatewayXds>;
  /**
   * `istioctl analyze` of exactly these objects (offline: a shared test cluster holds other tests' gateway Pods with
   * the same labels, which some analyzers would pick instead), as JSON messages.
   */
  analyze(objects: readonly unknown[]): Promise<AnalyzeMessage[]>;
  stop(): Promise<void>;
}

export interface IstiodOptions {
  kubeconfig: string;
  /** Extra or overriding pilot environment (on top of HIGRESS_PILOT_ENV). */
  env?: Record<string, string>;
  clusterDomain?: string;
  startTimeoutMs?: number;
}

let binDir: string | undefined;

/** pilot-discovery, istioctl and xds-dump: cached, else built (cold: minutes; call from a beforeAll with a long timeout). */
export function istioBinaries(): string {
  if (binDir) return binDir;
  const script = path.join(repoRoot(), 'test', 'harness', 'build-istiod.sh');
  const out = spawnSyncText('bash', [script]);
  const dir = out.trim().split('\n').pop() ?? '';
  for (const b of ['pilot-discovery', 'istioctl', 'xds-dump']) {
    if (!existsSync(path.join(dir, b)))
      throw new Error(`istiod: build-istiod.sh did not print a directory with ${b} (got ${JSON.stringify(dir)})`);
  }
  binDir = dir;
  return dir;
}

function spawnSyncText(cmd: string, args: string[]): string {
  // Synchronous on purpose: it runs once per test file, from beforeAll.
  const res = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20 });
  if (res.status !== 0)
    throw new Error(
      `istiod: ${cmd} ${args.join(' ')} failed (${res.status ?? res.signal}):\n${String(res.stderr).slice(-4000)}`,
    );
  return String(res.stdout);
}

function meshConfig(scope: string, rootNamespace: string): string {
  return yamlDump({
    // Higress's mesh config has no ingress controller of Istio's own and no auto mTLS.
    ingressControllerMode: 'OFF',
    enableAutoMtls: false,
    rootNamespace,
    discoverySelectors: [{ matchLabels: { [`${SCOPE_LABEL_PREFIX}/${scope}`]: 'true' } }],
  });
}

/** Start pilot-discovery and wait until it reports ready (caches synced). */
export async function startIstiod(opts: IstiodOptions): Promise<Istiod> {
  const bin = istioBinaries();
  const scope = uniqueName('istiod');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'net-higress-istiod-'));
  const logFile = path.join(dir, 'pilot-discovery.log');
  const meshFile = path.join(dir, 'mesh.yaml');
  // Its own (unlabelled, so unseen) namespace: only leader-election Leases and ConfigMaps go there.
  const podNamespace = scope;
  await writeFile(meshFile, meshConfig(scope, podNamespace));
  await writeFile(path.join(dir, 'meshNetworks.yaml'), 'networks: {}\n');
  const [grpcPort, httpPort, monitoringPort] = await distinctFreePorts(3);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    POD_NAMESPACE: podNamespace,
    POD_NAME: 'istiod-test',
    ...HIGRESS_PILOT_ENV,
    ENABLE_CA_SERVER: 'false',
    VALIDATION_WEBHOOK_CONFIG_NAME: '',
    INJECTION_WEBHOOK_CONFIG_NAME: '',
    PILOT_ENABLE_GATEWAY_API: 'false',
    PILOT_ENABLE_ALPHA_GATEWAY_API: 'false',
    PILOT_ENABLE_GATEWAY_API_STATUS: 'false',
    PILOT_ENABLE_GATEWAY_API_DEPLOYMENT_CONTROLLER: 'false',
    PILOT_ENABLE_AMBIENT: 'false',
    PILOT_ENABLE_ANALYSIS: 'false',
    PILOT_ENABLE_STATUS: 'false',
    // Pushes right after a change (the default debounce waits 100 ms; tests poll anyway).
    PILOT_DEBOUNCE_AFTER: '10ms',
    ...(opts.env ?? {}),
  };
  const args = [
    'discovery',
    `--kubeconfig=${opts.kubeconfig}`,
    `--meshConfig=${meshFile}`,
    `--networksConfig=${path.join(dir, 'meshNetworks.yaml')}`,
    `--namespace=${podNamespace}`,
    `--domain=${opts.clusterDomain ?? 'cluster.local'}`,
    '--registries=Kubernetes',
    `--grpcAddr=127.0.0.1:${grpcPort}`,
    `--httpAddr=127.0.0.1:${httpPort}`,
    `--monitoringAddr=127.0.0.1:${monitoringPort}`,
    '--secureGRPCAddr=',
    '--httpsAddr=',
    '--log_output_level=default:info',
  ];
  const fd = openSync(logFile, 'a');
  const child: ChildProcess = spawn(path.join(bin, 'pilot-discovery'), args, { stdio: ['ignore', fd, fd], env });
  closeSync(fd);
  let exited = '';
  child.on('exit', (code, signal) => {
    exited = signal ? `signal ${signal}` : `exit code ${code}`;
  });
  const watchdog = startWatchdog(
    [child.pid ?? 0].filter((p) => p > 0),
    dir,
  );

  const stop = async () => {
    if (child.pid) await killPid(child.pid, 5_000);
    if (watchdog.pid) await killPid(watchdog.pid, 1_000);
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exited) {
      const log = tailOf(logFile);
      await stop();
      throw new Error(`istiod: pilot-discovery exited (${exited}) before it was ready\n${log}`);
    }
    if (await httpOk(`http://127.0.0.1:${httpPort}/ready`)) break;
    if (Date.now() > deadline) {
      const log = tailOf(logFile);
      await stop();
      throw new Error(`istiod: pilot-discovery not ready after ${opts.startTimeoutMs ?? 60_000} ms\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const xdsAddress = `127.0.0.1:${grpcPort}`;
  return {
    scope,
    xdsAddress,
    logFile,
    async scopeNamespace(rest, namespace) {
      await rest.request({
        method: 'PATCH',
        path: `/api/v1/namespaces/${namespace}`,
        contentType: 'application/merge-patch+json',
        body: { metadata: { labels: { [`${SCOPE_LABEL_PREFIX}/${scope}`]: 'true' } } },
      });
    },
    async receivedBy(proxy) {
      const id = `router~${proxy.ip}~${proxy.podName}.${proxy.namespace}~${proxy.namespace}.svc.${opts.clusterDomain ?? 'cluster.local'}`;
      const labels = Object.entries(proxy.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      const { stdout } = await run(
        path.join(bin, 'xds-dump'),
        [
          `--xds=${xdsAddress}`,
          `--id=${id}`,
          `--namespace=${proxy.namespace}`,
          `--pod=${proxy.podName}`,
          `--labels=${labels}`,
          `--ip=${proxy.ip}`,
        ],
        { maxBuffer: 512 << 20 },
      );
      return JSON.parse(stdout) as GatewayXds;
    },
    async analyze(objects) {
      const file = path.join(dir, `analyze-${Date.now()}.yaml`);
      await writeFile(file, objects.map((o) => yamlDump(o)).join('---\n'), { mode: 0o600 });
      // A non-zero exit just means "messages found"; the JSON on stdout is what matters.
      const res = await run(path.join(bin, 'istioctl'), ['analyze', '--use-kube=false', '-A', '-o', 'json', file], {
        maxBuffer: 64 << 20,
      })
        .finally(() => rm(file, { force: true }))
        .catch((err: { stdout?: string; stderr?: string; message: string }) => {
          if (err.stdout && err.stdout.trim().startsWith('[')) return { stdout: err.stdout, stderr: err.stderr ?? '' };
          throw new Error(`istioctl analyze failed: ${err.message}\n${err.stderr ?? ''}`);
        });
      return parseAnalyze(res.stdout);
    },
    stop,
  };
}

function parseAnalyze(stdout: string): AnalyzeMessage[] {
  const text = stdout.trim();
  if (text === '' || text.startsWith('✔')) return [];
  return JSON.parse(text) as AnalyzeMessage[];
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.setTimeout(2000, () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function tailOf(file: string, lines = 40): string {
  try {
    return `---- last ${lines} lines of ${file} ----\n${readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n')}`;
  } catch {
    return `(no log at ${file})`;
  }
}

/**
 * The Pod of a Higress gateway proxy, Running with the proxy's address: istiod finds the proxy's Pod by that
 * address, and from the Pod the gateway Services selecting it (which decides gateway port translation).
 * There is no kubelet: the status is written through /status as a kubelet would.
 */
export async function registerGatewayPod(rest: RestClient, proxy: GatewayProxy): Promise<void> {
  await rest.request({
    method: 'POST',
    path: `/api/v1/namespaces/${proxy.namespace}/pods`,
    body: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: proxy.podName, namespace: proxy.namespace, labels: proxy.labels },
      spec: {
        containers: [
          {
            name: 'higress-gateway',
            image: 'higress/gateway:2.2.1',
            ports: [{ containerPort: 80 }, { containerPort: 443 }, { containerPort: 8081 }],
          },
        ],
      },
    },
  });
  const now = new Date().toISOString();
  await rest.request({
    method: 'PATCH',
    path: `/api/v1/namespaces/${proxy.namespace}/pods/${proxy.podName}/status`,
    contentType: 'application/merge-patch+json',
    body: {
      status: {
        phase: 'Running',
        podIP: proxy.ip,
        podIPs: [{ ip: proxy.ip }],
        hostIP: proxy.ip,
        startTime: now,
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
      },
    },
  });
}
