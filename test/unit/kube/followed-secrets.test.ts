import { describe, expect, test } from '@jest/globals';
import type { ObjectRef } from '../../../src/api/meta.js';
import { FollowedSecrets } from '../../../src/kube/followed-secrets.js';
import { Informer, type ListWatchSource } from '../../../src/kube/informer.js';
import type { KubeObject } from '../../../src/kube/types.js';

const secret = (ns: string, name: string, rv: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { namespace: ns, name, resourceVersion: rv },
});

/** One Secret's list+watch, as `fieldSelector=metadata.name=<name>` serves it: the test pushes its events. */
class OneSecret implements ListWatchSource<KubeObject> {
  stopped = false;
  listError: unknown;
  push: ((type: string, obj: unknown) => void) | undefined;
  constructor(readonly items: KubeObject[]) {}
  async list() {
    if (this.listError) throw this.listError;
    return { items: this.items, resourceVersion: '1' };
  }
  async watch(_rv: string, _t: number, onEvent: (type: string, obj: unknown) => void) {
    this.push = onEvent;
    return {
      abort: () => {
        this.stopped = true;
      },
    };
  }
}

function setup(existing: Record<string, KubeObject[]> = {}, listError?: unknown) {
  const sources = new Map<string, OneSecret>();
  const started: string[] = [];
  const changes: string[] = [];
  const followed = new FollowedSecrets({
    watchOne: (ref: ObjectRef) => {
      const source = new OneSecret(existing[`${ref.namespace}/${ref.name}`] ?? []);
      source.listError = listError;
      sources.set(`${ref.namespace}/${ref.name}`, source);
      started.push(`${ref.namespace}/${ref.name}`);
      return new Informer(source, {
        resyncMs: 0,
        minBackoffMs: 5,
        maxBackoffMs: 5,
        watchTimeoutSeconds: () => 1,
        watchdogGraceMs: 0,
      });
    },
    onChange: (obj) =>
      changes.push(`${obj.metadata?.namespace}/${obj.metadata?.name}@${obj.metadata?.resourceVersion}`),
    syncTimeoutMs: 200,
  });
  return { followed, sources, changes, started };
}

describe('FollowedSecrets', () => {
  test('the first lookup starts one watch for that Secret and returns it; later lookups reuse the watch', async () => {
    const { followed, sources } = setup({ 'team-a/cert': [secret('team-a', 'cert', '5')] });
    expect((await followed.get({ namespace: 'team-a', name: 'cert' }))?.metadata?.resourceVersion).toBe('5');
    expect(await followed.get({ namespace: 'team-a', name: 'cert' })).toBeDefined();
    expect([...sources.keys()]).toEqual(['team-a/cert']);
    expect(followed.keys()).toEqual(['team-a/cert']);
    await followed.stopAll();
  });

  test('changes after the first list are reported (a rotation, a deletion, a late creation); the first list is not', async () => {
    const { followed, sources, changes } = setup({ 'team-a/cert': [secret('team-a', 'cert', '5')] });
    await followed.get({ namespace: 'team-a', name: 'cert' });
    expect(await followed.get({ namespace: 'team-a', name: 'missing' })).toBeUndefined();
    sources.get('team-a/cert')?.push?.('MODIFIED', secret('team-a', 'cert', '6'));
    sources.get('team-a/missing')?.push?.('ADDED', secret('team-a', 'missing', '7'));
    sources.get('team-a/cert')?.push?.('DELETED', secret('team-a', 'cert', '8'));
    expect(changes).toEqual(['team-a/cert@6', 'team-a/missing@7', 'team-a/cert@8']);
    expect((await followed.get({ namespace: 'team-a', name: 'missing' }))?.metadata?.resourceVersion).toBe('7');
    await followed.stopAll();
  });

  test('retain stops the watches of Secrets no longer named', async () => {
    const { followed, sources } = setup();
    await followed.get({ namespace: 'a', name: 'one' });
    await followed.get({ namespace: 'b', name: 'two' });
    await followed.retain(new Set(['b/two']));
    expect(followed.keys()).toEqual(['b/two']);
    expect(sources.get('a/one')?.stopped).toBe(true);
    expect(sources.get('b/two')?.stopped).toBe(false);
    await followed.stopAll();
    expect(sources.get('b/two')?.stopped).toBe(true);
  });

  test('a watch that cannot list fails the lookup and is dropped, so the next lookup starts afresh', async () => {
    const { followed, started } = setup({}, new Error('secrets "denied" is forbidden'));
    await expect(followed.get({ namespace: 'a', name: 'denied' })).rejects.toThrow('cache did not sync within 200 ms');
    expect(followed.keys()).toEqual([]);
    await expect(followed.get({ namespace: 'a', name: 'denied' })).rejects.toThrow('cache did not sync within 200 ms');
    expect(started).toEqual(['a/denied', 'a/denied']);
  });
});
