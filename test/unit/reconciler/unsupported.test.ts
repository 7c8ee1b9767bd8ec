import { describe, expect, test } from '@jest/globals';
import type { KIngress } from '../../../src/api/kingress.js';
import { ReportedAnnotations, reportUnsupportedAnnotations } from '../../../src/reconciler/unsupported.js';

const ing = (annotations: Record<string, string>, uid = 'uid-1'): KIngress => ({
  apiVersion: 'networking.internal.knative.dev/v1alpha1',
  kind: 'Ingress',
  metadata: { name: 'hello', namespace: 'default', uid, annotations },
  spec: {},
});

describe('unsupported annotations are reported once per change, not per reconcile', () => {
  test('a sequence of reconciles', () => {
    const events: string[] = [];
    const deps = {
      recorder: {
        event: (_i: KIngress, type: string, reason: string, message: string) => {
          events.push(`${type} ${reason}: ${message}`);
        },
      },
      annotationReports: new ReportedAnnotations(),
    };
    const steps: Array<[string, KIngress, number]> = [
      ['first reconcile reports', ing({ 'higress.io/load-balance': 'round_robin' }), 1],
      ['resync: same annotations, nothing', ing({ 'higress.io/load-balance': 'round_robin' }), 0],
      [
        'a supported annotation added: same unsupported set, nothing',
        ing({ 'higress.io/load-balance': 'round_robin', 'higress.io/timeout': '5' }),
        0,
      ],
      ['value changed: reported again', ing({ 'higress.io/load-balance': 'least_conn' }), 1],
      [
        'another one added: reported again',
        ing({ 'higress.io/load-balance': 'least_conn', 'nginx.ingress.kubernetes.io/canary': 'true' }),
        1,
      ],
      ['all removed: nothing to report', ing({}), 0],
      ['back again: reported', ing({ 'higress.io/load-balance': 'least_conn' }), 1],
      ['recreated with a new uid: reported', ing({ 'higress.io/load-balance': 'least_conn' }, 'uid-2'), 1],
    ];
    for (const [name, object, want] of steps) {
      const before = events.length;
      reportUnsupportedAnnotations(object, deps);
      expect([name, events.length - before]).toEqual([name, want]);
    }
    expect(events[0]).toBe(
      'Warning UnsupportedAnnotation: annotations not supported on Knative services, ignored: higress.io/load-balance (needs a DestinationRule)',
    );
    deps.annotationReports.forget('default/hello');
    reportUnsupportedAnnotations(ing({ 'higress.io/load-balance': 'least_conn' }, 'uid-2'), deps);
    expect(events).toHaveLength(6);
  });
});
