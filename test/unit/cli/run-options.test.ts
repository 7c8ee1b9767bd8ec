import { describe, test, expect } from '@jest/globals';
import { parseRunOptions, RUN_USAGE, type RunOptions } from '../../../src/cli/run-options.js';

const DEFAULTS: RunOptions = {
  kubeconfig: undefined,
  ingressClass: 'istio.ingress.networking.knative.dev',
  systemNamespace: 'knative-serving',
  clusterDomain: 'cluster.local',
  workers: 4,
  metricsAddress: ':9090',
  healthAddress: ':8080',
  logLevel: 'info',
  logFormat: 'json',
  leaderElect: true,
  leaderElectionNamespace: 'knative-serving',
  leaderElectionId: 'net-higress-controller',
  readiness: 'probe',
  meshVirtualService: false,
  resyncPeriodSeconds: 600,
  probeMaxRetryDelaySeconds: 30,
  qps: 50,
  burst: 100,
  tlsSecretNamespaces: [],
  help: false,
};

function ok(argv: string[], env: Record<string, string> = {}): RunOptions {
  const parsed = parseRunOptions(argv, env);
  if (!parsed.ok) throw new Error(`unexpected error: ${parsed.error}`);
  return parsed.value;
}

function err(argv: string[], env: Record<string, string> = {}): string {
  const parsed = parseRunOptions(argv, env);
  if (parsed.ok) throw new Error(`expected an error for ${JSON.stringify(argv)} ${JSON.stringify(env)}`);
  return parsed.error;
}

test('defaults with no flags and no env', () => {
  expect(ok([])).toEqual(DEFAULTS);
});

test('unrelated environment variables are ignored', () => {
  expect(ok([], { PATH: '/bin', HOME: '/root', QPS: '1' })).toEqual(DEFAULTS);
});

describe('env fallbacks', () => {
  const cases: Array<[string, string, Partial<RunOptions>]> = [
    ['KUBECONFIG', '/etc/kube/config', { kubeconfig: '/etc/kube/config' }],
    [
      'INGRESS_CLASS',
      'higress.ingress.networking.knative.dev',
      { ingressClass: 'higress.ingress.networking.knative.dev' },
    ],
    ['SYSTEM_NAMESPACE', 'kn', { systemNamespace: 'kn', leaderElectionNamespace: 'kn' }],
    ['CLUSTER_DOMAIN', 'corp.example', { clusterDomain: 'corp.example' }],
    ['WORKERS', '16', { workers: 16 }],
    ['METRICS_ADDRESS', '127.0.0.1:19090', { metricsAddress: '127.0.0.1:19090' }],
    ['HEALTH_ADDRESS', ':18080', { healthAddress: ':18080' }],
    ['LOG_LEVEL', 'debug', { logLevel: 'debug' }],
    ['LOG_FORMAT', 'text', { logFormat: 'text' }],
    ['LEADER_ELECT', 'false', { leaderElect: false }],
    ['POD_NAMESPACE', 'net-higress', { leaderElectionNamespace: 'net-higress' }],
    ['READINESS', 'written', { readiness: 'written' }],
    ['MESH_VIRTUAL_SERVICE', 'TRUE', { meshVirtualService: true }],
    ['RESYNC_PERIOD', '0', { resyncPeriodSeconds: 0 }],
    ['PROBE_MAX_RETRY_DELAY_SECONDS', '1', { probeMaxRetryDelaySeconds: 1 }],
    ['WORKQUEUE_QPS', '2.5', { qps: 2.5 }],
    ['WORKQUEUE_BURST', '7', { burst: 7 }],
    ['TLS_SECRET_NAMESPACES', 'certs, shared-tls', { tlsSecretNamespaces: ['certs', 'shared-tls'] }],
    ['TLS_SECRET_NAMESPACES', '*', { tlsSecretNamespaces: ['*'] }],
  ];
  test.each(cases)('%s=%s', (name, value, want) => {
    expect(ok([], { [name]: value })).toEqual({ ...DEFAULTS, ...want });
  });

  test('an empty variable counts as unset', () => {
    expect(ok([], { WORKERS: '', LEADER_ELECT: '', KUBECONFIG: '' })).toEqual(DEFAULTS);
  });
});

describe('flags', () => {
  test('every flag, space- and =-separated', () => {
    expect(
      ok([
        '--kubeconfig',
        '/k',
        '--ingress-class=c',
        '--system-namespace',
        'sys',
        '--cluster-domain=d.local',
        '--workers',
        '64',
        '--metrics-address=:1',
        '--health-address',
        '[::1]:2',
        '--log-level=error',
        '--log-format',
        'text',
        '--leader-elect=false',
        '--leader-election-namespace',
        'lease-ns',
        '--leader-election-id=my-lease',
        '--readiness',
        'written',
        '--mesh-virtual-service',
        '--resync-period=30',
        '--qps',
        '0.5',
        '--burst=1',
        '--probe-max-retry-delay',
        '2',
        '--tls-secret-namespaces=certs',
      ]),
    ).toEqual({
      kubeconfig: '/k',
      ingressClass: 'c',
      systemNamespace: 'sys',
      clusterDomain: 'd.local',
      workers: 64,
      metricsAddress: ':1',
      healthAddress: '[::1]:2',
      logLevel: 'error',
      logFormat: 'text',
      leaderElect: false,
      leaderElectionNamespace: 'lease-ns',
      leaderElectionId: 'my-lease',
      readiness: 'written',
      meshVirtualService: true,
      resyncPeriodSeconds: 30,
      probeMaxRetryDelaySeconds: 2,
      qps: 0.5,
      burst: 1,
      tlsSecretNamespaces: ['certs'],
      help: false,
    });
  });

  test('a flag beats its env variable', () => {
    const env = {
      WORKERS: '2',
      LOG_LEVEL: 'debug',
      LEADER_ELECT: 'false',
      POD_NAMESPACE: 'pod-ns',
      MESH_VIRTUAL_SERVICE: 'true',
    };
    expect(
      ok(
        [
          '--workers=8',
          '--log-level',
          'warn',
          '--leader-elect',
          '--leader-election-namespace=flag-ns',
          '--mesh-virtual-service=false',
        ],
        env,
      ),
    ).toMatchObject({
      workers: 8,
      logLevel: 'warn',
      leaderElect: true,
      leaderElectionNamespace: 'flag-ns',
      meshVirtualService: false,
    });
  });

  test('the lease namespace follows --system-namespace unless POD_NAMESPACE is set', () => {
    expect(ok(['--system-namespace=a'])).toMatchObject({ systemNamespace: 'a', leaderElectionNamespace: 'a' });
    expect(ok(['--system-namespace=a'], { POD_NAMESPACE: 'b' })).toMatchObject({ leaderElectionNamespace: 'b' });
  });

  test.each([
    [['--leader-elect'], true],
    [['--leader-elect=true'], true],
    [['--leader-elect=0'], false],
    [['--no-leader-elect'], false],
    [['--leader-elect=false', '--leader-elect'], true],
  ])('boolean spelling %j', (argv, want) => {
    expect(ok(argv).leaderElect).toBe(want);
  });

  test('--help and -h', () => {
    expect(ok(['--help']).help).toBe(true);
    expect(ok(['-h']).help).toBe(true);
  });
});

describe('errors name the flag and the bad value', () => {
  const cases: Array<[string[], Record<string, string>, string]> = [
    [['--workers', '0'], {}, '--workers: invalid value "0": must be an integer from 1 to 64'],
    [['--workers=65'], {}, '--workers: invalid value "65": must be an integer from 1 to 64'],
    [['--workers=2.5'], {}, '--workers: invalid value "2.5": must be an integer from 1 to 64'],
    [[], { WORKERS: 'four' }, '--workers (env WORKERS): invalid value "four": must be an integer from 1 to 64'],
    [['--log-level=trace'], {}, '--log-level: invalid value "trace": must be one of debug, info, warn, error'],
    [[], { LOG_FORMAT: 'logfmt' }, '--log-format (env LOG_FORMAT): invalid value "logfmt": must be one of json, text'],
    [['--readiness=always'], {}, '--readiness: invalid value "always": must be one of probe, written'],
    [['--leader-elect=maybe'], {}, '--leader-elect: invalid value "maybe": must be true or false'],
    [
      [],
      { MESH_VIRTUAL_SERVICE: 'on' },
      '--mesh-virtual-service (env MESH_VIRTUAL_SERVICE): invalid value "on": must be true or false',
    ],
    [
      ['--metrics-address=9090'],
      {},
      '--metrics-address: invalid value "9090": must be [host]:port with a port from 0 to 65535, e.g. ":9090"',
    ],
    [
      [],
      { HEALTH_ADDRESS: ':99999' },
      '--health-address (env HEALTH_ADDRESS): invalid value ":99999": must be [host]:port',
    ],
    [['--system-namespace=Knative'], {}, '--system-namespace: invalid value "Knative": must be a DNS-1123 label'],
    [
      [],
      { POD_NAMESPACE: 'a.b' },
      '--leader-election-namespace (env POD_NAMESPACE): invalid value "a.b": must be a DNS-1123 label',
    ],
    [
      ['--leader-election-id=Net_Higress'],
      {},
      '--leader-election-id: invalid value "Net_Higress": must be a DNS-1123 subdomain',
    ],
    [
      ['--cluster-domain=cluster..local'],
      {},
      '--cluster-domain: invalid value "cluster..local": must be a DNS-1123 subdomain',
    ],
    [['--ingress-class='], {}, '--ingress-class: invalid value "": must not be empty'],
    [['--kubeconfig', ' '], {}, '--kubeconfig: invalid value " ": must not be empty'],
    [['--resync-period=10m'], {}, '--resync-period: invalid value "10m": must be an integer from 0 to 604800'],
    [
      ['--probe-max-retry-delay=0'],
      {},
      '--probe-max-retry-delay: invalid value "0": must be an integer from 1 to 3600',
    ],
    [['--qps=0'], {}, '--qps: invalid value "0": must be a number greater than 0'],
    [[], { WORKQUEUE_QPS: '-1' }, '--qps (env WORKQUEUE_QPS): invalid value "-1": must be a number greater than 0'],
    [['--burst=0'], {}, '--burst: invalid value "0": must be an integer from 1 to 100000'],
    [
      ['--tls-secret-namespaces=certs,Kube_System'],
      {},
      '--tls-secret-namespaces: invalid value "certs,Kube_System": "Kube_System" is not a namespace name; want a comma-separated list of namespaces, or *',
    ],
    [['--no-leader-elect=true'], {}, '--no-leader-elect takes no value (got "--no-leader-elect=true")'],
    [['--frobnicate'], {}, "Unknown option '--frobnicate'"],
    [['--workers'], {}, "Option '--workers <value>' argument missing"],
    [['extra'], {}, "Unexpected argument 'extra'"],
  ];
  test.each(cases)('%j %j', (argv, env, want) => {
    expect(err(argv, env)).toContain(want);
  });
});

test('RUN_USAGE lists every flag with its env variable and default', () => {
  const lines = [
    ['--kubeconfig', 'env KUBECONFIG'],
    ['--ingress-class', 'env INGRESS_CLASS, default istio.ingress.networking.knative.dev'],
    ['--system-namespace', 'env SYSTEM_NAMESPACE, default knative-serving'],
    ['--cluster-domain', 'env CLUSTER_DOMAIN, default cluster.local'],
    ['--workers', 'env WORKERS, default 4'],
    ['--metrics-address', 'env METRICS_ADDRESS, default :9090'],
    ['--health-address', 'env HEALTH_ADDRESS, default :8080'],
    ['--log-level', 'env LOG_LEVEL, default info'],
    ['--log-format', 'env LOG_FORMAT, default json'],
    ['--leader-elect', 'env LEADER_ELECT, default true'],
    ['--leader-election-namespace', 'env POD_NAMESPACE'],
    ['--leader-election-id', 'default net-higress-controller'],
    ['--readiness', 'env READINESS, default probe'],
    ['--mesh-virtual-service', 'env MESH_VIRTUAL_SERVICE, default false'],
    ['--resync-period', 'env RESYNC_PERIOD, default 600'],
    ['--probe-max-retry-delay', 'env PROBE_MAX_RETRY_DELAY_SECONDS, default 30'],
    ['--qps', 'env WORKQUEUE_QPS, default 50'],
    ['--burst', 'env WORKQUEUE_BURST, default 100'],
    ['--tls-secret-namespaces', 'env TLS_SECRET_NAMESPACES, default none'],
  ];
  for (const [flag, extras] of lines) {
    expect(RUN_USAGE).toMatch(
      new RegExp(`^ +${flag}[ [].*\\n +${extras!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'),
    );
  }
  expect(RUN_USAGE).toContain('-h, --help');
});

test('usage says what --readiness=written risks', () => {
  expect(RUN_USAGE).toMatch(/^ {2}written +Ready as soon as the Istio objects are written/m);
  expect(RUN_USAGE).toMatch(/Risk: Ready comes before Higress has loaded the route/);
});
