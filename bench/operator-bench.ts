// `npm run bench:operator [-- --n 1000]`: the operator against a floor on one real control plane, in one run.
//
// The floor (test/harness/floor, Go + client-go) makes exactly the writes the operator makes for a new KIngress
// (finalizer patch, the objects `net-higress render` prints, their Created Events, the status), with the same
// number of workers and no rate limit: what any operator has to pay. The bench watches the KIngresses and
// VirtualServices during both the operator's and the floor's convergence. Phases, on the same Serving-shaped
// corpus (bench/corpus.ts):
//
//   idle      the operator with no KIngress: RSS, /readyz time
//   converge  N KIngresses exist, the operator starts: time until all are Ready, CPU, API requests, reconciles
//   updates   one KIngress at a time gets a new split: time until its VirtualService changed (p50/p99), conflicts
//   restart   the operator restarts on the converged cluster: writes (want 0), /readyz time, event-loop delay, RSS;
//             then --restarts more starts, each beside the floor's two reads of the same objects (below)
//   floor     a second copy of the corpus (other namespaces), converged by the floor client
//
// The floor of a restart is how long a fresh process needs to read every KIngress and labelled VirtualService:
// `floor --sync bytes` reads the two streaming lists without decoding them (what the API server alone takes),
// `floor --sync informers` fills client-go informer caches (what a Go controller takes). On two shared cores the
// API server's garbage collection moves a restart by up to a second from one start to the next, so /readyz and
// both floors are medians of several starts taken in turn (the order flips every round).
//
// API requests come from the API server's apiserver_request_total (deltas around each phase; watches are
// counted when they end, so they are not in the table). Figures are reported, not asserted.

import { specDigest } from '../src/kube/spec-digest.js';
import { recordWrittenSpec } from '../src/reconciler/written-spec.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { KIngress } from '../src/api/kingress.js';
import { loadKubeConfig } from '../src/kube/client.js';
import { isAlreadyExists, isNetworkError } from '../src/kube/errors.js';
import type { Informer } from '../src/kube/informer.js';
import { createInformer } from '../src/kube/listwatch.js';
import { KINGRESS, NAMESPACE, VIRTUAL_SERVICE, collectionPath, objectPath } from '../src/kube/resources.js';
import { RestClient } from '../src/kube/rest.js';
import type { KubeObject } from '../src/kube/types.js';
import { INGRESS_LABEL } from '../src/translate/constants.js';
import { repoRoot, startControlPlane, type ControlPlane } from '../test/harness/controlplane.js';
import { makeCorpus } from './corpus.js';

const SEED = 20240601;
const WORKERS = 4;
const SET_LABEL = 'bench.net-higress.io/set';
const CONVERGE_TIMEOUT_MS = 30 * 60_000;

interface Args {
  n: number;
  updates: number;
  restarts: number;
  json: string;
}

function parseArgs(argv: string[]): Args {
  const get = (flag: string): string | undefined => {
    const i = argv.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
    if (i < 0) return undefined;
    const a = argv[i] as string;
    return a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[i + 1];
  };
  const n = Number(get('--n') ?? 500);
  const updates = Number(get('--updates') ?? Math.min(100, n));
  const restarts = Number(get('--restarts') ?? 4);
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(updates) || updates < 0)
    throw new Error('usage: operator-bench [--n N] [--updates U] [--restarts R] [--json FILE]');
  if (!Number.isInteger(restarts) || restarts < 0) throw new Error(`--restarts: ${restarts} is not a whole number`);
  return { n, updates, restarts, json: get('--json') ?? path.join(repoRoot(), 'dist', 'bench', `operator-n${n}.json`) };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const log = (msg: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

// --- processes ------------------------------------------------------------------------------------------

const CLK_TCK = 100;

/** utime + stime of a live process, in ms. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** VmRSS: resident now; VmHWM: the peak since the process started. */
function rssMiB(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * Idle and after-restart RSS are sampled once the operator has been quiet this long: V8's memory reducer
 * shrinks the heap about 8 s after allocation stops (start-up's 64 MiB are 58 MiB from then on), and an
 * operator is idle for far longer than it starts. The peak (VmHWM) is reported beside it.
 */
const SETTLE_MS = 15_000;

/** RSS split into anonymous memory (heaps, malloc) and file-backed pages (the node binary, shared libraries). */
function rssParts(pid: number): { anonMiB: number; fileMiB: number } {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kB = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? NaN);
  return { anonMiB: kB('Anonymous') / 1024, fileMiB: (kB('Rss') - kB('Anonymous')) / 1024 };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
  });
}

interface Operator {
  child: ChildProcess;
  pid: number;
  startedAt: number;
  metricsUrl: string;
  healthUrl: string;
  logFile: string;
}

async function startOperator(cp: ControlPlane, dir: string, tag: string): Promise<Operator> {
  const [mp, hp] = [await freePort(), await freePort()];
  const logFile = path.join(dir, `operator-${tag}.log`);
  const out = (await import('node:fs')).openSync(logFile, 'a');
  // As the image runs it; e.g. BENCH_OPERATOR_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' adds a profile.
  const nodeArgs = [
    ...imageNodeFlags(),
    ...(process.env.BENCH_OPERATOR_NODE_ARGS ?? '').split(' ').filter((a) => a !== ''),
  ];
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      path.join(repoRoot(), 'bin', 'net-higress.js'),
      'run',
      '--kubeconfig',
      cp.kubeconfigPath,
      '--readiness',
      'written',
      '--leader-elect=false',
      `--workers=${WORKERS}`,
      `--metrics-address=127.0.0.1:${mp}`,
      `--health-address=127.0.0.1:${hp}`,
      '--log-level=warn',
    ],
    { stdio: ['ignore', out, out], env: { ...process.env, ...imageEnv() } },
  );
  const startedAt = performance.now();
  if (!child.pid) throw new Error('operator did not start');
  return {
    child,
    pid: child.pid,
    startedAt,
    metricsUrl: `http://127.0.0.1:${mp}/metrics`,
    healthUrl: `http://127.0.0.1:${hp}/readyz`,
    logFile,
  };
}

function dockerfile(): string {
  return readFileSync(path.join(repoRoot(), 'Dockerfile'), 'utf8');
}

/** The Node flags of the image's ENTRYPOINT, read from the Dockerfile so that the bench measures what ships. */
function imageNodeFlags(): string[] {
  const entrypoint = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(dockerfile())?.[1];
  if (!entrypoint) throw new Error('Dockerfile: no ENTRYPOINT ["node", ...] found');
  return (JSON.parse(entrypoint) as string[]).filter((a) => a.startsWith('--'));
}

/** The environment the image sets (`ENV K=V ...` lines of its last stage), for the same reason. */
function imageEnv(): Record<string, string> {
  const final =
    dockerfile()
      .split(/^FROM\s.*$/m)
      .at(-1) ?? '';
  const env: Record<string, string> = {};
  for (const [, line] of final.matchAll(/^ENV\s+(.*)$/gm))
    for (const [, k, v] of (line ?? '').matchAll(/(\w+)=(\S+)/g)) env[k as string] = v as string;
  return env;
}

/** ms from spawn until /readyz answers 200. */
async function readyAfter(op: Operator): Promise<number> {
  for (;;) {
    if (op.child.exitCode !== null) throw new Error(`operator exited (${op.child.exitCode}); see ${op.logFile}`);
    const res = await httpGet(op.healthUrl).catch(() => undefined);
    if (res?.status === 200) return performance.now() - op.startedAt;
    await sleep(20);
  }
}

async function stopOperator(op: Operator): Promise<void> {
  if (op.child.exitCode !== null) return;
  const exited = new Promise<void>((r) => op.child.once('exit', () => r()));
  op.child.kill('SIGTERM');
  await exited;
}

// --- Prometheus text --------------------------------------------------------------------------------------

type Samples = Map<string, number>;

function parseProm(text: string, metric: string): Samples {
  const out: Samples = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith(metric)) continue;
    const m = /^([a-z_:]+)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m && m[1] === metric) out.set(m[2] ?? '', Number(m[3]));
  }
  return out;
}

function label(labels: string, name: string): string {
  return new RegExp(`${name}="([^"]*)"`).exec(labels)?.[1] ?? '';
}

async function operatorMetric(op: Operator, metric: string): Promise<Samples> {
  return parseProm((await httpGet(op.metricsUrl)).body, metric);
}

/** V8 heap used and total and memory outside the heap (buffers), in MiB: where the RSS goes. */
async function heap(op: Operator): Promise<Record<string, number>> {
  const text = (await httpGet(op.metricsUrl)).body;
  const mib = (m: string) => sum(parseProm(text, m)) / 2 ** 20;
  return {
    heapUsedMiB: mib('nodejs_heap_size_used_bytes'),
    heapTotalMiB: mib('nodejs_heap_size_total_bytes'),
    externalMiB: mib('nodejs_external_memory_bytes'),
  };
}

const sum = (s: Samples, pred: (labels: string) => boolean = () => true) =>
  [...s].reduce((n, [l, v]) => n + (pred(l) ? v : 0), 0);

/** API requests by "VERB resource[/subresource] code", from the API server's own counter. */
async function apiRequests(cp: ControlPlane): Promise<Samples> {
  const pki = (f: string) => readFileSync(path.join(cp.dir, 'pki', f));
  const text = await new Promise<string>((resolve, reject) => {
    const req = https.get(
      `${cp.server}/metrics`,
      { ca: pki('serving-ca.crt'), cert: pki('admin.crt'), key: pki('admin.key'), agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          res.statusCode === 200 ? resolve(body) : reject(new Error(`API server /metrics: HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
  });
  const out: Samples = new Map();
  for (const [l, v] of parseProm(text, 'apiserver_request_total')) {
    const sub = label(l, 'subresource');
    const key = `${label(l, 'verb')} ${label(l, 'resource')}${sub ? `/${sub}` : ''} ${label(l, 'code')}`;
    out.set(key, (out.get(key) ?? 0) + v);
  }
  return out;
}

function delta(after: Samples, before: Samples): Samples {
  const out: Samples = new Map();
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0);
    if (d > 0) out.set(k, d);
  }
  return out;
}

/** The requests of our kinds only (the control plane's own housekeeping is left out). */
const OURS = new Set([
  'ingresses',
  'ingresses/status',
  'virtualservices',
  'gateways',
  'secrets',
  'events',
  'configmaps',
  'services',
]);
function ours(s: Samples): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of [...s].sort()) {
    const [verb, resource] = k.split(' ');
    if (verb === 'WATCH' || !OURS.has(resource ?? '')) continue;
    out[k] = v;
  }
  return out;
}
const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const countWhere = (r: Record<string, number>, pred: (verb: string, resource: string, code: string) => boolean) =>
  Object.entries(r).reduce((n, [k, v]) => {
    const [verb = '', resource = '', code = ''] = k.split(' ');
    return n + (pred(verb, resource, code) ? v : 0);
  }, 0);

// --- the cluster side ---------------------------------------------------------------------------------------

async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

/** A create that survives a keep-alive socket the API server closed under it (EPIPE, ECONNRESET). */
async function create(rest: RestClient, path: string, body: unknown): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await rest.request({ method: 'POST', path, body });
      return;
    } catch (err) {
      if (attempt > 1 && isAlreadyExists(err)) return;
      if (attempt >= 5 || !isNetworkError(err)) throw err;
      await sleep(100 * attempt);
    }
  }
}

async function createCorpus(rest: RestClient, ingresses: KIngress[]): Promise<void> {
  const namespaces = [...new Set(ingresses.map((i) => i.metadata.namespace ?? ''))];
  await pool(namespaces, 8, async (name) =>
    create(rest, collectionPath(NAMESPACE), { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }),
  );
  await pool(ingresses, 16, async (ing) => {
    const { uid: _u, generation: _g, ...metadata } = ing.metadata;
    await create(rest, collectionPath(KINGRESS, metadata.namespace), { ...ing, metadata });
  });
}

/**
 * The bench's own watches: the KIngresses of the corpus and the VirtualServices. They tell when the operator
 * converged and when an update reached its VirtualService; the floor's phase runs them too, so that both
 * phases share the API server with the same watchers.
 */
async function observe(
  rest: RestClient,
  into: Array<Informer<KubeObject>>,
): Promise<[Informer<KubeObject>, Informer<KubeObject>]> {
  const kingresses = createInformer<KubeObject>(rest, KINGRESS, { resyncMs: 0, labelSelector: SET_LABEL });
  const vss = createInformer<KubeObject>(rest, VIRTUAL_SERVICE, { resyncMs: 0, labelSelector: INGRESS_LABEL });
  into.push(kingresses, vss);
  kingresses.start();
  vss.start();
  await Promise.all([kingresses.waitForSync(60_000), vss.waitForSync(60_000)]);
  return [kingresses, vss];
}

/** The restart's starts, in this order in even rounds and reversed in odd ones. */
const START_ORDER = ['bytes', 'operator', 'informers'] as const;
/** Between two starts: the API server has finished with the last one's watches. */
const START_GAP_MS = 1000;

/** ms from spawning `floor --sync KIND` until it exits having read all N KIngresses and VirtualServices. */
async function floorSync(floorPath: string, cp: ControlPlane, kind: 'bytes' | 'informers', n: number): Promise<number> {
  const started = performance.now();
  const child = spawn(floorPath, ['--kubeconfig', cp.kubeconfigPath, '--sync', kind], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  const ms = performance.now() - started;
  const read = code === 0 ? (JSON.parse(out.trim().split('\n').pop() as string) as Record<string, number>) : {};
  if (read.kingresses !== n || read.virtualServices !== n)
    throw new Error(`floor --sync ${kind} (exit ${code}) read other than ${n} of each: ${out.slice(-2000)}`);
  return ms;
}

function isReady(ing: KIngress): boolean {
  return (
    ing.status?.observedGeneration === ing.metadata.generation &&
    (ing.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

/**
 * Resolves when every KIngress of the set is Ready at its generation. The Ready ones are counted as events
 * come (scanning the whole cache on each event made this process, not the operator, the bottleneck at 20,000).
 */
function allReady(informer: Informer<KubeObject>, set: string, n: number): Promise<number> {
  let remove = () => {};
  const converged = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not converged after ${CONVERGE_TIMEOUT_MS} ms`)),
      CONVERGE_TIMEOUT_MS,
    );
    const ready = new Set<string>();
    const seen = (obj: KubeObject) => {
      const ing = obj as KIngress;
      const key = `${ing.metadata.namespace}/${ing.metadata.name}`;
      if (ing.metadata.labels?.[SET_LABEL] === set && isReady(ing)) ready.add(key);
      else ready.delete(key);
      if (ready.size < n) return;
      clearTimeout(timer);
      resolve(performance.now());
    };
    // A synced informer replays an add for every cached object, so those already Ready are counted.
    remove = informer.addHandlers({ add: seen, update: (_old, obj) => seen(obj) });
  });
  return converged.finally(() => remove());
}

/** Waits until the operator has no work queued and reconciles stop moving. */
async function quiet(op: Operator, minReconciles = 0): Promise<void> {
  let last = -1;
  for (;;) {
    const text = (await httpGet(op.metricsUrl)).body;
    const depth = sum(parseProm(text, 'net_higress_workqueue_depth'));
    const reconciles = sum(parseProm(text, 'net_higress_reconcile_total'));
    if (depth === 0 && reconciles === last && reconciles >= minReconciles) return;
    last = reconciles;
    await sleep(1000);
  }
}

/** The middle sample, or the mean of the two middle ones, rounded. */
const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return Math.round(((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2);
};

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] as number);
};

// --- main ----------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const floorBin = spawnSync('bash', [path.join(repoRoot(), 'test', 'harness', 'build-floor.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (floorBin.status !== 0) throw new Error('building the floor client failed');
  const floorPath = floorBin.stdout.trim().split('\n').pop() as string;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'net-higress-bench-'));
  log(`control plane starting (work dir ${dir})`);
  let cp = await startControlPlane({ log });
  let rest = new RestClient(loadKubeConfig({ kubeconfig: cp.kubeconfigPath }));
  const result: Record<string, unknown> = {
    n: args.n,
    workers: WORKERS,
    updates: args.updates,
    node: process.version,
    cpus: os.cpus().length,
    loadavg: os.loadavg(),
  };
  let op: Operator | undefined;
  const informers: Array<Informer<KubeObject>> = [];
  try {
    const [kingresses, vss] = await observe(rest, informers);

    // idle
    op = await startOperator(cp, dir, 'idle');
    const idleReady = await readyAfter(op);
    await sleep(2000);
    const rssStartMiB = rssMiB(op.pid);
    await sleep(SETTLE_MS - 2000);
    result.idle = {
      readyzMs: Math.round(idleReady),
      rssStartMiB,
      rssMiB: rssMiB(op.pid),
      ...rssParts(op.pid),
      ...(await heap(op)),
    };
    log(`idle: ${JSON.stringify(result.idle)}`);
    await stopOperator(op);

    // converge
    const corpus = makeCorpus(args.n, SEED, { tls: false, labels: { [SET_LABEL]: 'operator' } }).ingresses;
    await createCorpus(rest, corpus);
    log(`${args.n} KIngresses created`);
    const before = await apiRequests(cp);
    op = await startOperator(cp, dir, 'converge');
    const converged = allReady(kingresses, 'operator', args.n);
    const readyz = await readyAfter(op);
    const doneAt = await converged;
    const cpuConverge = cpuMs(op.pid);
    const elapsed = doneAt - op.startedAt;
    await quiet(op, args.n);
    const reqs = ours(delta(await apiRequests(cp), before));
    const reconciles = sum(await operatorMetric(op, 'net_higress_reconcile_total'));
    const loop = await operatorMetric(op, 'net_higress_event_loop_delay_seconds');
    result.converge = {
      ms: Math.round(elapsed),
      readyzMs: Math.round(readyz),
      cpuMs: Math.round(cpuConverge),
      rssMiB: rssMiB(op.pid),
      peakRssMiB: rssMiB(op.pid, 'VmHWM'),
      reconcilesPerKIngress: reconciles / args.n,
      requests: reqs,
      requestsPerKIngress: countWhere(reqs, (v, r) => !(v === 'LIST' && r !== 'services')) / args.n,
      conflicts: countWhere(reqs, (_v, _r, code) => code === '409'),
      eventLoopP99Ms: 1000 * (loop.get('{quantile="0.99"}') ?? NaN),
      eventLoopMaxMs: 1000 * (loop.get('{quantile="1"}') ?? NaN),
    };
    log(`converge: ${JSON.stringify(result.converge)}`);

    // updates: a new split on one KIngress at a time, until its VirtualService shows it
    const latencies: number[] = [];
    const rssBeforeUpdates = rssMiB(op.pid);
    const beforeUpdates = await apiRequests(cp);
    const targets = corpus.slice(0, args.updates);
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i] as KIngress;
      const ns = t.metadata.namespace ?? '';
      const cur = kingresses.get(ns, t.metadata.name) as KIngress;
      const marker = `bench-update-${i}`;
      const spec = JSON.parse(JSON.stringify(cur.spec)) as KIngress['spec'];
      for (const rule of spec.rules ?? [])
        for (const p of rule.http?.paths ?? []) p.appendHeaders = { ...p.appendHeaders, 'Bench-Update': marker };
      const vsName = `${t.metadata.name}-ingress`;
      const seen = new Promise<number>((resolve) => {
        const check = () => {
          const vs = vss.get(ns, vsName);
          if (vs && JSON.stringify(vs).includes(marker)) {
            remove();
            resolve(performance.now());
          }
        };
        const remove = vss.addHandlers({ update: check, add: check });
      });
      const sent = performance.now();
      await rest.request({ method: 'PUT', path: objectPath(KINGRESS, ns, t.metadata.name), body: { ...cur, spec } });
      latencies.push((await seen) - sent);
    }
    await quiet(op);
    const updReqs = ours(delta(await apiRequests(cp), beforeUpdates));
    result.updates = {
      count: latencies.length,
      p50Ms: quantile(latencies, 0.5),
      p99Ms: quantile(latencies, 0.99),
      requests: updReqs,
      statusPuts: countWhere(updReqs, (v, r) => v === 'PUT' && r === 'ingresses/status'),
      conflicts: countWhere(updReqs, (_v, _r, code) => code === '409'),
      rssBeforeMiB: rssBeforeUpdates,
      rssAfterMiB: rssMiB(op.pid),
    };
    log(`updates: ${JSON.stringify(result.updates)}`);
    result.loaded = { rssMiB: rssMiB(op.pid), ...rssParts(op.pid), ...(await heap(op)) };

    // restart on the converged cluster
    await stopOperator(op);
    const beforeRestart = await apiRequests(cp);
    op = await startOperator(cp, dir, 'restart');
    const restartReady = await readyAfter(op);
    await quiet(op, args.n);
    const restartCpu = cpuMs(op.pid);
    await sleep(SETTLE_MS);
    const rr = ours(delta(await apiRequests(cp), beforeRestart));
    const rloop = await operatorMetric(op, 'net_higress_event_loop_delay_seconds');
    result.restart = {
      readyzMs: Math.round(restartReady),
      cpuMs: Math.round(restartCpu),
      rssMiB: rssMiB(op.pid),
      peakRssMiB: rssMiB(op.pid, 'VmHWM'),
      ...rssParts(op.pid),
      ...(await heap(op)),
      requests: rr,
      writes: countWhere(rr, (v) => WRITE_VERBS.has(v)),
      eventLoopP99Ms: 1000 * (rloop.get('{quantile="0.99"}') ?? NaN),
      eventLoopMaxMs: 1000 * (rloop.get('{quantile="1"}') ?? NaN),
    };
    log(`restart: ${JSON.stringify(result.restart)}`);
    const statusTemplate = (kingresses.list() as KIngress[]).find(
      (i) => i.metadata.labels?.[SET_LABEL] === 'operator' && isReady(i),
    )?.status;
    await stopOperator(op);
    op = undefined;
    const starts = { operator: [restartReady], bytes: [] as number[], informers: [] as number[] };
    for (let round = 0; round < args.restarts; round++) {
      for (const kind of round % 2 === 0 ? START_ORDER : [...START_ORDER].reverse()) {
        await sleep(START_GAP_MS);
        if (kind !== 'operator') {
          starts[kind].push(await floorSync(floorPath, cp, kind, args.n));
          continue;
        }
        op = await startOperator(cp, dir, `restart-${round}`);
        starts.operator.push(await readyAfter(op));
        await stopOperator(op);
        op = undefined;
      }
    }
    const startsMs = Object.fromEntries(Object.entries(starts).map(([k, xs]) => [k, xs.map(Math.round)]));
    log(`restart starts (ms): ${JSON.stringify(startsMs)}`);
    result.restart = {
      ...(result.restart as object),
      readyzMs: median(starts.operator),
      floorBytesMs: median(starts.bytes),
      floorInformersMs: median(starts.informers),
      startsMs,
    };

    // floor: the same corpus in other namespaces, the operator's writes precomputed with `net-higress render`
    const floorCorpus = makeCorpus(args.n, SEED, {
      tls: false,
      namespacePrefix: 'floor-team-',
      labels: { [SET_LABEL]: 'floor' },
    }).ingresses;
    const corpusFile = path.join(dir, 'floor-corpus.json');
    await writeFile(corpusFile, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: floorCorpus }));
    const rendered = spawnSync(
      process.execPath,
      [path.join(repoRoot(), 'bin', 'net-higress.js'), 'render', '-f', corpusFile, '-o', 'json'],
      { encoding: 'utf8', maxBuffer: 1 << 30 },
    );
    if (rendered.status !== 0) throw new Error(`render failed: ${rendered.stderr}`);
    const byIngress = new Map<string, unknown[]>();
    for (const obj of (JSON.parse(rendered.stdout) as { items: KubeObject[] }).items) {
      // As the operator writes it: a VirtualService carries the record of the spec it was created with.
      if (obj.kind === 'VirtualService') {
        const meta = obj.metadata as { annotations?: Record<string, string> };
        meta.annotations = recordWrittenSpec(meta.annotations, 1, specDigest((obj as { spec?: unknown }).spec));
      }
      const key = `${obj.metadata?.namespace}/${(obj.metadata as { labels?: Record<string, string> } | undefined)?.labels?.[INGRESS_LABEL]}`;
      byIngress.set(key, [...(byIngress.get(key) ?? []), obj]);
    }
    const writesFile = path.join(dir, 'floor-writes.jsonl');
    await writeFile(
      writesFile,
      floorCorpus
        .map((ing) =>
          JSON.stringify({
            namespace: ing.metadata.namespace,
            name: ing.metadata.name,
            objects: byIngress.get(`${ing.metadata.namespace}/${ing.metadata.name}`) ?? [],
            status: { ...statusTemplate, observedGeneration: 1 },
          }),
        )
        .join('\n'),
    );
    // On a fresh control plane, as the operator's run began: an API server already holding the operator's N
    // KIngresses, VirtualServices and Events would slow the floor down (at 20,000 it ran out of memory).
    for (const inf of informers.splice(0)) await inf.stop();
    rest.close();
    await cp.stop();
    log('control plane restarted empty for the floor');
    cp = await startControlPlane({ log });
    rest = new RestClient(loadKubeConfig({ kubeconfig: cp.kubeconfigPath }));
    await createCorpus(rest, floorCorpus);
    // Watched as the operator's phase is, so the API server streams the same events to the bench in both.
    await observe(rest, informers);
    const beforeFloor = await apiRequests(cp);
    const floorRun = spawnSync(
      floorPath,
      [
        '--kubeconfig',
        cp.kubeconfigPath,
        '--writes',
        writesFile,
        `--workers=${WORKERS}`,
        `--label-selector=${SET_LABEL}=floor`,
      ],
      { encoding: 'utf8', maxBuffer: 1 << 26 },
    );
    if (floorRun.status !== 0) throw new Error(`floor failed: ${floorRun.stderr.slice(-2000)}`);
    const floorOut = JSON.parse(floorRun.stdout.trim().split('\n').pop() as string) as {
      elapsedMs: number;
      cpuMs: number;
      maxRssKiB: number;
      requests: number;
    };
    const fr = ours(delta(await apiRequests(cp), beforeFloor));
    result.floor = {
      ms: floorOut.elapsedMs,
      cpuMs: floorOut.cpuMs,
      maxRssMiB: floorOut.maxRssKiB / 1024,
      requests: fr,
      requestsPerKIngress: countWhere(fr, (v, r) => !(v === 'LIST' && r !== 'services')) / args.n,
    };
    log(`floor: ${JSON.stringify(result.floor)}`);
  } finally {
    if (op) await stopOperator(op).catch(() => undefined);
    for (const inf of informers) await inf.stop();
    rest.close();
    await cp.stop();
  }
  report(result, args);
}

// The phases' figures read back for the table (each phase records only some of them).
type Fig = Record<
  | 'conflicts'
  | 'count'
  | 'cpuMs'
  | 'eventLoopMaxMs'
  | 'eventLoopP99Ms'
  | 'heapUsedMiB'
  | 'maxRssMiB'
  | 'ms'
  | 'p50Ms'
  | 'p99Ms'
  | 'readyzMs'
  | 'reconcilesPerKIngress'
  | 'requestsPerKIngress'
  | 'rssAfterMiB'
  | 'rssBeforeMiB'
  | 'rssMiB'
  | 'peakRssMiB'
  | 'rssStartMiB'
  | 'floorBytesMs'
  | 'floorInformersMs'
  | 'statusPuts'
  | 'writes',
  number
> & { requests: unknown };

function report(r: Record<string, unknown>, args: Args): void {
  const c = r.converge as Fig;
  const f = r.floor as Fig;
  const u = r.updates as Fig;
  const rs = r.restart as Fig;
  const idle = r.idle as Fig;
  const loaded = r.loaded as Fig;
  r.ratios = {
    convergence: c.ms / f.ms,
    cpu: c.cpuMs / f.cpuMs,
    requestsPerKIngress: c.requestsPerKIngress / f.requestsPerKIngress,
    restartReadyzToBytes: rs.readyzMs / rs.floorBytesMs,
  };
  const rows: Array<[string, string, string, string]> = [
    ['convergence (ms)', fmt(c.ms), fmt(f.ms), `${(c.ms / f.ms).toFixed(2)}x`],
    ['CPU during convergence (ms)', fmt(c.cpuMs), fmt(f.cpuMs), `${(c.cpuMs / f.cpuMs).toFixed(2)}x`],
    [
      'API requests per KIngress',
      c.requestsPerKIngress.toFixed(2),
      f.requestsPerKIngress.toFixed(2),
      `${(c.requestsPerKIngress / f.requestsPerKIngress).toFixed(2)}x`,
    ],
    ['reconciles per KIngress', c.reconcilesPerKIngress.toFixed(2), '1', ''],
    ['409 conflicts (converge)', fmt(c.conflicts), '0', ''],
    [
      'RSS idle / loaded / restarted (MiB)',
      `${idle.rssMiB.toFixed(0)} / ${loaded.rssMiB.toFixed(0)} / ${rs.rssMiB.toFixed(0)}`,
      `max ${f.maxRssMiB.toFixed(0)}`,
      '',
    ],
    ['RSS idle, 2 s after /readyz (MiB)', idle.rssStartMiB.toFixed(0), '', ''],
    ['RSS peak (MiB): converge / restart', `${c.peakRssMiB.toFixed(0)} / ${rs.peakRssMiB.toFixed(0)}`, '', ''],
    [`update -> VirtualService p50 / p99 (ms, ${u.count})`, `${u.p50Ms.toFixed(1)} / ${u.p99Ms.toFixed(1)}`, '', ''],
    ['status PUTs / 409s over the updates', `${u.statusPuts} / ${u.conflicts}`, '', ''],
    [
      'V8 heap used idle / loaded / restarted (MiB)',
      `${idle.heapUsedMiB.toFixed(0)} / ${loaded.heapUsedMiB.toFixed(0)} / ${rs.heapUsedMiB.toFixed(0)}`,
      '',
      '',
    ],
    ['RSS before / after updates (MiB)', `${u.rssBeforeMiB.toFixed(0)} / ${u.rssAfterMiB.toFixed(0)}`, '', ''],
    ['idle-restart writes', fmt(rs.writes), '', ''],
    ['/readyz after start (ms): idle / converge', `${idle.readyzMs} / ${c.readyzMs}`, '', ''],
    [
      `restart /readyz, median of ${args.restarts + 1} (ms) / lists read as bytes`,
      fmt(rs.readyzMs),
      fmt(rs.floorBytesMs),
      `${(rs.readyzMs / rs.floorBytesMs).toFixed(2)}x`,
    ],
    [
      '  ... / client-go informer caches synced',
      '',
      fmt(rs.floorInformersMs),
      `${(rs.readyzMs / rs.floorInformersMs).toFixed(2)}x`,
    ],
    [
      'event-loop delay p99 / max (ms): converge',
      `${c.eventLoopP99Ms.toFixed(1)} / ${c.eventLoopMaxMs.toFixed(1)}`,
      '',
      '',
    ],
    [
      'event-loop delay p99 / max (ms): restart',
      `${rs.eventLoopP99Ms.toFixed(1)} / ${rs.eventLoopMaxMs.toFixed(1)}`,
      '',
      '',
    ],
  ];
  const w = Math.max(...rows.map((x) => x[0].length));
  console.log(
    `\nn=${args.n}, ${WORKERS} workers, node ${process.version}, ${os.cpus().length} CPUs, load ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  console.log(`${''.padEnd(w)}  ${'operator'.padStart(18)}  ${'floor'.padStart(10)}  ratio`);
  for (const [name, o, fl, ratio] of rows)
    console.log(`${name.padEnd(w)}  ${o.padStart(18)}  ${fl.padStart(10)}  ${ratio}`);
  console.log('\nAPI requests (converge), operator:', JSON.stringify(c.requests));
  console.log('API requests (converge), floor:   ', JSON.stringify(f.requests));
  mkdirSync(path.dirname(args.json), { recursive: true });
  writeFileSync(args.json, `${JSON.stringify(r, null, 2)}\n`);
  console.log(`\nwritten: ${args.json}`);
}

const fmt = (n: number) => String(Math.round(n));

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
