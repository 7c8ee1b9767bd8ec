import { parseArgs } from 'node:util';
import { DEFAULT_CRDS } from '../doctor/crds.js';
import { allPassed, runDoctor } from '../doctor/doctor.js';
import { KubeDoctorCluster } from '../doctor/kube-cluster.js';
import { checkMigration, restMigrationReads, type MigrationReads } from '../doctor/migration.js';
import { formatJSON, formatText } from '../doctor/report.js';
import type { AccessSubject, CrdRequirement, DoctorCluster, DoctorSettings } from '../doctor/types.js';
import { loadKubeConfig } from '../kube/client.js';
import { RestClient } from '../kube/rest.js';
import { DEFAULT_INGRESS_CLASS } from '../translate/constants.js';
import type { Streams } from './render.js';

export const DOCTOR_USAGE = `Usage: net-higress doctor [options]

Checks a live cluster for what net-higress needs: the KIngress/VirtualService/Gateway APIs, config-network's
ingress-class, config-istio and its Services, the shared Gateways selecting running Higress gateway pods,
the cluster-local gateway Service (80 -> 8081), Higress reading Istio objects, the controller's RBAC, and
what is left of net-istio when migrating from it (its controller, webhook, VirtualServices not taken over).
Prints PASS/FAIL/SKIP with a fix for each failure. Exit code 0 when nothing failed, 1 otherwise.

      --kubeconfig FILE              default: KUBECONFIG, in-cluster, then ~/.kube/config
      --system-namespace NS          Knative's namespace (config-network, config-istio); default knative-serving
      --ingress-class CLASS          the class net-higress reconciles; default ${DEFAULT_INGRESS_CLASS}
      --higress-namespace NS         where the Higress gateway pods run; default higress-system
      --cluster-domain DOMAIN        default cluster.local
      --service-account NS/NAME|self whose RBAC to review: the controller's ServiceAccount
                                     (default <system-namespace>/net-higress, the chart's), or self:
                                     the credentials doctor runs with
      --lease-name NAME              the leader-election Lease; default net-higress-controller
      --lease-namespace NS           its namespace; default: the ServiceAccount's (the chart's release
                                     namespace), or with --service-account=self the system namespace
  -o, --output text|json             default text
  -h, --help
`;

/** Tests inject the cluster and the CRD list; the CLI builds both. */
export interface DoctorDeps {
  cluster?: (kubeconfig: string | undefined) => DoctorCluster;
  crds?: readonly CrdRequirement[];
  migration?: MigrationReads;
}

export async function runDoctorCommand(argv: string[], io: Streams, deps: DoctorDeps = {}): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        kubeconfig: { type: 'string' },
        'system-namespace': { type: 'string', default: 'knative-serving' },
        'ingress-class': { type: 'string', default: DEFAULT_INGRESS_CLASS },
        'higress-namespace': { type: 'string', default: 'higress-system' },
        'cluster-domain': { type: 'string', default: 'cluster.local' },
        'service-account': { type: 'string' },
        'lease-name': { type: 'string', default: 'net-higress-controller' },
        'lease-namespace': { type: 'string' },
        output: { type: 'string', short: 'o', default: 'text' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    io.stderr(`doctor: ${err instanceof Error ? err.message : String(err)}\n\n${DOCTOR_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(DOCTOR_USAGE);
    return 0;
  }
  const output = values.output;
  const systemNamespace = values['system-namespace'];
  const subject = parseSubject(values['service-account'] ?? `${systemNamespace}/net-higress`);
  if (output !== 'text' && output !== 'json') return usageError(io, `unknown output format "${output}"`);
  if (!subject)
    return usageError(io, `--service-account must be NAMESPACE/NAME or self (got "${values['service-account']}")`);

  let cluster: DoctorCluster;
  let rest: RestClient | undefined;
  try {
    if (deps.cluster) {
      cluster = deps.cluster(values.kubeconfig);
    } else {
      rest = new RestClient(loadKubeConfig({ kubeconfig: values.kubeconfig }));
      cluster = new KubeDoctorCluster(rest);
    }
  } catch (err) {
    io.stderr(`doctor: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const settings: DoctorSettings = {
    systemNamespace,
    ingressClass: values['ingress-class'],
    higressNamespace: values['higress-namespace'],
    clusterDomain: values['cluster-domain'],
    subject,
    lease: {
      namespace: values['lease-namespace'] ?? (subject.kind === 'serviceAccount' ? subject.namespace : systemNamespace),
      name: values['lease-name'],
    },
    crds: deps.crds ?? DEFAULT_CRDS,
  };
  try {
    const migration = deps.migration ?? (rest ? restMigrationReads(rest) : undefined);
    const results = [
      ...(await runDoctor(cluster, settings)),
      ...(migration ? await checkMigration(migration, settings) : []),
    ];
    io.stdout(output === 'json' ? formatJSON(results) : formatText(results));
    return allPassed(results) ? 0 : 1;
  } finally {
    rest?.close();
  }
}

function parseSubject(value: string): AccessSubject | undefined {
  if (value === 'self') return { kind: 'self' };
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(value);
  return m?.[1] && m[3] ? { kind: 'serviceAccount', namespace: m[1], name: m[3] } : undefined;
}

function usageError(io: Streams, message: string): number {
  io.stderr(`doctor: ${message}\n\n${DOCTOR_USAGE}`);
  return 2;
}
