import { describe, expect, test } from '@jest/globals';
import type { KIngress } from '../../../src/api/kingress.js';
import { readinessCounts } from '../../../src/controller/readiness-counts.js';

const CLASS = 'istio.ingress.networking.knative.dev';
function ing(
  name: string,
  ready: 'True' | 'False' | 'Unknown' | undefined,
  opts: { cls?: string; observed?: number } = {},
): KIngress {
  return {
    apiVersion: 'networking.internal.knative.dev/v1alpha1',
    kind: 'Ingress',
    metadata: {
      name,
      namespace: 'ns',
      generation: 2,
      annotations: { 'networking.knative.dev/ingress.class': opts.cls ?? CLASS },
    },
    spec: {},
    ...(ready
      ? { status: { observedGeneration: opts.observed ?? 2, conditions: [{ type: 'Ready', status: ready }] } }
      : {}),
  };
}

describe('net_higress_kingress_readiness source', () => {
  test('our KIngresses by their Ready condition at the current generation; other classes not counted', () => {
    expect(
      readinessCounts(
        [
          ing('a', 'True'),
          ing('b', 'True'),
          ing('c', 'False'),
          ing('d', 'Unknown'),
          ing('e', undefined),
          ing('old', 'True', { observed: 1 }),
          ing('theirs', 'True', { cls: 'contour.ingress.networking.knative.dev' }),
        ],
        CLASS,
      ),
    ).toEqual({ ready: 2, not_ready: 1, unknown: 3 });
  });

  test('no KIngresses: all zero', () => {
    expect(readinessCounts([], CLASS)).toEqual({ ready: 0, not_ready: 0, unknown: 0 });
  });
});
