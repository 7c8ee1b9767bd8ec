// Everything render/translate can produce is accepted by the real Istio and core schemas of the API server.
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { loadAll } from 'js-yaml';
import { isAlreadyExists } from '../../../src/kube/errors.js';
import { RestClient } from '../../../src/kube/rest.js';
import { collectionPath, resourceFor } from '../../../src/kube/resources.js';
import { testKubeConfig } from '../../harness/kube.js';

const goldenDir = new URL('../../fixtures/translate/golden/', import.meta.url);
const rest = new RestClient(testKubeConfig());
afterAll(() => rest.close());

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
  data?: Record<string, string>;
}

const objects: Array<[string, Obj]> = readdirSync(goldenDir)
  .sort()
  .flatMap((file) =>
    (loadAll(readFileSync(new URL(file, goldenDir), 'utf8')) as Obj[]).map((o): [string, Obj] => [
      `${file}: ${o.kind} ${o.metadata.namespace}/${o.metadata.name}`,
      o,
    ]),
  );

beforeAll(async () => {
  for (const ns of new Set(objects.map(([, o]) => o.metadata.namespace))) {
    try {
      await rest.request({
        method: 'POST',
        path: '/api/v1/namespaces',
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }
});

describe('golden outputs pass the server-side schemas (dry run)', () => {
  test('there is something to check', () => {
    expect(objects.filter(([, o]) => o.kind === 'VirtualService').length).toBeGreaterThan(15);
    expect(objects.filter(([, o]) => o.kind === 'Gateway').length).toBeGreaterThan(8);
  });

  test('the Higress route annotation golden is among them, with every route field the annotations write', () => {
    const http = objects
      .filter(([name, o]) => name.startsWith('route-annotations.yaml') && o.kind === 'VirtualService')
      .flatMap(([, o]) => (o as unknown as { spec: { http: Array<Record<string, unknown>> } }).spec.http);
    const fields = new Set(http.flatMap((r) => Object.keys(r)));
    const rewrites = new Set(http.flatMap((r) => Object.keys(r.rewrite ?? {})));
    expect({ fields: [...fields].sort(), rewrites: [...rewrites].sort() }).toEqual({
      fields: [
        'corsPolicy',
        'headers',
        'match',
        'mirror',
        'mirrorPercentage',
        'name',
        'redirect',
        'retries',
        'rewrite',
        'route',
        'timeout',
      ],
      rewrites: ['authority', 'uri', 'uriRegexRewrite'],
    });
  });

  test.each(objects)('%s', async (_name, obj) => {
    // Redacted secret data is not base64; give the dry run real bytes.
    const body =
      obj.kind === 'Secret'
        ? { ...obj, data: Object.fromEntries(Object.keys(obj.data ?? {}).map((k) => [k, 'eA=='])) }
        : obj;
    const { rt, version } = resourceFor(obj.apiVersion, obj.kind);
    const stored = await rest.request<Obj & { spec?: unknown }>({
      method: 'POST',
      path: collectionPath(rt, obj.metadata.namespace, version),
      query: { dryRun: 'All', fieldValidation: 'Strict' },
      body,
    });
    // Nothing pruned or defaulted away: the server keeps exactly what we would write.
    expect((stored as { spec?: unknown }).spec).toEqual((obj as { spec?: unknown }).spec);
  });
});
