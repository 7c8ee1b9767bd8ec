// RestClient's connection pool (Http1Pool) is for one server and one TLS identity: safe only because a new
// client certificate gets a new pool. Checked against the real kube-apiserver, which names the user of each
// request: rotated credentials must never ride on a connection authenticated with the old ones.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type https from 'node:https';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { testKubeconfigPath, testKubeConfig } from '../../harness/kube.js';
import { RestClient, type KubeAccess } from '../../../src/kube/rest.js';
import { TcpProxy } from './tcpproxy.js';

const pki = path.join(path.dirname(testKubeconfigPath()), 'pki');
let proxy: TcpProxy;

beforeAll(async () => {
  const server = new URL(testKubeConfig().getCurrentCluster()?.server ?? '');
  proxy = new TcpProxy(server.hostname, Number(server.port));
  await proxy.listen();
});

afterAll(() => proxy.close());

/** A client certificate for `user`, signed by the control plane's client CA. */
function clientCert(user: string): { cert: Buffer; key: Buffer } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tls-identity-'));
  const run = (args: string[]) => {
    const res = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${res.stderr}`);
  };
  // The key is a secret: nothing of it is left in the temporary directory.
  try {
    writeFileSync(path.join(dir, 'u.ext'), 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
    run([
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'u.key',
      '-out',
      'u.csr',
      '-subj',
      `/CN=${user}`,
    ]);
    const ca = ['-CA', path.join(pki, 'client-ca.crt'), '-CAkey', path.join(pki, 'client-ca.key')];
    run(['x509', '-req', '-in', 'u.csr', ...ca, '-CAcreateserial', '-days', '1', '-extfile', 'u.ext', '-out', 'u.crt']);
    return { cert: readFileSync(path.join(dir, 'u.crt')), key: readFileSync(path.join(dir, 'u.key')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Credentials that can be swapped between requests, as a rotated kubeconfig's would be. */
class RotatingAccess implements KubeAccess {
  constructor(public identity: { cert: Buffer; key: Buffer }) {}
  getCurrentCluster() {
    return { server: `https://127.0.0.1:${proxy.port}`, skipTLSVerify: false };
  }
  async applyToHTTPSOptions(opts: https.RequestOptions): Promise<void> {
    opts.ca = readFileSync(path.join(pki, 'serving-ca.crt'));
    opts.cert = this.identity.cert;
    opts.key = this.identity.key;
  }
}

async function whoAmI(rest: RestClient): Promise<string> {
  const review = await rest.request<{ status?: { userInfo?: { username?: string } } }>({
    method: 'POST',
    path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  return review.status?.userInfo?.username ?? '';
}

test('one connection per client certificate: requests reuse it, a rotated certificate never does', async () => {
  const access = new RotatingAccess(clientCert('identity-one'));
  const rest = new RestClient(access);
  try {
    const before = proxy.accepted;
    for (let i = 0; i < 10; i++) expect(await whoAmI(rest)).toBe('identity-one');
    expect(proxy.accepted - before).toBe(1);

    access.identity = clientCert('identity-two');
    for (let i = 0; i < 10; i++) expect(await whoAmI(rest)).toBe('identity-two');
    expect(proxy.accepted - before).toBe(2);
  } finally {
    rest.close();
  }
});
