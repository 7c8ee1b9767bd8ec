import { existsSync, readFileSync } from 'node:fs';
import type https from 'node:https';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { load as yamlLoad } from 'js-yaml';
import type { KubeAccess } from './rest.js';

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** client-go re-reads a token file this often (bound service-account tokens rotate). */
const TOKEN_REREAD_MS = 60_000;

export interface KubeconfigLookup {
  /** `--kubeconfig`; wins over everything else. */
  kubeconfig?: string;
  /** Use this context instead of the file's current-context. */
  context?: string;
  env?: NodeJS.ProcessEnv;
  /** Where the service-account token lives (tests point it elsewhere). */
  serviceAccountTokenPath?: string;
  home?: string;
}

/** Where the configuration comes from, found the way controller-runtime looks. */
export type KubeconfigSource = { kind: 'files'; files: string[] } | { kind: 'in-cluster' };

/**
 * --kubeconfig, then $KUBECONFIG (a path list: every existing file, the first one's current-context
 * wins), then in-cluster, then ~/.kube/config. Unlike client-node's loadFromDefault it never falls back to
 * an unauthenticated http://localhost:8080, and it says where it looked when nothing was found.
 */
export function findKubeconfig(opts: KubeconfigLookup = {}): KubeconfigSource {
  const env = opts.env ?? process.env;
  const homeConfig = join(opts.home ?? homedir(), '.kube', 'config');
  if (opts.kubeconfig) return { kind: 'files', files: [opts.kubeconfig] };
  if (env.KUBECONFIG) {
    const files = env.KUBECONFIG.split(delimiter).filter((f) => f !== '' && existsSync(f));
    if (files.length === 0) throw new Error(`KUBECONFIG=${env.KUBECONFIG}: none of these files exists`);
    return { kind: 'files', files };
  }
  if (env.KUBERNETES_SERVICE_HOST && existsSync(opts.serviceAccountTokenPath ?? join(SA_DIR, 'token')))
    return { kind: 'in-cluster' };
  if (existsSync(homeConfig)) return { kind: 'files', files: [homeConfig] };
  throw new Error(
    'no Kubernetes configuration found: pass --kubeconfig, set KUBECONFIG, run in a cluster, or create ~/.kube/config',
  );
}

interface Named<T> {
  name: string;
  value: T;
}
interface RawCluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  'proxy-url'?: string;
}
interface RawUser {
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  exec?: unknown;
  'auth-provider'?: unknown;
  as?: unknown;
  'as-groups'?: unknown;
  'as-uid'?: unknown;
}

/** The parts of a kubeconfig this loader understands; anything else means client-node must do it. */
interface Resolved {
  cluster: RawCluster;
  user: RawUser;
  clusterDir: string;
  userDir: string;
}

/**
 * Loads the cluster access the operator needs without client-node: certificates, bearer tokens (also from
 * a rotating token file), basic auth, in-cluster service accounts. Returns undefined for what it does not
 * handle (exec plugins, auth providers, impersonation, proxies), where client-node's KubeConfig is used.
 */
export function loadLeanKubeAccess(opts: KubeconfigLookup = {}, now: () => number = Date.now): KubeAccess | undefined {
  const source = findKubeconfig(opts);
  const resolved = source.kind === 'in-cluster' ? inCluster(opts) : fromFiles(source.files, opts.context);
  const { cluster, user } = resolved;
  if (cluster['proxy-url'] || user.exec || user['auth-provider'] || user.as || user['as-groups'] || user['as-uid'])
    return undefined;
  if (!cluster.server) throw new Error('kubeconfig: the current cluster has no server');
  return new LeanKubeAccess(resolved, now);
}

function inCluster(opts: KubeconfigLookup): Resolved {
  const env = opts.env ?? process.env;
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  const tokenFile = opts.serviceAccountTokenPath ?? join(SA_DIR, 'token');
  return {
    cluster: {
      server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
      'certificate-authority': join(dirname(tokenFile), 'ca.crt'),
    },
    user: { tokenFile },
    clusterDir: '/',
    userDir: '/',
  };
}

interface RawConfig {
  'current-context'?: string;
  clusters?: Array<{ name: string; cluster: RawCluster }>;
  users?: Array<{ name: string; user: RawUser }>;
  contexts?: Array<{ name: string; context: { cluster?: string; user?: string } }>;
}

/** Like kubectl's merge: for each name the first file that defines it wins; relative paths are relative to that file. */
function fromFiles(files: string[], context: string | undefined): Resolved {
  const clusters = new Map<string, Named<RawCluster> & { dir: string }>();
  const users = new Map<string, Named<RawUser> & { dir: string }>();
  const contexts = new Map<string, { cluster?: string; user?: string }>();
  let current = context;
  for (const file of files) {
    const raw = (yamlLoad(readFileSync(file, 'utf8')) ?? {}) as RawConfig;
    const dir = dirname(file);
    current ??= raw['current-context'] || undefined;
    for (const c of raw.clusters ?? [])
      if (!clusters.has(c.name)) clusters.set(c.name, { name: c.name, value: c.cluster ?? {}, dir });
    for (const u of raw.users ?? [])
      if (!users.has(u.name)) users.set(u.name, { name: u.name, value: u.user ?? {}, dir });
    for (const c of raw.contexts ?? []) if (!contexts.has(c.name)) contexts.set(c.name, c.context ?? {});
  }
  const ctx = current === undefined ? undefined : contexts.get(current);
  const cluster = ctx?.cluster === undefined ? undefined : clusters.get(ctx.cluster);
  if (!cluster) throw new Error(`kubeconfig context "${current ?? ''}" names no cluster`);
  const user = ctx?.user === undefined ? undefined : users.get(ctx.user);
  return {
    cluster: cluster.value,
    user: user?.value ?? {},
    clusterDir: cluster.dir,
    userDir: user?.dir ?? cluster.dir,
  };
}

/** TLS material read once; a token file re-read every minute. */
class LeanKubeAccess implements KubeAccess {
  private readonly tls: Pick<https.RequestOptions, 'ca' | 'cert' | 'key' | 'servername' | 'rejectUnauthorized'> = {};
  private readonly cluster: { server: string; skipTLSVerify: boolean };
  private token: { value: string; readAt: number } | undefined;

  constructor(
    private readonly r: Resolved,
    private readonly now: () => number,
  ) {
    const { cluster: c, user: u } = r;
    this.cluster = { server: c.server ?? '', skipTLSVerify: c['insecure-skip-tls-verify'] === true };
    const ca = material(c['certificate-authority-data'], c['certificate-authority'], r.clusterDir);
    if (ca) this.tls.ca = ca;
    const cert = material(u['client-certificate-data'], u['client-certificate'], r.userDir);
    const key = material(u['client-key-data'], u['client-key'], r.userDir);
    if (cert) this.tls.cert = cert;
    if (key) this.tls.key = key;
    if (c['tls-server-name']) this.tls.servername = c['tls-server-name'];
    if (this.cluster.skipTLSVerify) this.tls.rejectUnauthorized = false;
  }

  getCurrentCluster(): { server: string; skipTLSVerify: boolean } {
    return this.cluster;
  }

  async applyToHTTPSOptions(opts: https.RequestOptions): Promise<void> {
    Object.assign(opts, this.tls);
    const auth = this.authorization();
    if (auth) opts.headers = { ...(opts.headers as Record<string, string> | undefined), Authorization: auth };
  }

  private authorization(): string | undefined {
    const u = this.r.user;
    if (u.token) return `Bearer ${u.token}`;
    if (u.tokenFile) {
      if (!this.token || this.now() - this.token.readAt > TOKEN_REREAD_MS) {
        this.token = {
          value: readFileSync(resolvePath(u.tokenFile, this.r.userDir), 'utf8').trim(),
          readAt: this.now(),
        };
      }
      return `Bearer ${this.token.value}`;
    }
    if (u.username !== undefined) return `Basic ${Buffer.from(`${u.username}:${u.password ?? ''}`).toString('base64')}`;
    return undefined;
  }
}

function material(data: string | undefined, file: string | undefined, dir: string): Buffer | undefined {
  if (data) return Buffer.from(data, 'base64');
  if (file) return readFileSync(resolvePath(file, dir));
  return undefined;
}

function resolvePath(file: string, dir: string): string {
  return isAbsolute(file) ? file : join(dir, file);
}

/** The lean loader where it suffices, else client-node's KubeConfig (loaded only then: it is heavy). */
export async function loadKubeAccess(opts: KubeconfigLookup = {}): Promise<KubeAccess> {
  const lean = loadLeanKubeAccess(opts);
  if (lean) return lean;
  const { loadKubeConfig } = await import('./client.js');
  return loadKubeConfig(opts);
}
