// `npm run cluster:down`: stop the control plane started by `npm run cluster:up` and remove its dir.
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, killPid } from './controlplane.js';

export interface ClusterState {
  dir: string;
  kubeconfigPath: string;
  server: string;
  etcdPid: number;
  apiserverPid: number;
  startedAt: string;
}

export function clusterStatePath(): string {
  return path.join(cacheDir(), 'cluster', 'state.json');
}

/** True if `pid` is alive and runs `binary` (guards against pid reuse). */
function pidRuns(pid: number, binary: string): boolean {
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return path.basename(argv0) === binary;
  } catch {
    return false;
  }
}

export function isClusterAlive(s: ClusterState): boolean {
  return pidRuns(s.apiserverPid, 'kube-apiserver') && pidRuns(s.etcdPid, 'etcd');
}

async function main(): Promise<void> {
  const statePath = clusterStatePath();
  if (!existsSync(statePath)) {
    process.stderr.write(`no cluster state at ${statePath}: nothing to stop\n`);
    return;
  }
  const s = JSON.parse(readFileSync(statePath, 'utf8')) as ClusterState;
  if (pidRuns(s.apiserverPid, 'kube-apiserver')) await killPid(s.apiserverPid);
  if (pidRuns(s.etcdPid, 'etcd')) await killPid(s.etcdPid);
  // Only remove dirs that cluster:up created (under the cache's cluster/ dir).
  if (s.dir && path.resolve(s.dir).startsWith(path.join(cacheDir(), 'cluster') + path.sep)) {
    await rm(s.dir, { recursive: true, force: true });
  }
  await rm(statePath, { force: true });
  process.stderr.write(`stopped control plane ${s.server} (pids ${s.apiserverPid}, ${s.etcdPid})\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    process.stderr.write(`cluster:down failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
