import { describe, expect, test } from '@jest/globals';
import type { KIngress } from '../../../src/api/kingress.js';
import type { Existing, ReconcileDeps } from '../../../src/reconciler/deps.js';
import { copyIngressNamespace, releaseRefusedCopies, releaseSecretCopy } from '../../../src/reconciler/secretcopies.js';

const CLASS = 'istio.ingress.networking.knative.dev';

function kingress(
  namespace: string,
  name: string,
  secret = { namespace: 'certs', name: 'shared' },
  extra: Partial<KIngress['metadata']> = {},
): KIngress {
  return {
    apiVersion: 'networking.internal.knative.dev/v1alpha1',
    kind: 'Ingress',
    metadata: {
      namespace,
      name,
      uid: `${namespace}-${name}`,
      annotations: { 'networking.knative.dev/ingress.class': CLASS },
      ...extra,
    },
    spec: {
      tls: [
        { hosts: [`${name}.${namespace}.example.com`], secretName: secret.name, secretNamespace: secret.namespace },
      ],
    },
  };
}

/** The copy `web-<uid>` of certs/shared, labelled as made for `<holder>/web`. */
function copy(holder: string): Existing {
  return {
    metadata: {
      namespace: 'higress-system',
      name: 'web-uid-1',
      uid: 'copy-uid',
      resourceVersion: '7',
      labels: {
        'networking.internal.knative.dev/certificate-uid': '',
        'networking.internal.knative.dev/originSecretName': 'shared',
        'networking.internal.knative.dev/originSecretNamespace': 'certs',
        'networking.internal.knative.dev/ingress': 'web',
        'networking.internal.knative.dev/ingressNamespace': holder,
      },
    },
    data: { 'tls.crt': 'Y2VydA==' },
  };
}

function deps(kingresses: KIngress[], allowed: string[] = ['certs']) {
  const writes: string[] = [];
  const d = {
    options: {
      ingressClass: CLASS,
      systemNamespace: 'knative-serving',
      clusterDomain: 'cluster.local',
      meshVirtualService: false,
      tlsSecretNamespaces: allowed,
    },
    cluster: { kingresses: () => kingresses, secretCopiesMadeFor: () => [copy('team-a')] },
    writer: {
      update: async (o: Existing) => {
        writes.push(
          `update ${o.metadata.name} ingressNamespace=${o.metadata.labels?.['networking.internal.knative.dev/ingressNamespace']}`,
        );
        return o;
      },
      delete: async (ref: { name: string }) => {
        writes.push(`delete ${ref.name}`);
        return true;
      },
    },
  } as unknown as ReconcileDeps;
  return { d, writes };
}

describe('the ingressNamespace label of a shared copy is stable', () => {
  const a = kingress('team-a', 'web');
  const b = kingress('team-b', 'web');
  test.each<[string, KIngress[], string, KIngress, string]>([
    ['the holder still uses it: the other keeps its label', [a, b], 'team-a', b, 'team-a'],
    ['the holder reconciles: its own namespace', [a, b], 'team-a', a, 'team-a'],
    ['the holder is gone: the reconciling one takes it', [b], 'team-a', b, 'team-b'],
    [
      'the holder is being deleted: the reconciling one takes it',
      [kingress('team-a', 'web', undefined, { deletionTimestamp: '2026-01-01T00:00:00Z' }), b],
      'team-a',
      b,
      'team-b',
    ],
    [
      'the holder now uses another Secret: taken over',
      [kingress('team-a', 'web', { namespace: 'certs', name: 'other' }), b],
      'team-a',
      b,
      'team-b',
    ],
    [
      'the holder is refused by the policy: taken over',
      [kingress('team-a', 'web', { namespace: 'elsewhere', name: 'shared' }), b],
      'team-a',
      b,
      'team-b',
    ],
  ])('%s', (_name, all, holder, self, want) => {
    expect(copyIngressNamespace(copy(holder), self.metadata.namespace!, self, deps(all).d)).toBe(want);
  });
});

describe('releasing a copy a KIngress no longer needs', () => {
  test('another same-named KIngress still uses it: relabelled to the first by namespace, not deleted', async () => {
    const { d, writes } = deps([kingress('team-a', 'web'), kingress('team-c', 'web'), kingress('team-b', 'web')]);
    await releaseSecretCopy(copy('team-a'), kingress('team-a', 'web'), d);
    expect(writes).toEqual(['update web-uid-1 ingressNamespace=team-b']);
  });

  test('nobody else uses it: deleted', async () => {
    const { d, writes } = deps([kingress('team-a', 'web'), kingress('team-b', 'api')]);
    await releaseSecretCopy(copy('team-a'), kingress('team-a', 'web'), d);
    expect(writes).toEqual(['delete web-uid-1']);
  });

  test('a KIngress of another ingress class does not keep it', async () => {
    const other = kingress('team-b', 'web', undefined, {
      annotations: { 'networking.knative.dev/ingress.class': 'kourier.ingress.networking.knative.dev' },
    });
    const { d, writes } = deps([kingress('team-a', 'web'), other]);
    await releaseSecretCopy(copy('team-a'), kingress('team-a', 'web'), d);
    expect(writes).toEqual(['delete web-uid-1']);
  });
});

describe('copies of a Secret the policy no longer allows', () => {
  test.each<[string, string[], string[]]>([
    ['the namespace was withdrawn: the copy goes', [], ['delete web-uid-1']],
    ['still allowed: kept', ['certs'], []],
    ['any namespace allowed: kept', ['*'], []],
  ])('%s', async (_name, allowed, want) => {
    const { d, writes } = deps([kingress('team-a', 'web')], allowed);
    await releaseRefusedCopies(kingress('team-a', 'web'), d);
    expect(writes).toEqual(want);
  });
});
