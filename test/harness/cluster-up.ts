// `npm run cluster:up`: start a detached test control plane (etcd + kube-apiserver + upstream CRDs)
// that outlives this command. State: ${NET_HIGRESS_CACHE:-~/.cache/net-higress}/cluster/state.json.
// Prints `export KUBECONFIG=...` as the last stdout line. Stop it with `npm run cluster:down`.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cacheDir, startControlPlane } from './controlplane.js';
import { clusterStatePath, isClusterAlive, type ClusterState } from './cluster-down.js';

async function main(): Promise<void> {
  const statePath = clusterStatePath();
  if (existsSync(statePath)) {
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as ClusterState;
    if (isClusterAlive(state)) {
      process.stderr.write(
        `cluster already up at ${state.server} (dir ${state.dir}); run \`npm run cluster:down\` to stop it\n`,
      );
      process.stdout.write(`export KUBECONFIG=${state.kubeconfigPath}\n`);
      return;
    }
    process.stderr.write('stale cluster state found (processes gone); starting a new cluster\n');
  }
  const root = path.join(cacheDir(), 'cluster');
  await mkdir(root, { recursive: true });
  const dir = await mkdtemp(path.join(root, 'run-'));
  const t0 = Date.now();
  const cp = await startControlPlane({ dir, detached: true, log: (m) => process.stderr.write(`${m}\n`) });
  const state: ClusterState = {
    dir: cp.dir,
    kubeconfigPath: cp.kubeconfigPath,
    server: cp.server,
    etcdPid: cp.etcdPid,
    apiserverPid: cp.apiserverPid,
    startedAt: new Date().toISOString(),
  };
  await writeFile(statePath, JSON.stringify(state, null, 2) + '\n');
  process.stderr.write(
    `control plane up at ${cp.server} in ${Date.now() - t0} ms\n` +
      `  logs: ${path.join(dir, 'kube-apiserver.log')}, ${path.join(dir, 'etcd.log')}\n` +
      `  stop: npm run cluster:down\n`,
  );
  process.stdout.write(`export KUBECONFIG=${cp.kubeconfigPath}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`cluster:up failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
