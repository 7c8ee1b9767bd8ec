import type https from 'node:https';
import { afterEach, expect, test } from '@jest/globals';
import { RestClient, type KubeAccess } from '../../../src/kube/rest.js';
import { json, StubServer } from './stubserver.js';

let stub: StubServer | undefined;

afterEach(async () => {
  await stub?.stop();
  stub = undefined;
});

/** The stub's kubeconfig with `suffix` appended to its server URL (a path prefix, as behind a proxy). */
async function clientFor(suffix: string): Promise<RestClient> {
  stub = new StubServer();
  const kc = await stub.start();
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('no cluster');
  const access: KubeAccess = {
    getCurrentCluster: () => ({ ...cluster, server: cluster.server + suffix }),
    applyToHTTPSOptions: (opts: https.RequestOptions) => kc.applyToHTTPSOptions(opts),
  };
  return new RestClient(access);
}

test("requests go under the server URL's path, with the query encoded and unset fields left out", async () => {
  const rest = await clientFor('/k8s/clusters/c-1/');
  try {
    await rest.request({
      method: 'GET',
      path: '/apis/networking.istio.io/v1beta1/virtualservices',
      query: { labelSelector: 'a=b,c!=d', continue: 'eyJ2Ijoi+/=', limit: 250, watch: undefined },
    });
    const seen = stub?.seen[0];
    expect(seen?.path).toBe('/k8s/clusters/c-1/apis/networking.istio.io/v1beta1/virtualservices');
    expect([...(seen?.query ?? [])]).toEqual([
      ['labelSelector', 'a=b,c!=d'],
      ['continue', 'eyJ2Ijoi+/='],
      ['limit', '250'],
    ]);
  } finally {
    rest.close();
  }
});

test('a body with non-ASCII text arrives whole: its length is counted in bytes', async () => {
  const rest = await clientFor('');
  try {
    if (stub) stub.handler = (req, res) => json(res, 201, req.body);
    const body = { metadata: { name: 'x', annotations: { note: 'größe ✓ 🚀' } } };
    const echoed = await rest.request({ method: 'POST', path: '/api/v1/namespaces/n/configmaps', body });
    expect(echoed).toEqual(body);
    expect(stub?.seen[0]?.contentType).toBe('application/json');
  } finally {
    rest.close();
  }
});
