import { parseArgs } from 'node:util';
import { err, ok, type Result } from '../api/result.js';
import { parseListenAddress } from '../observability/address.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../observability/logger.js';
import { DEFAULT_INGRESS_CLASS } from '../translate/constants.js';

/** When a KIngress is reported Ready: after probing every gateway pod, or once its objects are written. */
export type ReadinessMode = 'probe' | 'written';
const READINESS_MODES: readonly ReadinessMode[] = ['probe', 'written'];

export interface RunOptions {
  /** Flag or KUBECONFIG as given; undefined lets the caller pick in-cluster or ~/.kube/config. */
  kubeconfig: string | undefined;
  ingressClass: string;
  systemNamespace: string;
  clusterDomain: string;
  workers: number;
  metricsAddress: string;
  healthAddress: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  readiness: ReadinessMode;
  meshVirtualService: boolean;
  /** 0 turns the periodic resync off. */
  resyncPeriodSeconds: number;
  probeMaxRetryDelaySeconds: number;
  /** The work queue's global retry rate limit (client-go's BucketRateLimiter). */
  qps: number;
  burst: number;
  /** Namespaces besides a KIngress's own whose TLS Secrets it may use; `*` = any. */
  tlsSecretNamespaces: string[];
  help: boolean;
}

export type ParsedRunOptions = Result<RunOptions>;
export type Env = Readonly<Record<string, string | undefined>>;

interface FlagSpec {
  flag: string;
  env?: string;
  boolean?: boolean;
  /** Shown in the usage; undefined for flags whose default is computed. */
  defaultText?: string;
  metavar?: string;
  help: string;
}

/** Single source for the parser and the usage text, so the two cannot disagree. */
const FLAGS = [
  {
    flag: 'kubeconfig',
    env: 'KUBECONFIG',
    metavar: 'FILE',
    help: 'default: in-cluster when a service-account token exists, else ~/.kube/config',
  },
  {
    flag: 'ingress-class',
    env: 'INGRESS_CLASS',
    defaultText: DEFAULT_INGRESS_CLASS,
    metavar: 'CLASS',
    help: 'reconcile only KIngresses annotated with this networking.knative.dev/ingress.class',
  },
  {
    flag: 'system-namespace',
    env: 'SYSTEM_NAMESPACE',
    defaultText: 'knative-serving',
    metavar: 'NS',
    help: 'namespace of config-istio, config-network and the shared Gateways',
  },
  {
    flag: 'cluster-domain',
    env: 'CLUSTER_DOMAIN',
    defaultText: 'cluster.local',
    metavar: 'DOMAIN',
    help: 'cluster DNS domain',
  },
  { flag: 'workers', env: 'WORKERS', defaultText: '4', metavar: 'N', help: 'concurrent reconciles, 1-64' },
  {
    flag: 'metrics-address',
    env: 'METRICS_ADDRESS',
    defaultText: ':9090',
    metavar: 'ADDR',
    help: 'listen address of /metrics',
  },
  {
    flag: 'health-address',
    env: 'HEALTH_ADDRESS',
    defaultText: ':8080',
    metavar: 'ADDR',
    help: 'listen address of /healthz and /readyz; equal to --metrics-address shares one server',
  },
  {
    flag: 'log-level',
    env: 'LOG_LEVEL',
    defaultText: 'info',
    metavar: LOG_LEVELS.join('|'),
    help: 'least severe level logged',
  },
  {
    flag: 'log-format',
    env: 'LOG_FORMAT',
    defaultText: 'json',
    metavar: LOG_FORMATS.join('|'),
    help: 'json: one object per line on stdout; text: for humans',
  },
  {
    flag: 'leader-elect',
    env: 'LEADER_ELECT',
    boolean: true,
    defaultText: 'true',
    help: 'elect one leader through a Lease; --leader-elect=false to run alone',
  },
  {
    flag: 'leader-election-namespace',
    env: 'POD_NAMESPACE',
    metavar: 'NS',
    help: 'namespace of the Lease; default: the system namespace',
  },
  { flag: 'leader-election-id', defaultText: 'net-higress-controller', metavar: 'NAME', help: 'name of the Lease' },
  {
    flag: 'readiness',
    env: 'READINESS',
    defaultText: 'probe',
    metavar: READINESS_MODES.join('|'),
    help: 'Ready when every gateway pod serves it (probe) or once written (see below)',
  },
  {
    flag: 'mesh-virtual-service',
    env: 'MESH_VIRTUAL_SERVICE',
    boolean: true,
    defaultText: 'false',
    help: 'also write the <name>-mesh VirtualService (Higress runs no sidecars)',
  },
  {
    flag: 'resync-period',
    env: 'RESYNC_PERIOD',
    defaultText: '600',
    metavar: 'SECONDS',
    help: 'reconcile every KIngress this often; 0 turns it off',
  },
  {
    flag: 'probe-max-retry-delay',
    env: 'PROBE_MAX_RETRY_DELAY_SECONDS',
    defaultText: '30',
    metavar: 'SECONDS',
    help: 'longest wait between two probes of a pod (backoff doubles from 50 ms); lower = faster Ready, more probes',
  },
  {
    flag: 'qps',
    env: 'WORKQUEUE_QPS',
    defaultText: '50',
    metavar: 'N',
    help: 'work queue retries per second, all keys together',
  },
  { flag: 'burst', env: 'WORKQUEUE_BURST', defaultText: '100', metavar: 'N', help: 'work queue retry burst' },
  {
    flag: 'tls-secret-namespaces',
    env: 'TLS_SECRET_NAMESPACES',
    defaultText: 'none',
    metavar: 'NS[,NS...]|*',
    help: 'namespaces besides its own whose TLS Secrets a KIngress may use; * = any (unsafe with tenants)',
  },
] as const satisfies readonly FlagSpec[];

type FlagName = (typeof FLAGS)[number]['flag'];

export const RUN_USAGE = `Usage: net-higress run [options]

Runs the controller: watches KIngresses of our class and writes Istio objects for Higress.
Every flag also reads the environment variable shown; a flag beats its variable.

${FLAGS.map(usageLine).join('\n')}
  -h, --help

Readiness:
  probe    A KIngress is Ready only when every ready pod behind the gateway Services named in
           config-istio (their EndpointSlices) answers the Knative probe with the KIngress's current
           hash. The controller needs to reach the gateway pods' IPs and ports.
  written  Ready as soon as the Istio objects are written, for clusters where the controller cannot
           reach the gateway pods. Risk: Ready comes before Higress has loaded the route, so requests
           right after \`kn service create\` or a traffic split may get 404 or the previous revision.
`;

function usageLine(spec: FlagSpec): string {
  const name = spec.boolean ? `--${spec.flag}[=true|false]` : `--${spec.flag} ${spec.metavar ?? 'VALUE'}`;
  const extras = [
    spec.env && `env ${spec.env}`,
    spec.defaultText !== undefined && `default ${spec.defaultText}`,
  ].filter(Boolean);
  const line = `      ${name.padEnd(36)} ${spec.help}`;
  return extras.length === 0 ? line : `${line}\n${' '.repeat(43)}${extras.join(', ')}`;
}

/** A value and where it came from, for error messages: `--workers` or `--workers (env WORKERS)`. */
interface Raw {
  value: string;
  source: string;
}

class OptionError extends Error {}

/** Parses `net-higress run` arguments; pure: `env` stands for process.env. */
export function parseRunOptions(argv: readonly string[], env: Env): ParsedRunOptions {
  try {
    return ok(resolve(argv, env));
  } catch (e) {
    if (e instanceof OptionError) return err(e.message);
    throw e;
  }
}

function resolve(argv: readonly string[], env: Env): RunOptions {
  const { flags, help } = readFlags(argv);
  const raw = (flag: FlagName): Raw | undefined => {
    const given = flags.get(flag);
    if (given !== undefined) return { value: given, source: `--${flag}` };
    const name = specOf(flag).env;
    const fromEnv = name === undefined ? undefined : env[name];
    // An empty variable is how manifests and shells spell "unset".
    return fromEnv === undefined || fromEnv === '' ? undefined : { value: fromEnv, source: `--${flag} (env ${name})` };
  };
  const value = <T>(flag: FlagName, parse: (r: Raw) => T, fallback: T): T => {
    const r = raw(flag);
    return r === undefined ? fallback : parse(r);
  };

  const systemNamespace = value('system-namespace', dnsLabel, 'knative-serving');
  return {
    kubeconfig: value('kubeconfig', nonEmpty, undefined),
    ingressClass: value('ingress-class', nonEmpty, DEFAULT_INGRESS_CLASS),
    systemNamespace,
    clusterDomain: value('cluster-domain', dnsSubdomain, 'cluster.local'),
    workers: value('workers', integer(1, 64), 4),
    metricsAddress: value('metrics-address', listenAddress, ':9090'),
    healthAddress: value('health-address', listenAddress, ':8080'),
    logLevel: value('log-level', oneOf(LOG_LEVELS), 'info'),
    logFormat: value('log-format', oneOf(LOG_FORMATS), 'json'),
    leaderElect: value('leader-elect', bool, true),
    leaderElectionNamespace: value('leader-election-namespace', dnsLabel, systemNamespace),
    leaderElectionId: value('leader-election-id', dnsSubdomain, 'net-higress-controller'),
    readiness: value('readiness', oneOf(READINESS_MODES), 'probe'),
    meshVirtualService: value('mesh-virtual-service', bool, false),
    resyncPeriodSeconds: value('resync-period', integer(0, 7 * 24 * 3600), 600),
    probeMaxRetryDelaySeconds: value('probe-max-retry-delay', integer(1, 3600), 30),
    qps: value('qps', positiveNumber, 50),
    burst: value('burst', integer(1, 100_000), 100),
    tlsSecretNamespaces: value('tls-secret-namespaces', namespaceList, []),
    help,
  };
}

function specOf(flag: FlagName): FlagSpec {
  const spec = FLAGS.find((s) => s.flag === flag);
  if (!spec) throw new Error(`no spec for --${flag}`);
  return spec;
}

/**
 * Flags as strings. Boolean flags are read here rather than by parseArgs, which on Node 20
 * rejects `--leader-elect=false`: the Go spelling Knative users write in manifests.
 */
function readFlags(argv: readonly string[]): { flags: Map<string, string>; help: boolean } {
  const booleans = new Set<string>(FLAGS.filter((s: FlagSpec) => s.boolean).map((s) => s.flag));
  const flags = new Map<string, string>();
  const rest: string[] = [];
  for (const arg of argv) {
    const m = /^--(no-)?([a-z-]+)(?:=(.*))?$/s.exec(arg);
    const name = m?.[2];
    if (m && name !== undefined && booleans.has(name)) {
      if (m[1] !== undefined && m[3] !== undefined) throw new OptionError(`--no-${name} takes no value (got "${arg}")`);
      flags.set(name, m[1] !== undefined ? 'false' : (m[3] ?? 'true'));
    } else {
      rest.push(arg);
    }
  }

  const options: Record<string, { type: 'string' } | { type: 'boolean'; short: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const spec of FLAGS) if (!booleans.has(spec.flag)) options[spec.flag] = { type: 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: [...rest], options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new OptionError(e instanceof Error ? e.message : String(e));
  }
  for (const [name, v] of Object.entries(values)) if (typeof v === 'string') flags.set(name, v);
  return { flags, help: values['help'] === true };
}

// --- value parsers: each error names the flag (and env var) and quotes the value ----------------

function invalid(r: Raw, want: string): OptionError {
  return new OptionError(`${r.source}: invalid value ${JSON.stringify(r.value)}: ${want}`);
}

function nonEmpty(r: Raw): string {
  if (r.value.trim() === '') throw invalid(r, 'must not be empty');
  return r.value;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function dnsLabel(r: Raw): string {
  if (r.value.length > 63 || !DNS_LABEL.test(r.value)) {
    throw invalid(r, "must be a DNS-1123 label (lower case alphanumerics and '-', at most 63 characters)");
  }
  return r.value;
}

function dnsSubdomain(r: Raw): string {
  const ok = r.value.length <= 253 && r.value.split('.').every((part) => part.length <= 63 && DNS_LABEL.test(part));
  if (!ok)
    throw invalid(r, "must be a DNS-1123 subdomain (lower case alphanumerics, '-' and '.', e.g. \"example.com\")");
  return r.value;
}

/** `a,b` (spaces allowed around commas) or `*`; an empty list is the default. */
function namespaceList(r: Raw): string[] {
  const items = r.value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  for (const item of items) {
    if (item !== '*' && (item.length > 63 || !DNS_LABEL.test(item))) {
      throw invalid(r, `"${item}" is not a namespace name; want a comma-separated list of namespaces, or *`);
    }
  }
  return items;
}

function integer(min: number, max: number): (r: Raw) => number {
  return (r) => {
    const n = /^\d+$/.test(r.value) ? Number(r.value) : NaN;
    if (!(n >= min && n <= max)) throw invalid(r, `must be an integer from ${min} to ${max}`);
    return n;
  };
}

function positiveNumber(r: Raw): number {
  const n = /^(\d+\.?\d*|\.\d+)$/.test(r.value) ? Number(r.value) : NaN;
  if (!(n > 0) || !Number.isFinite(n)) throw invalid(r, 'must be a number greater than 0');
  return n;
}

function oneOf<T extends string>(allowed: readonly T[]): (r: Raw) => T {
  return (r) => {
    const found = allowed.find((a) => a === r.value);
    if (found === undefined) throw invalid(r, `must be one of ${allowed.join(', ')}`);
    return found;
  };
}

const TRUE = new Set(['true', '1', 't', 'yes']);
const FALSE = new Set(['false', '0', 'f', 'no']);

/** Go's strconv.ParseBool spellings (plus yes/no), case-insensitive. */
function bool(r: Raw): boolean {
  const v = r.value.toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw invalid(r, 'must be true or false');
}

function listenAddress(r: Raw): string {
  const parsed = parseListenAddress(r.value);
  if (!parsed.ok) throw invalid(r, 'must be [host]:port with a port from 0 to 65535, e.g. ":9090"');
  return r.value;
}
