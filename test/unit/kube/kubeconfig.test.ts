import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type https from 'node:https';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { loadLeanKubeAccess } from '../../../src/kube/kubeconfig.js';

const dir = mkdtempSync(join(tmpdir(), 'lean-kc-'));
const none = { env: {}, home: join(dir, 'nohome'), serviceAccountTokenPath: join(dir, 'no-token') };
const b64 = (s: string) => Buffer.from(s).toString('base64');

function write(file: string, config: object): string {
  const path = join(dir, file);
  writeFileSync(path, JSON.stringify({ apiVersion: 'v1', kind: 'Config', ...config }));
  return path;
}

function single(file: string, cluster: object, user: object): string {
  return write(file, {
    clusters: [{ name: 'c', cluster: { server: 'https://c.example:6443', ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'ctx',
  });
}

async function applied(kubeconfig: string, opts: object = {}): Promise<https.RequestOptions> {
  const access = loadLeanKubeAccess({ ...none, kubeconfig, ...opts });
  if (!access) throw new Error('not handled by the lean loader');
  const out: https.RequestOptions = { headers: {} };
  await access.applyToHTTPSOptions(out);
  return out;
}

describe('loadLeanKubeAccess', () => {
  test('certificate data, CA data, tls-server-name and a bearer token', async () => {
    const file = single(
      'data',
      { 'certificate-authority-data': b64('CA'), 'tls-server-name': 'kubernetes' },
      { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY'), token: 'tok' },
    );
    const o = await applied(file);
    expect(o.ca).toEqual(Buffer.from('CA'));
    expect(o.cert).toEqual(Buffer.from('CERT'));
    expect(o.key).toEqual(Buffer.from('KEY'));
    expect(o.servername).toBe('kubernetes');
    expect((o.headers as Record<string, string>).Authorization).toBe('Bearer tok');
    expect(loadLeanKubeAccess({ ...none, kubeconfig: file })?.getCurrentCluster()).toEqual({
      server: 'https://c.example:6443',
      skipTLSVerify: false,
    });
  });

  test('file paths are relative to the kubeconfig; the TLS material is the same objects every request', async () => {
    mkdirSync(join(dir, 'pki'), { recursive: true });
    writeFileSync(join(dir, 'pki', 'ca.crt'), 'CAFILE');
    writeFileSync(join(dir, 'pki', 'tls.key'), 'KEYFILE');
    writeFileSync(join(dir, 'pki', 'tls.crt'), 'CERTFILE');
    const file = single(
      'files',
      { 'certificate-authority': 'pki/ca.crt', 'insecure-skip-tls-verify': false },
      { 'client-certificate': 'pki/tls.crt', 'client-key': join(dir, 'pki', 'tls.key') },
    );
    const access = loadLeanKubeAccess({ ...none, kubeconfig: file });
    const a: https.RequestOptions = {};
    const b: https.RequestOptions = {};
    await access?.applyToHTTPSOptions(a);
    await access?.applyToHTTPSOptions(b);
    expect([a.ca, a.cert, a.key]).toEqual([Buffer.from('CAFILE'), Buffer.from('CERTFILE'), Buffer.from('KEYFILE')]);
    expect(a.key).toBe(b.key);
  });

  test('a token file is re-read after a minute (rotated service-account tokens)', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'first\n');
    let now = 0;
    const access = loadLeanKubeAccess({ ...none, kubeconfig: single('tokenfile', {}, { tokenFile }) }, () => now);
    const auth = async () => {
      const o: https.RequestOptions = {};
      await access?.applyToHTTPSOptions(o);
      return (o.headers as Record<string, string>).Authorization;
    };
    expect(await auth()).toBe('Bearer first');
    writeFileSync(tokenFile, 'second\n');
    now = 30_000;
    expect(await auth()).toBe('Bearer first');
    now = 61_000;
    expect(await auth()).toBe('Bearer second');
  });

  test('basic auth, and insecure-skip-tls-verify turns verification off', async () => {
    const o = await applied(
      single('basic', { 'insecure-skip-tls-verify': true }, { username: 'admin', password: 'pw' }),
    );
    expect((o.headers as Record<string, string>).Authorization).toBe(`Basic ${b64('admin:pw')}`);
    expect(o.rejectUnauthorized).toBe(false);
  });

  test('in a cluster: the service host and port, the service-account token and CA next to it', async () => {
    const sa = join(dir, 'sa');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'token'), 'sa-token');
    writeFileSync(join(sa, 'ca.crt'), 'SACA');
    const access = loadLeanKubeAccess({
      env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' },
      home: join(dir, 'nohome'),
      serviceAccountTokenPath: join(sa, 'token'),
    });
    expect(access?.getCurrentCluster()?.server).toBe('https://[fd00::1]:443');
    const o: https.RequestOptions = {};
    await access?.applyToHTTPSOptions(o);
    expect(String(o.ca)).toBe('SACA');
    expect((o.headers as Record<string, string>).Authorization).toBe('Bearer sa-token');
  });

  test('KUBECONFIG lists merge, the first file picks the context; --context switches', () => {
    const a = write('merge-a', {
      clusters: [{ name: 'a', cluster: { server: 'https://a:1' } }],
      contexts: [{ name: 'a', context: { cluster: 'a' } }],
      'current-context': 'a',
    });
    const b = write('merge-b', {
      clusters: [{ name: 'b', cluster: { server: 'https://b:1' } }],
      contexts: [{ name: 'b', context: { cluster: 'b' } }],
      'current-context': 'b',
    });
    const env = { KUBECONFIG: [a, join(dir, 'missing'), b].join(delimiter) };
    expect(loadLeanKubeAccess({ ...none, env })?.getCurrentCluster()?.server).toBe('https://a:1');
    expect(loadLeanKubeAccess({ ...none, env, context: 'b' })?.getCurrentCluster()?.server).toBe('https://b:1');
    expect(() => loadLeanKubeAccess({ ...none, env, context: 'nope' })).toThrow('names no cluster');
    expect(() => loadLeanKubeAccess(none)).toThrow('no Kubernetes configuration found');
  });

  test('exec plugins, auth providers, impersonation and proxies are left to client-node', () => {
    expect(
      loadLeanKubeAccess({ ...none, kubeconfig: single('exec', {}, { exec: { command: 'aws' } }) }),
    ).toBeUndefined();
    expect(
      loadLeanKubeAccess({ ...none, kubeconfig: single('ap', {}, { 'auth-provider': { name: 'oidc' } }) }),
    ).toBeUndefined();
    expect(loadLeanKubeAccess({ ...none, kubeconfig: single('as', {}, { as: 'someone' }) })).toBeUndefined();
    expect(
      loadLeanKubeAccess({ ...none, kubeconfig: single('proxy', { 'proxy-url': 'http://proxy:3128' }, {}) }),
    ).toBeUndefined();
  });
});
