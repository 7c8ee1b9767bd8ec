import { describe, test, expect } from '@jest/globals';
import { ProbeScheduler } from '../../../src/prober/scheduler.js';
import { FakeClock } from '../kube/fakeclock.js';

interface Item {
  id: string;
}

/** A scheduler whose attempts are decided by `outcome(item, attemptNumber)`; records when each attempt started. */
function harness(
  outcome: (item: Item, n: number) => boolean | Promise<boolean>,
  opts: ConstructorParameters<typeof ProbeScheduler>[2] = {},
) {
  const clock = new FakeClock();
  const attempts = new Map<string, number[]>();
  const live = new Set<string>();
  const scheduler = new ProbeScheduler<Item>(
    async (item) => {
      const times = attempts.get(item.id) ?? [];
      times.push(clock.now());
      attempts.set(item.id, times);
      const done = await outcome(item, times.length);
      if (done) live.delete(item.id);
      return done;
    },
    (item) => live.has(item.id),
    opts,
    clock,
  );
  const add = (id: string) => {
    live.add(id);
    scheduler.add({ id });
  };
  return { clock, attempts, live, scheduler, add };
}

const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);

describe('per-item backoff', () => {
  test('retries after 50 ms, doubling up to 30 s', async () => {
    const h = harness(() => false);
    h.add('a');
    await h.clock.advance(200_000);
    const times = h.attempts.get('a') ?? [];
    expect(times[0]).toBe(0);
    expect(gaps(times).slice(0, 13)).toEqual([
      50, 100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000, 30000,
    ]);
    h.scheduler.stop();
  });

  test('the first probe waits for the initial delay', async () => {
    const h = harness(() => true, { initialDelayMs: 200 });
    h.add('a');
    await h.clock.advance(199);
    expect(h.attempts.get('a')).toBeUndefined();
    await h.clock.advance(1);
    expect(h.attempts.get('a')).toEqual([200]);
  });

  test("success ends an item: no timer left; another item's backoff is its own", async () => {
    const h = harness((item, n) => (item.id === 'a' ? n === 3 : false));
    h.add('a');
    await h.clock.advance(100);
    h.add('b');
    await h.clock.advance(10_000);
    expect(gaps(h.attempts.get('a') ?? [])).toEqual([50, 100]);
    expect(gaps(h.attempts.get('b') ?? []).slice(0, 3)).toEqual([50, 100, 200]);
    h.live.delete('b');
    await h.clock.advance(60_000);
    expect(h.scheduler.stats()).toEqual({ scheduled: 0, due: 0, active: 0 });
  });

  test('a rejected attempt is retried like a failed one', async () => {
    const h = harness((_i, n) => {
      if (n < 3) throw new Error('boom');
      return true;
    });
    h.add('a');
    await h.clock.advance(1000);
    expect(gaps(h.attempts.get('a') ?? [])).toEqual([50, 100]);
  });

  test('an item that is no longer live (cancelled probing) is neither sent nor retried', async () => {
    const h = harness(() => false);
    h.add('a');
    await h.clock.advance(60);
    expect(h.attempts.get('a')).toEqual([0, 50]);
    h.live.delete('a');
    await h.clock.advance(10_000);
    expect(h.attempts.get('a')).toEqual([0, 50]);
  });

  test("drop() clears a waiting item's timer at once", async () => {
    const h = harness(() => false);
    h.add('a');
    await h.clock.advance(1);
    expect(h.scheduler.stats().scheduled).toBe(1);
    h.scheduler.drop([{ id: 'a' }]);
    expect(h.scheduler.stats().scheduled).toBe(0);
  });
});

describe('global limits', () => {
  test('at most `concurrency` probes in flight; the rest wait for a slot', async () => {
    const release: Array<() => void> = [];
    let inFlight = 0;
    let most = 0;
    const h = harness(
      () =>
        new Promise<boolean>((resolve) => {
          inFlight += 1;
          most = Math.max(most, inFlight);
          release.push(() => {
            inFlight -= 1;
            resolve(true);
          });
        }),
      { concurrency: 15 },
    );
    for (let i = 0; i < 40; i++) h.add(`i${i}`);
    await h.clock.advance(1);
    expect(h.scheduler.stats()).toEqual({ scheduled: 0, due: 25, active: 15 });
    for (const r of release.splice(0, 5)) r();
    await h.clock.advance(1);
    expect(h.scheduler.stats().active).toBe(15);
    expect(h.attempts.size).toBe(20);
    while (release.length > 0) {
      for (const r of release.splice(0)) r();
      await h.clock.advance(1);
    }
    expect(h.attempts.size).toBe(40);
    expect(most).toBe(15);
  });

  test('retries of all items together stay within the token bucket (50 qps, burst 100)', async () => {
    // 300 pods fail once: the first 100 retries use the burst, the other 200 come at 50 per second.
    const h = harness((_i, n) => n === 2);
    for (let i = 0; i < 300; i++) h.add(`p${i}`);
    await h.clock.advance(1000);
    const retried = () => [...h.attempts.values()].filter((t) => t.length === 2).length;
    expect(retried()).toBeGreaterThanOrEqual(100);
    expect(retried()).toBeLessThanOrEqual(151);
    await h.clock.advance(3100);
    expect(retried()).toBe(300);
  });
});
