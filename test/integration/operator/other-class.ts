// Another ingress's KIngress `other` (kourier's class) with the finalizer every Knative ingress uses, and a
// VirtualService it controls: what uninstall must leave alone.
import { KINGRESS_FINALIZER } from '../../../src/translate/constants.js';
import type { TestEnv } from './env.js';

export async function createOtherClassIngress(env: TestEnv, namespace: string): Promise<void> {
  const other = env.servingKIngress(namespace, 'other', [{ revision: 'other-00001', percent: 100 }]);
  other.metadata.annotations = { 'networking.knative.dev/ingress.class': 'kourier.ingress.networking.knative.dev' };
  other.metadata.finalizers = [KINGRESS_FINALIZER];
  const stored = await env.client.create(other);
  await env.client.create({
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'VirtualService',
    metadata: {
      name: 'other-ingress',
      namespace,
      labels: { 'networking.internal.knative.dev/ingress': 'other' },
      ownerReferences: [
        {
          apiVersion: 'networking.internal.knative.dev/v1alpha1',
          kind: 'Ingress',
          name: 'other',
          uid: stored.metadata.uid!,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: { hosts: ['other.example.com'], http: [] },
  });
}
