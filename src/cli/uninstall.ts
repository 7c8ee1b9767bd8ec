import { parseArgs } from 'node:util';
import { loadKubeConfig } from '../kube/client.js';
import { RestClient } from '../kube/rest.js';
import { DEFAULT_INGRESS_CLASS } from '../translate/constants.js';
import { uninstall, type UninstallOptions } from '../uninstall/uninstall.js';
import type { Streams } from './render.js';

const UNINSTALL_USAGE = `Usage: net-higress uninstall [options]

Removes what net-higress leaves in a cluster when it goes away for good, and only that: it scales the
controller Deployment to 0 (a running controller would put its finalizers back), deletes the
VirtualServices and per-KIngress Gateways controlled by KIngresses of its class, the wildcard-certificate
Gateways and the TLS Secret copies in the Higress namespace, then removes its finalizer from those KIngresses
so that deleting them no longer hangs. KIngresses themselves, other classes' objects and what the chart
installed (helm uninstall deletes those) are left alone. The chart runs this as a pre-delete hook.

Live traffic: once the VirtualServices are deleted, Higress stops routing the Knative hosts (404). With
--keep-routes nothing is deleted; routes keep being served as long as their Gateways exist, and whatever
next reconciles the ingress class (net-higress again, net-istio) takes the VirtualServices over.

      --kubeconfig FILE            default: KUBECONFIG, in-cluster, then ~/.kube/config
      --ingress-class CLASS        default ${DEFAULT_INGRESS_CLASS}
      --system-namespace NS        where config-istio is; default knative-serving
      --higress-namespace NS       where the Secret copies are; default higress-system
      --cluster-domain DOMAIN      default cluster.local
      --controller NS/NAME         the controller Deployment to scale to 0 first (default: none)
      --wait SECONDS               how long to wait for its pods to go; default 120
      --keep-routes                only remove finalizers
      --dry-run                    print what would change, change nothing
  -h, --help
`;

export interface UninstallArgs extends UninstallOptions {
  kubeconfig?: string;
  help: boolean;
}

/** The command line as options; throws a one-line message on a bad flag or value. */
export function parseUninstallArgs(argv: string[]): UninstallArgs {
  const v = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      'ingress-class': { type: 'string', default: DEFAULT_INGRESS_CLASS },
      'system-namespace': { type: 'string', default: 'knative-serving' },
      'higress-namespace': { type: 'string', default: 'higress-system' },
      'cluster-domain': { type: 'string', default: 'cluster.local' },
      controller: { type: 'string' },
      wait: { type: 'string', default: '120' },
      'keep-routes': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  }).values;
  const controller =
    v.controller === undefined ? undefined : /^([a-z0-9][-a-z0-9]*)\/([a-z0-9][-a-z0-9.]*)$/.exec(v.controller);
  if (controller === null) throw new Error(`--controller must be NAMESPACE/NAME (got "${v.controller}")`);
  const waitSeconds = Number(v.wait);
  if (!Number.isInteger(waitSeconds) || waitSeconds < 0)
    throw new Error(`--wait must be a whole number of seconds (got "${v.wait}")`);
  return {
    ingressClass: v['ingress-class'],
    systemNamespace: v['system-namespace'],
    higressNamespace: v['higress-namespace'],
    clusterDomain: v['cluster-domain'],
    waitSeconds,
    keepRoutes: v['keep-routes'],
    dryRun: v['dry-run'],
    ...(controller ? { controller: { namespace: controller[1]!, name: controller[2]! } } : {}),
    ...(v.kubeconfig !== undefined ? { kubeconfig: v.kubeconfig } : {}),
    help: v.help,
  };
}

export async function runUninstallCommand(
  argv: string[],
  io: Streams,
  connect = (kubeconfig?: string) => new RestClient(loadKubeConfig({ kubeconfig })),
): Promise<number> {
  let args: UninstallArgs;
  try {
    args = parseUninstallArgs(argv);
  } catch (err) {
    return usageError(io, err instanceof Error ? err.message : String(err));
  }
  if (args.help) {
    io.stdout(UNINSTALL_USAGE);
    return 0;
  }
  const { kubeconfig, help: _help, ...opts } = args;
  let rest: RestClient | undefined;
  try {
    rest = connect(kubeconfig);
    const report = await uninstall(rest, opts);
    for (const a of report.actions) io.stdout(`${a}\n`);
    for (const e of report.errors) io.stderr(`error: ${e}\n`);
    io.stdout(
      `${opts.dryRun ? 'dry run: ' : ''}${report.actions.length} change(s), ${report.errors.length} error(s)\n`,
    );
    return report.errors.length === 0 ? 0 : 1;
  } catch (err) {
    io.stderr(`uninstall: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    rest?.close();
  }
}

function usageError(io: Streams, message: string): number {
  io.stderr(`uninstall: ${message}\n\n${UNINSTALL_USAGE}`);
  return 2;
}
