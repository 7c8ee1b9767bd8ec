import { describe, expect, test } from '@jest/globals';
import { parseUninstallArgs } from '../../../src/cli/uninstall.js';
import { runCLI } from './run-cli.js';

const run = runCLI;

describe('net-higress uninstall: arguments', () => {
  test('defaults: the default class and namespaces, no controller to stop, a full run', () => {
    expect(parseUninstallArgs([])).toEqual({
      ingressClass: 'istio.ingress.networking.knative.dev',
      systemNamespace: 'knative-serving',
      higressNamespace: 'higress-system',
      clusterDomain: 'cluster.local',
      waitSeconds: 120,
      keepRoutes: false,
      dryRun: false,
      help: false,
    });
  });

  test('every flag', () => {
    expect(
      parseUninstallArgs([
        '--ingress-class=c',
        '--system-namespace=kn',
        '--higress-namespace=gw',
        '--cluster-domain=corp',
        '--controller=ops/nh',
        '--wait=5',
        '--keep-routes',
        '--dry-run',
        '--kubeconfig=/k',
      ]),
    ).toEqual({
      ingressClass: 'c',
      systemNamespace: 'kn',
      higressNamespace: 'gw',
      clusterDomain: 'corp',
      controller: { namespace: 'ops', name: 'nh' },
      waitSeconds: 5,
      keepRoutes: true,
      dryRun: true,
      kubeconfig: '/k',
      help: false,
    });
  });

  test.each([
    [['--controller=nh'], '--controller must be NAMESPACE/NAME (got "nh")'],
    [['--wait=soon'], '--wait must be a whole number of seconds (got "soon")'],
    [['--wait=-1'], '--wait must be a whole number of seconds'],
    [['--everything'], "Unknown option '--everything'"],
  ])('%j is a usage error (exit 2) saying why', async (args, message) => {
    const r = await run(['uninstall', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('Usage: net-higress uninstall');
  });

  test('--help says what is removed and what happens to live traffic', async () => {
    const r = await run(['uninstall', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Live traffic:');
    expect(r.stdout).toContain('--keep-routes');
  });
});
