import { describe, expect, test } from '@jest/globals';
import { ExponentialBackoff, TokenBucket } from '../../../src/kube/ratelimit.js';
import { type ProcessResult, WorkQueue } from '../../../src/kube/workqueue.js';
import { FakeClock, flush } from './fakeclock.js';

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Records every call and lets the test decide when each one finishes. */
class Recorder {
  readonly calls: Array<{ key: string; at: number }> = [];
  private readonly running = new Map<string, number>();
  maxConcurrentPerKey = 0;
  maxConcurrent = 0;
  private total = 0;
  gates: Deferred[] = [];

  constructor(
    private readonly clock: FakeClock,
    private readonly behave: (key: string, call: number) => Promise<ProcessResult | void> = async () => undefined,
  ) {}

  readonly handler = async (key: string): Promise<ProcessResult | void> => {
    this.calls.push({ key, at: this.clock.now() });
    const n = (this.running.get(key) ?? 0) + 1;
    this.running.set(key, n);
    this.total += 1;
    this.maxConcurrentPerKey = Math.max(this.maxConcurrentPerKey, n);
    this.maxConcurrent = Math.max(this.maxConcurrent, this.total);
    try {
      return await this.behave(key, this.calls.filter((c) => c.key === key).length);
    } finally {
      this.running.set(key, (this.running.get(key) ?? 1) - 1);
      this.total -= 1;
    }
  };

  count(key: string): number {
    return this.calls.filter((c) => c.key === key).length;
  }
}

function gated(rec: { gates: Deferred[] }): () => Promise<void> {
  return async () => {
    const gate = deferred();
    rec.gates.push(gate);
    await gate.promise;
  };
}

describe('WorkQueue', () => {
  test('a key queued several times while waiting runs once', async () => {
    const clock = new FakeClock();
    const rec = new Recorder(clock);
    const q = new WorkQueue(rec.handler, { clock });
    q.add('ns/a');
    q.add('ns/a');
    q.add('ns/b');
    q.add('ns/a');
    expect(q.depth()).toBe(2);
    q.start();
    await flush();
    expect(rec.count('ns/a')).toBe(1);
    expect(rec.count('ns/b')).toBe(1);
    expect(q.depth()).toBe(0);
  });

  test('a key added while it runs is re-run once afterwards, never concurrently', async () => {
    const clock = new FakeClock();
    const rec: Recorder = new Recorder(clock, () => gated(rec)());
    const q = new WorkQueue(rec.handler, { clock, workers: 4 });
    q.start();
    q.add('ns/a');
    await flush();
    expect(q.active()).toBe(1);
    q.add('ns/a');
    q.add('ns/a');
    await flush();
    expect(rec.count('ns/a')).toBe(1);
    rec.gates[0]?.resolve();
    await flush();
    expect(rec.count('ns/a')).toBe(2);
    rec.gates[1]?.resolve();
    await flush();
    expect(rec.count('ns/a')).toBe(2);
    expect(rec.maxConcurrentPerKey).toBe(1);
    expect(q.active()).toBe(0);
  });

  test('failures back off exponentially per key, and forget resets the backoff', async () => {
    const clock = new FakeClock();
    let fail = true;
    const errors: Array<[string, number]> = [];
    const rec = new Recorder(clock, async () => {
      if (fail) throw new Error('boom');
    });
    const q = new WorkQueue(rec.handler, { clock, onError: (key, _err, n) => errors.push([key, n]) });
    q.start();
    q.add('ns/a');
    await clock.advance(200);
    const times = rec.calls.map((c) => c.at);
    expect(times.slice(0, 6)).toEqual([0, 5, 15, 35, 75, 155]);
    expect(errors[0]).toEqual(['ns/a', 0]);
    expect(q.numRequeues('ns/a')).toBeGreaterThanOrEqual(6);

    fail = false;
    await clock.advance(1000);
    expect(q.numRequeues('ns/a')).toBe(0);
    const calls = rec.count('ns/a');
    fail = true;
    q.add('ns/a');
    await clock.advance(4);
    expect(rec.count('ns/a')).toBe(calls + 1);
    await clock.advance(1);
    expect(rec.count('ns/a')).toBe(calls + 2);
    await q.shutdown();
  });

  test('forget() called from outside resets the backoff of a key', () => {
    const clock = new FakeClock();
    const q = new WorkQueue(async () => undefined, { clock, qps: 0 });
    q.addRateLimited('ns/a');
    q.addRateLimited('ns/a');
    expect(q.numRequeues('ns/a')).toBe(2);
    q.forget('ns/a');
    expect(q.numRequeues('ns/a')).toBe(0);
  });

  test('exponential backoff doubles from the base and stops at the max', () => {
    const b = new ExponentialBackoff(5, 1000);
    const delays = Array.from({ length: 10 }, () => b.when('k'));
    expect(delays).toEqual([5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
    expect(b.when('other')).toBe(5);
    b.forget('k');
    expect(b.when('k')).toBe(5);
    const big = new ExponentialBackoff(5, 1_000_000);
    for (let i = 0; i < 2000; i++) big.when('k');
    expect(big.when('k')).toBe(1_000_000);
  });

  test('requeue and requeueAfterMs results', async () => {
    const clock = new FakeClock();
    const rec = new Recorder(clock, async (key, call) => {
      if (key === 'ns/later' && call === 1) return { requeueAfterMs: 300 };
      if (key === 'ns/again' && call <= 2) return { requeue: true };
      return undefined;
    });
    const q = new WorkQueue(rec.handler, { clock });
    q.start();
    q.add('ns/later');
    q.add('ns/again');
    await clock.advance(299);
    expect(rec.count('ns/later')).toBe(1);
    expect(rec.calls.filter((c) => c.key === 'ns/again').map((c) => c.at)).toEqual([0, 5, 15]);
    await clock.advance(1);
    expect(rec.count('ns/later')).toBe(2);
    expect(q.numRequeues('ns/later')).toBe(0);
    expect(q.numRequeues('ns/again')).toBe(0);
  });

  test('addAfter waits, and an earlier delay for the same key wins', async () => {
    const clock = new FakeClock();
    const rec = new Recorder(clock);
    const q = new WorkQueue(rec.handler, { clock });
    q.start();
    q.addAfter('ns/a', 100);
    q.addAfter('ns/a', 500);
    q.addAfter('ns/b', 300);
    q.addAfter('ns/b', 50);
    expect(q.delayed()).toBe(2);
    await clock.advance(49);
    expect(rec.calls).toEqual([]);
    await clock.advance(1);
    expect(rec.calls).toEqual([{ key: 'ns/b', at: 50 }]);
    await clock.advance(50);
    expect(rec.calls).toEqual([
      { key: 'ns/b', at: 50 },
      { key: 'ns/a', at: 100 },
    ]);
    await clock.advance(1000);
    expect(rec.calls).toHaveLength(2);
    q.addAfter('ns/c', 0);
    await flush();
    expect(rec.count('ns/c')).toBe(1);
  });

  test('cancel drops a delayed key and its backoff; other keys keep theirs', async () => {
    const clock = new FakeClock();
    const rec = new Recorder(clock);
    const q = new WorkQueue(rec.handler, { clock });
    q.start();
    q.addRateLimited('ns/a');
    q.addRateLimited('ns/a');
    q.addAfter('ns/b', 100);
    expect(q.delayed()).toBe(2);
    q.cancel('ns/a');
    q.cancel('ns/never-added');
    expect(q.delayed()).toBe(1);
    expect(q.numRequeues('ns/a')).toBe(0);
    await clock.advance(1000);
    expect(rec.calls).toEqual([{ key: 'ns/b', at: 100 }]);
  });

  test('never runs more keys at once than there are workers', async () => {
    const clock = new FakeClock();
    const rec: Recorder = new Recorder(clock, () => gated(rec)());
    const q = new WorkQueue(rec.handler, { clock, workers: 3 });
    q.start();
    for (let i = 0; i < 10; i++) q.add(`ns/k${i}`);
    await flush();
    expect(q.active()).toBe(3);
    expect(q.depth()).toBe(7);
    for (let done = 0; done < 10; done++) {
      rec.gates[done]?.resolve();
      await flush();
    }
    expect(rec.calls).toHaveLength(10);
    expect(rec.maxConcurrent).toBe(3);
    expect(q.depth()).toBe(0);
    expect(q.active()).toBe(0);
  });

  test('the token bucket hands out the burst, then one token per 1/qps', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(10, 3, clock);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 0]);
    expect(bucket.reserve()).toBe(100);
    expect(bucket.reserve()).toBe(200);
    await clock.advance(10_000);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 0, 100]);
  });

  test('retries of many failing keys are held to the global rate', async () => {
    const clock = new FakeClock();
    const rec = new Recorder(clock, async (_key, call) => {
      if (call === 1) throw new Error('first attempt fails');
    });
    const q = new WorkQueue(rec.handler, { clock, workers: 50, qps: 10, burst: 5 });
    q.start();
    for (let i = 0; i < 20; i++) q.add(`ns/k${i}`);
    await flush();
    expect(rec.calls).toHaveLength(20);
    await clock.advance(5);
    expect(rec.calls).toHaveLength(25);
    await clock.advance(995);
    expect(rec.calls).toHaveLength(35);
    await clock.advance(500);
    expect(rec.calls).toHaveLength(40);
  });

  test('shutdown with drain waits for running handlers and drops queued keys', async () => {
    const clock = new FakeClock();
    const rec: Recorder = new Recorder(clock, () => gated(rec)());
    const q = new WorkQueue(rec.handler, { clock, workers: 1 });
    q.start();
    q.add('ns/a');
    q.add('ns/b');
    q.addAfter('ns/c', 10);
    await flush();
    expect(q.active()).toBe(1);

    let drained = false;
    const shutdown = q.shutdown({ drain: true }).then(() => {
      drained = true;
    });
    q.add('ns/d');
    await clock.advance(100);
    expect(drained).toBe(false);
    rec.gates[0]?.resolve();
    await shutdown;
    expect(drained).toBe(true);
    await clock.advance(100);
    expect(rec.calls.map((c) => c.key)).toEqual(['ns/a']);
    expect(q.depth()).toBe(0);
    expect(clock.pending()).toBe(0);
    expect(() => q.start()).toThrow();
  });

  test('shutdown without drain resolves at once', async () => {
    const clock = new FakeClock();
    const rec: Recorder = new Recorder(clock, () => gated(rec)());
    const q = new WorkQueue(rec.handler, { clock });
    q.start();
    q.add('ns/a');
    await flush();
    await q.shutdown();
    expect(q.isShuttingDown()).toBe(true);
    rec.gates[0]?.resolve();
    await flush();
    expect(rec.calls).toHaveLength(1);
  });

  test('a handler that throws synchronously is retried and does not stall the queue', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const q = new WorkQueue(
      (key) => {
        calls += 1;
        if (key === 'ns/bad' && calls === 1) throw new Error('sync');
        return Promise.resolve();
      },
      {
        clock,
        onError: () => {
          throw new Error('logger broke');
        },
      },
    );
    q.start();
    q.add('ns/bad');
    await clock.advance(5);
    expect(calls).toBe(2);
    q.add('ns/good');
    await flush();
    expect(calls).toBe(3);
  });
});
