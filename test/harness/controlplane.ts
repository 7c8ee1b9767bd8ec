// A real test control plane: etcd + kube-apiserver (built from the published Go modules by
// build-binaries.sh), started the way controller-runtime's envtest does it, with the pinned upstream
// CRDs (crds/pins.json via fetch-crds.sh) installed. Only 127.0.0.1 is used.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dump as yamlDump, loadAll as yamlLoadAll } from 'js-yaml';

export interface ControlPlaneOptions {
  /** Directory holding `kube-apiserver` and `etcd`. Default: KUBEBUILDER_ASSETS, else build-binaries.sh. */
  assetsDir?: string;
  /** Working directory (certs, etcd data, logs, kubeconfig). Default: a new temp dir. Removed by stop(). */
  dir?: string;
  /** Install the pinned upstream CRDs (default true). */
  installCrds?: boolean;
  /** CRD files to install instead of the output of fetch-crds.sh. */
  crdFiles?: string[];
  /**
   * Detached: processes survive this Node process (for `npm run cluster:up`); no watchdog, no exit hook.
   * Default false: processes are killed when this process exits or dies.
   */
  detached?: boolean;
  /** Timeout for each start phase (etcd health, apiserver ready, CRDs in discovery). Default 60 s. */
  startTimeoutMs?: number;
  /** Progress messages (default: silent). */
  log?: (msg: string) => void;
  /**
   * Turn on the API server's audit log (JSON lines, written synchronously, to `audit.log` in `dir`),
   * with this audit policy (`audit.k8s.io/v1` Policy as an object). Default: no audit log.
   */
  auditPolicy?: Record<string, unknown>;
  /** More kube-apiserver flags, e.g. `--feature-gates=WatchList=false` for an API server without streaming lists. */
  apiServerArgs?: string[];
}

/**
 * An audit policy that records who read or wrote which Secret (metadata only, never the data).
 * @public global-setup.ts reads it from a transpiled copy of this file, which knip cannot follow.
 */
export const SECRET_AUDIT_POLICY: Record<string, unknown> = {
  apiVersion: 'audit.k8s.io/v1',
  kind: 'Policy',
  omitStages: ['RequestReceived'],
  rules: [{ level: 'Metadata', resources: [{ group: '', resources: ['secrets'] }] }, { level: 'None' }],
};

export interface ControlPlane {
  /** Admin kubeconfig (client certificate CN=admin, O=system:masters; CA data for the serving cert). */
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** The working directory (etcd data, certs, logs `etcd.log` / `kube-apiserver.log`, kubeconfig). */
  dir: string;
  etcdPid: number;
  apiserverPid: number;
  /** The API server's audit log (JSON lines), when started with `auditPolicy`. */
  auditLogPath?: string;
  /** Kill both processes (apiserver first) and remove `dir`. Idempotent. */
  stop(): Promise<void>;
  /** Fault injection: kill one component (SIGKILL unless told otherwise) and wait until it is gone. */
  kill(component: ControlPlaneComponent, signal?: NodeJS.Signals): Promise<void>;
  /** Start a killed component again (same flags, data and port); resolves once it serves again. */
  restart(component: ControlPlaneComponent): Promise<void>;
}

export type ControlPlaneComponent = 'etcd' | 'kube-apiserver';

const CONTEXT = 'net-higress-test';

/** Cache directory shared with build-binaries.sh. */
export function cacheDir(): string {
  return process.env.NET_HIGRESS_CACHE || path.join(os.homedir(), '.cache', 'net-higress');
}

/** The repository root (works from test/harness/*.ts and from dist/test/harness/*.js). */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'test', 'harness', 'build-binaries.sh'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error('controlplane: cannot find the repository root (test/harness/build-binaries.sh)');
    dir = parent;
  }
}

function runScript(script: string, args: string[] = []): string {
  const res = spawnSync('bash', [path.join(repoRoot(), 'test', 'harness', script), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 16 * 1024 * 1024,
  });
  if (res.error) throw new Error(`controlplane: cannot run ${script}: ${res.error.message}`);
  if (res.status !== 0) {
    throw new Error(
      `controlplane: ${script} failed (exit ${res.status ?? res.signal}):\n${tail(res.stderr ?? '', 40)}`,
    );
  }
  return res.stdout;
}

/** Directory with kube-apiserver and etcd: KUBEBUILDER_ASSETS or build-binaries.sh (cached → fast). */
function resolveAssetsDir(): string {
  const out = runScript('build-binaries.sh').trim().split('\n');
  const dir = out[out.length - 1]?.trim();
  if (!dir || !existsSync(path.join(dir, 'kube-apiserver')) || !existsSync(path.join(dir, 'etcd'))) {
    throw new Error(
      `controlplane: build-binaries.sh did not print a directory with kube-apiserver and etcd (got ${JSON.stringify(dir)})`,
    );
  }
  return dir;
}

/** Absolute paths of the pinned upstream CRD files (sha256-verified by fetch-crds.sh). */
export function fetchCrdFiles(): string[] {
  return runScript('fetch-crds.sh')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

function tail(text: string, lines: number): string {
  return text
    .split('\n')
    .slice(-lines - 1)
    .join('\n');
}

function tailFile(file: string, lines = 30): string {
  try {
    return `---- last ${lines} lines of ${file} ----\n${tail(readFileSync(file, 'utf8'), lines)}`;
  } catch {
    return `(no log at ${file})`;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') return reject(new Error('no port'));
      srv.close(() => resolve(addr.port));
    });
  });
}

export async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function openssl(args: string[], cwd: string): void {
  const res = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (res.error)
    throw new Error(`controlplane: openssl not runnable (${res.error.message}); install it (apt-get install openssl)`);
  if (res.status !== 0) throw new Error(`controlplane: openssl ${args.join(' ')} failed:\n${res.stderr}`);
}

interface Certs {
  servingCa: string;
  servingCert: string;
  servingKey: string;
  clientCa: string;
  adminCert: string;
  adminKey: string;
  saPub: string;
  saKey: string;
}

/** Like envtest's tinyca: a serving CA, a client CA + admin cert, and a service-account key pair. */
async function makeCerts(pki: string): Promise<Certs> {
  await mkdir(pki, { recursive: true });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const caExt = [
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ];
  openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'serving-ca.key',
      '-out',
      'serving-ca.crt',
      '-days',
      '7',
      '-subj',
      '/CN=net-higress-test-serving-ca',
      ...caExt,
    ],
    pki,
  );
  openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'client-ca.key',
      '-out',
      'client-ca.crt',
      '-days',
      '7',
      '-subj',
      '/CN=net-higress-test-client-ca',
      ...caExt,
    ],
    pki,
  );
  await writeFile(
    path.join(pki, 'serving.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' +
      'subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\n',
  );
  await writeFile(
    path.join(pki, 'client.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
  );
  openssl(['req', ...ec, '-keyout', 'apiserver.key', '-out', 'apiserver.csr', '-subj', '/CN=kube-apiserver'], pki);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'apiserver.csr',
      '-CA',
      'serving-ca.crt',
      '-CAkey',
      'serving-ca.key',
      '-CAcreateserial',
      '-days',
      '7',
      '-extfile',
      'serving.ext',
      '-out',
      'apiserver.crt',
    ],
    pki,
  );
  openssl(['req', ...ec, '-keyout', 'admin.key', '-out', 'admin.csr', '-subj', '/O=system:masters/CN=admin'], pki);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'admin.csr',
      '-CA',
      'client-ca.crt',
      '-CAkey',
      'client-ca.key',
      '-CAcreateserial',
      '-days',
      '7',
      '-extfile',
      'client.ext',
      '-out',
      'admin.crt',
    ],
    pki,
  );
  const sa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(path.join(pki, 'sa.key'), sa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  await writeFile(path.join(pki, 'sa.pub'), sa.publicKey.export({ type: 'spki', format: 'pem' }));
  const p = (f: string) => path.join(pki, f);
  return {
    servingCa: p('serving-ca.crt'),
    servingCert: p('apiserver.crt'),
    servingKey: p('apiserver.key'),
    clientCa: p('client-ca.crt'),
    adminCert: p('admin.crt'),
    adminKey: p('admin.key'),
    saPub: p('sa.pub'),
    saKey: p('sa.key'),
  };
}

interface HttpResult {
  status: number;
  body: string;
}

/** A tiny HTTPS client for the admin identity (no client-node: this runs before tests load it). */
class AdminClient {
  private readonly agent: https.Agent;
  constructor(
    readonly server: string,
    ca: string,
    cert: string,
    key: string,
  ) {
    this.agent = new https.Agent({ ca, cert, key, keepAlive: true, maxSockets: 8 });
  }
  request(method: string, urlPath: string, body?: unknown, timeoutMs = 10_000): Promise<HttpResult> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = https.request(
        new URL(urlPath, this.server),
        {
          method,
          agent: this.agent,
          timeout: timeoutMs,
          headers: {
            accept: 'application/json',
            ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${method} ${urlPath}`)));
      req.on('error', reject);
      if (data) req.write(data);
      req.end();
    });
  }
  close(): void {
    this.agent.destroy();
  }
}

interface Proc {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: boolean;
  exitInfo: string;
}

function startProc(name: string, bin: string, args: string[], logFile: string, detached: boolean): Proc {
  const fd = openSync(logFile, 'a');
  const child = spawn(bin, args, { stdio: ['ignore', fd, fd], detached });
  closeSync(fd);
  const proc: Proc = { name, child, logFile, exited: false, exitInfo: '' };
  child.on('exit', (code, signal) => {
    proc.exited = true;
    proc.exitInfo = signal ? `signal ${signal}` : `exit code ${code}`;
  });
  child.on('error', (err) => {
    proc.exited = true;
    proc.exitInfo = `spawn error: ${err.message}`;
  });
  if (detached) child.unref();
  return proc;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, wait up to graceMs, then SIGKILL. Works for our children and for pids from state.json. */
export async function killPid(pid: number, graceMs = 10_000): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    await sleep(50);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
  for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(20);
}

/** A detached shell that kills the children if this Node process dies without calling stop(). */
export function startWatchdog(pids: number[], dir: string): ChildProcess {
  const script =
    'parent=$1; dir=$2; shift 2; ' +
    'while kill -0 "$parent" 2>/dev/null; do sleep 1; done; ' +
    'for p in "$@"; do kill -TERM "$p" 2>/dev/null; done; sleep 5; ' +
    'for p in "$@"; do kill -KILL "$p" 2>/dev/null; done; rm -rf "$dir"';
  const wd = spawn('sh', ['-c', script, 'net-higress-watchdog', String(process.pid), dir, ...pids.map(String)], {
    detached: true,
    stdio: 'ignore',
  });
  wd.unref();
  return wd;
}

async function waitFor(what: string, timeoutMs: number, procs: Proc[], check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr = '';
  for (;;) {
    for (const p of procs) {
      if (p.exited)
        throw new Error(
          `controlplane: ${p.name} exited (${p.exitInfo}) while waiting for ${what}\n${tailFile(p.logFile)}`,
        );
    }
    try {
      if (await check()) return;
    } catch (e) {
      lastErr = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `controlplane: timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${lastErr})` : ''}\n` +
          procs.map((p) => tailFile(p.logFile)).join('\n'),
      );
    }
    await sleep(100);
  }
}

interface Crd {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; resourceVersion?: string };
  spec?: { group?: string; names?: { plural?: string }; versions?: { name?: string; served?: boolean }[] };
}

async function loadCrds(files: string[]): Promise<Crd[]> {
  const crds: Crd[] = [];
  for (const f of files) {
    const docs = yamlLoadAll(await readFile(f, 'utf8'));
    for (const d of docs) {
      if (d && typeof d === 'object' && (d as Crd).kind === 'CustomResourceDefinition') crds.push(d);
    }
  }
  return crds;
}

async function installCrds(client: AdminClient, crds: Crd[]): Promise<void> {
  const base = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
  for (const crd of crds) {
    const name = crd.metadata?.name ?? '?';
    let res = await client.request('POST', base, crd);
    if (res.status === 409) {
      const cur = await client.request('GET', `${base}/${name}`);
      const rv = (JSON.parse(cur.body) as Crd).metadata?.resourceVersion;
      res = await client.request('PUT', `${base}/${name}`, {
        ...crd,
        metadata: { ...crd.metadata, resourceVersion: rv },
      });
    }
    if (res.status < 200 || res.status >= 300) {
      throw new Error(`controlplane: installing CRD ${name} failed: HTTP ${res.status}: ${res.body.slice(0, 2000)}`);
    }
  }
}

/** Plurals (per group/version) that discovery must serve before the CRDs count as installed. */
function expectedDiscovery(crds: Crd[]): Map<string, Set<string>> {
  const want = new Map<string, Set<string>>();
  for (const crd of crds) {
    const group = crd.spec?.group;
    const plural = crd.spec?.names?.plural;
    if (!group || !plural) continue;
    for (const v of crd.spec?.versions ?? []) {
      if (!v.served || !v.name) continue;
      const gv = `${group}/${v.name}`;
      if (!want.has(gv)) want.set(gv, new Set());
      want.get(gv)?.add(plural);
    }
  }
  return want;
}

function kubeconfigYaml(server: string, caPem: string, certPem: string, keyPem: string): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return yamlDump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CONTEXT, cluster: { server, 'certificate-authority-data': b64(caPem) } }],
    users: [{ name: 'admin', user: { 'client-certificate-data': b64(certPem), 'client-key-data': b64(keyPem) } }],
    contexts: [{ name: CONTEXT, context: { cluster: CONTEXT, user: 'admin', namespace: 'default' } }],
    'current-context': CONTEXT,
  });
}

/**
 * Start etcd + kube-apiserver, install the CRDs, and wait until everything is served.
 * Ports are probed then released (like envtest's addr.Suggest); if another process grabs one in between,
 * the start is retried with new ports (up to 3 attempts).
 */
export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (attempt >= 3 || !/address already in use/i.test(msg)) throw e;
      (opts.log ?? (() => {}))(`port clash, retrying with new ports (attempt ${attempt + 1}/3)`);
    }
  }
}

async function startOnce(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const log = opts.log ?? (() => {});
  const timeout = opts.startTimeoutMs ?? Number(process.env.NET_HIGRESS_CONTROLPLANE_START_TIMEOUT_MS || 60_000);
  const detached = opts.detached ?? false;
  const t0 = Date.now();

  const assets = opts.assetsDir ?? resolveAssetsDir();
  const etcdBin = path.join(assets, 'etcd');
  const kasBin = path.join(assets, 'kube-apiserver');
  for (const b of [etcdBin, kasBin]) if (!existsSync(b)) throw new Error(`controlplane: missing binary ${b}`);
  const crdFiles = opts.installCrds === false ? [] : (opts.crdFiles ?? fetchCrdFiles());
  const crds = await loadCrds(crdFiles);

  const dir = opts.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'net-higress-cp-')));
  await mkdir(dir, { recursive: true });
  const certs = await makeCerts(path.join(dir, 'pki'));

  const procs: Proc[] = [];
  let watchdog: ChildProcess | undefined;
  let client: AdminClient | undefined;
  let stopped = false;
  const killAllSync = () => {
    for (const p of procs)
      if (!p.exited && p.child.pid)
        try {
          process.kill(p.child.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
  };
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killAllSync);
    client?.close();
    for (const p of [...procs].reverse()) if (p.child.pid) await killPid(p.child.pid);
    if (watchdog?.pid)
      try {
        process.kill(watchdog.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    if (!process.env.NET_HIGRESS_KEEP_CONTROLPLANE_DIR) await rm(dir, { recursive: true, force: true });
  };
  if (!detached) process.on('exit', killAllSync);

  try {
    const [etcdClientPort, etcdPeerPort, securePort] = (await distinctFreePorts(3)) as [number, number, number];
    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    const server = `https://127.0.0.1:${securePort}`;

    const etcd = startProc(
      'etcd',
      etcdBin,
      [
        '--name=default',
        `--data-dir=${path.join(dir, 'etcd-data')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ],
      path.join(dir, 'etcd.log'),
      detached,
    );
    procs.push(etcd);
    await waitFor(`etcd ${etcdUrl}/health`, timeout, [etcd], async () => {
      return new Promise<boolean>((resolve, reject) => {
        const req = http.get(`${etcdUrl}/health`, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        });
        req.setTimeout(2000, () => req.destroy(new Error('timeout')));
        req.on('error', reject);
      });
    });
    log(`etcd up at ${etcdUrl} (${Date.now() - t0} ms)`);

    const auditLogPath = opts.auditPolicy ? path.join(dir, 'audit.log') : undefined;
    const auditArgs: string[] = [];
    if (opts.auditPolicy && auditLogPath) {
      const policyFile = path.join(dir, 'audit-policy.yaml');
      await writeFile(policyFile, yamlDump(opts.auditPolicy));
      // blocking: an event is written before the request is answered, so a test that saw the answer sees the event.
      auditArgs.push(
        `--audit-policy-file=${policyFile}`,
        `--audit-log-path=${auditLogPath}`,
        '--audit-log-format=json',
        '--audit-log-mode=blocking',
      );
    }
    const kas = startProc(
      'kube-apiserver',
      kasBin,
      [
        ...auditArgs,
        `--etcd-servers=${etcdUrl}`,
        `--cert-dir=${path.join(dir, 'apiserver-certs')}`,
        `--tls-cert-file=${certs.servingCert}`,
        `--tls-private-key-file=${certs.servingKey}`,
        `--secure-port=${securePort}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        // No Endpoints for the 'kubernetes' Service: loopback addresses are not allowed in Endpoints.
        '--endpoint-reconciler-type=none',
        '--service-cluster-ip-range=10.0.0.0/24',
        '--allow-privileged=true',
        '--disable-admission-plugins=ServiceAccount',
        '--authorization-mode=RBAC',
        `--service-account-issuer=${server}/`,
        `--service-account-key-file=${certs.saPub}`,
        `--service-account-signing-key-file=${certs.saKey}`,
        `--client-ca-file=${certs.clientCa}`,
        '--profiling=false',
        '--v=1',
        ...(opts.apiServerArgs ?? []),
      ],
      path.join(dir, 'kube-apiserver.log'),
      detached,
    );
    procs.push(kas);
    if (!detached)
      watchdog = startWatchdog(
        procs.map((p) => p.child.pid ?? 0).filter((p) => p > 0),
        dir,
      );

    const [caPem, certPem, keyPem] = await Promise.all(
      [certs.servingCa, certs.adminCert, certs.adminKey].map((f) => readFile(f, 'utf8')),
    );
    client = new AdminClient(server, caPem as string, certPem as string, keyPem as string);
    const c = client;
    await waitFor(
      `kube-apiserver ${server}/readyz`,
      timeout,
      procs,
      async () => (await c.request('GET', '/readyz', undefined, 3000)).status === 200,
    );
    log(`kube-apiserver ready at ${server} (${Date.now() - t0} ms)`);

    await waitFor(
      'namespace default',
      timeout,
      procs,
      async () => (await c.request('GET', '/api/v1/namespaces/default')).status === 200,
    );

    if (crds.length > 0) {
      await installCrds(c, crds);
      const want = expectedDiscovery(crds);
      for (const [gv, plurals] of want) {
        await waitFor(`discovery of ${gv} (${[...plurals].join(', ')})`, timeout, procs, async () => {
          const res = await c.request('GET', `/apis/${gv}`);
          if (res.status !== 200) return false;
          const served = new Set(
            ((JSON.parse(res.body) as { resources?: { name?: string }[] }).resources ?? []).map((r) => r.name),
          );
          return [...plurals].every((p) => served.has(p));
        });
      }
      log(`${crds.length} CRDs installed and discoverable (${Date.now() - t0} ms)`);
    }

    client.close();
    const kubeconfigPath = path.join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, kubeconfigYaml(server, caPem as string, certPem as string, keyPem as string), {
      mode: 0o600,
    });

    const procOf = (component: ControlPlaneComponent): Proc => {
      const found = procs.find((p) => p.name === component);
      if (!found) throw new Error(`controlplane: no ${component}`);
      return found;
    };
    const kill = async (component: ControlPlaneComponent, signal: NodeJS.Signals = 'SIGKILL') => {
      const proc = procOf(component);
      const pid = proc.child.pid;
      if (!pid || proc.exited) return;
      try {
        process.kill(pid, signal);
      } catch {
        /* gone */
      }
      await waitFor(`${component} to exit`, timeout, [], async () => proc.exited || !isAlive(pid));
    };
    const restart = async (component: ControlPlaneComponent) => {
      const old = procOf(component);
      if (!old.exited) throw new Error(`controlplane: ${component} is still running; kill it first`);
      const [bin, ...args] = old.child.spawnargs;
      const proc = startProc(component, bin ?? '', args, old.logFile, detached);
      procs[procs.indexOf(old)] = proc;
      if (!detached && proc.child.pid) startWatchdog([proc.child.pid], dir);
      if (component === 'etcd') {
        await waitFor(
          `etcd ${etcdUrl}/health after restart`,
          timeout,
          [proc],
          async () =>
            new Promise<boolean>((resolve, reject) => {
              const req = http.get(`${etcdUrl}/health`, (res) => {
                res.resume();
                resolve(res.statusCode === 200);
              });
              req.setTimeout(2000, () => req.destroy(new Error('timeout')));
              req.on('error', reject);
            }),
        );
        return;
      }
      const again = new AdminClient(server, caPem as string, certPem as string, keyPem as string);
      try {
        await waitFor(
          `kube-apiserver ${server}/readyz after restart`,
          timeout,
          [proc],
          async () => (await again.request('GET', '/readyz', undefined, 3000)).status === 200,
        );
      } finally {
        again.close();
      }
    };

    return {
      kubeconfigPath,
      server,
      dir,
      etcdPid: etcd.child.pid ?? 0,
      apiserverPid: kas.child.pid ?? 0,
      ...(auditLogPath ? { auditLogPath } : {}),
      stop,
      kill,
      restart,
    };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}
