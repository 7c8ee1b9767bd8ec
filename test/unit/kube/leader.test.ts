import { describe, expect, test } from '@jest/globals';
import { ApiException } from '@kubernetes/client-node';
import { type Lease, LeaderElector, leaderIdentity, type LeaseStore, microTime } from '../../../src/kube/leader.js';
import { FakeClock } from './fakeclock.js';

function conflict(): ApiException<string> {
  const body = JSON.stringify({
    kind: 'Status',
    code: 409,
    reason: 'Conflict',
    message: 'the object has been modified',
  });
  return new ApiException(409, 'Unsuccessful HTTP Request', body, {});
}

/** An API server's view of one Lease: resourceVersion checks, and a switch to cut one client off. */
class MemoryLeases {
  lease: Lease | undefined;
  private rv = 0;
  readonly down = new Set<string>();
  writes: Lease[] = [];

  storeFor(who: string): LeaseStore {
    const check = (): void => {
      if (this.down.has(who)) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    };
    return {
      get: async () => {
        check();
        return this.lease && structuredClone(this.lease);
      },
      create: async (lease) => {
        check();
        if (this.lease) throw new ApiException(409, 'x', JSON.stringify({ code: 409, reason: 'AlreadyExists' }), {});
        return this.save(lease);
      },
      update: async (lease) => {
        check();
        if (lease.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) throw conflict();
        return this.save(lease);
      },
    };
  }

  private save(lease: Lease): Lease {
    this.rv += 1;
    this.lease = structuredClone({ ...lease, metadata: { ...lease.metadata, resourceVersion: String(this.rv) } });
    this.writes.push(this.lease);
    return structuredClone(this.lease);
  }
}

function elector(clock: FakeClock, leases: MemoryLeases, id: string, log: string[]) {
  return new LeaderElector(leases.storeFor(id), {
    namespace: 'higress-system',
    name: 'net-higress',
    identity: id,
    clock,
    onStartedLeading: () => log.push(`${id} started`),
    onStoppedLeading: () => log.push(`${id} stopped`),
    onError: () => undefined,
  });
}

describe('LeaderElector', () => {
  test('MicroTime has six fractional digits', () => {
    expect(microTime(Date.UTC(2024, 4, 1, 10, 0, 0, 123))).toBe('2024-05-01T10:00:00.123000Z');
  });

  test('acquires a free lease at once and renews it every retry period', async () => {
    const clock = new FakeClock();
    const leases = new MemoryLeases();
    const log: string[] = [];
    const a = elector(clock, leases, 'a', log);
    a.start();
    await clock.advance(0);
    expect(log).toEqual(['a started']);
    expect(a.isLeader()).toBe(true);
    expect(leases.lease?.spec).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });
    expect(leases.lease?.spec?.renewTime).toMatch(/\.\d{6}Z$/);
    const acquired = leases.lease?.spec?.acquireTime;
    await clock.advance(6_000);
    expect(leases.writes).toHaveLength(4);
    expect(leases.lease?.spec?.acquireTime).toBe(acquired);
    expect(leases.lease?.spec?.renewTime).toBe(microTime(6_000));
    await a.stop();
  });

  test('a standby waits, and takes over at once when the leader releases on stop', async () => {
    const clock = new FakeClock();
    const leases = new MemoryLeases();
    const log: string[] = [];
    const a = elector(clock, leases, 'a', log);
    const b = elector(clock, leases, 'b', log);
    a.start();
    await clock.advance(0);
    b.start();
    await clock.advance(30_000);
    expect(log).toEqual(['a started']);
    expect(b.isLeader()).toBe(false);
    expect(b.observedLeader()).toBe('a');

    await a.stop();
    expect(log).toEqual(['a started', 'a stopped']);
    expect(leases.lease?.spec?.holderIdentity).toBe('');
    await clock.advance(2_500);
    expect(log).toEqual(['a started', 'a stopped', 'b started']);
    expect(leases.lease?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    await b.stop();
  });

  test('a leader cut off from the API server steps down after the renew deadline; the standby takes over after the lease duration', async () => {
    const clock = new FakeClock();
    const leases = new MemoryLeases();
    const log: Array<string> = [];
    const a = elector(clock, leases, 'a', log);
    const b = elector(clock, leases, 'b', log);
    a.start();
    await clock.advance(0);
    b.start();
    await clock.advance(1_000);
    leases.down.add('a');
    const cut = clock.now();
    const when: Record<string, number> = {};
    for (let t = 0; t < 30_000 && log.length < 3; t += 100) {
      await clock.advance(100);
      for (const entry of log) if (!(entry in when)) when[entry] = clock.now() - cut;
    }
    expect(log).toEqual(['a started', 'a stopped', 'b started']);
    expect(when['a stopped']).toBeLessThanOrEqual(10_000);
    expect(when['a stopped']).toBeGreaterThanOrEqual(8_000);
    // b last saw the lease change when it was created (1 s before the cut) and waits 15 s from then.
    expect(when['b started']).toBeGreaterThanOrEqual(13_000);
    expect(when['b started']).toBeLessThanOrEqual(18_000);
    expect(a.isLeader()).toBe(false);

    leases.down.delete('a');
    await clock.advance(10_000);
    expect(a.isLeader()).toBe(false);
    await a.stop();
    await b.stop();
  });

  test('rejects timings that cannot work', () => {
    const leases = new MemoryLeases();
    const base = {
      namespace: 'ns',
      name: 'n',
      identity: 'a',
      onStartedLeading: () => undefined,
      onStoppedLeading: () => undefined,
    };
    expect(() => new LeaderElector(leases.storeFor('a'), { ...base, leaseDurationMs: 10_000 })).toThrow();
    expect(() => new LeaderElector(leases.storeFor('a'), { ...base, retryPeriodMs: 10_000 })).toThrow();
  });
});

describe('leaderIdentity', () => {
  test('the pod name when set; else host name plus a suffix unique per process, as client-go', () => {
    expect(leaderIdentity({ POD_NAME: 'net-higress-7d9f-abcde' }, 'node-1')).toBe('net-higress-7d9f-abcde');
    const a = leaderIdentity({}, 'node-1');
    const b = leaderIdentity({ POD_NAME: '' }, 'node-1');
    expect(a).toMatch(/^node-1_[0-9a-f-]{36}$/);
    expect(b).toMatch(/^node-1_/);
    expect(a).not.toBe(b);
  });
});
