import { describe, expect, test } from '@jest/globals';
import { ApiException } from '@kubernetes/client-node';
import { type CoreEvent, EventRecorder, type EventSink } from '../../../src/kube/events.js';
import { FakeClock } from './fakeclock.js';

class FakeSink implements EventSink {
  created: CoreEvent[] = [];
  patched: Array<{ name: string; patch: Partial<CoreEvent> }> = [];
  fail: unknown;
  patchFail: unknown;

  async create(_ns: string, event: CoreEvent) {
    if (this.fail) throw this.fail;
    this.created.push(event);
    return { metadata: { name: event.metadata.name } };
  }

  async patch(_ns: string, name: string, patch: Partial<CoreEvent>) {
    if (this.patchFail) throw this.patchFail;
    this.patched.push({ name, patch });
    return undefined;
  }
}

const kingress = {
  apiVersion: 'networking.internal.knative.dev/v1alpha1',
  kind: 'Ingress',
  metadata: { name: 'hello', namespace: 'default', uid: 'u-1', resourceVersion: '7' },
};

describe('EventRecorder', () => {
  test('creates a core/v1 Event on the object, in its namespace', async () => {
    const clock = new FakeClock();
    await clock.advance(Date.UTC(2024, 0, 2, 3, 4, 5));
    const sink = new FakeSink();
    const rec = new EventRecorder(sink, { clock, instance: 'pod-1' });
    await rec.record(kingress, 'Warning', 'NotOwned', 'VirtualService default/hello-ingress is not owned by us');
    expect(sink.created).toHaveLength(1);
    const ev = sink.created[0];
    expect(ev).toMatchObject({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { namespace: 'default' },
      involvedObject: { kind: 'Ingress', name: 'hello', namespace: 'default', uid: 'u-1', resourceVersion: '7' },
      type: 'Warning',
      reason: 'NotOwned',
      reportingComponent: 'net-higress',
      reportingInstance: 'pod-1',
      source: { component: 'net-higress', host: 'pod-1' },
      firstTimestamp: '2024-01-02T03:04:05Z',
      count: 1,
    });
    expect(ev?.metadata.name).toMatch(/^hello\.[0-9a-f]+$/);
  });

  test('a repeat within the window bumps the count instead of creating another', async () => {
    const clock = new FakeClock();
    const sink = new FakeSink();
    const rec = new EventRecorder(sink, { clock, dedupWindowMs: 60_000 });
    await rec.record(kingress, 'Warning', 'UpdateFailed', 'boom');
    await clock.advance(1_000);
    await rec.record(kingress, 'Warning', 'UpdateFailed', 'boom');
    await rec.record(kingress, 'Warning', 'UpdateFailed', 'different');
    expect(sink.created).toHaveLength(2);
    expect(sink.patched).toEqual([
      { name: sink.created[0]?.metadata.name, patch: { count: 2, lastTimestamp: '1970-01-01T00:00:01Z' } },
    ]);
    await clock.advance(60_000);
    await rec.record(kingress, 'Warning', 'UpdateFailed', 'boom');
    expect(sink.created).toHaveLength(3);
  });

  test('a repeat whose event was deleted creates a new one', async () => {
    const sink = new FakeSink();
    const rec = new EventRecorder(sink, { clock: new FakeClock() });
    await rec.record(kingress, 'Normal', 'Created', 'x');
    sink.patchFail = new ApiException(404, 'x', JSON.stringify({ code: 404, reason: 'NotFound' }), {});
    await rec.record(kingress, 'Normal', 'Created', 'x');
    expect(sink.created).toHaveLength(2);
  });

  test('failures are reported to the callback, never thrown', async () => {
    const sink = new FakeSink();
    sink.fail = new ApiException(
      403,
      'x',
      JSON.stringify({ code: 403, reason: 'Forbidden', message: 'events is forbidden' }),
      {},
    );
    const seen: string[] = [];
    const rec = new EventRecorder(sink, {
      onError: (_err, summary) => {
        seen.push(summary);
        throw new Error('logger broke too');
      },
    });
    await expect(rec.record(kingress, 'Warning', 'InternalError', 'x')).resolves.toBeUndefined();
    expect(seen).toEqual(['Warning InternalError on Ingress default/hello']);
  });

  test('long messages are truncated', async () => {
    const sink = new FakeSink();
    const rec = new EventRecorder(sink);
    await rec.record(kingress, 'Warning', 'X', 'y'.repeat(5000));
    expect(sink.created[0]?.message.length).toBeLessThanOrEqual(1024);
  });
});
