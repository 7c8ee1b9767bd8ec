// Addresses for stand-in gateway pods. The API server refuses loopback addresses in EndpointSlices, so
// the pods get addresses of their own: a network namespace made by the test, joined to this host by a
// veth pair, with one address per pod from 198.18.0.0/15 (reserved for network tests, RFC 2544).
// Listening sockets are opened by a short-lived child process inside the namespace and handed to this
// process over IPC, so the pods' HTTP logic runs here, on sockets that live in the namespace.
import { spawn, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import type { Server } from 'node:net';

const PREFIX = 'nhp';

/** Runs `ip ...`; throws with its stderr. */
function ip(args: string[]): string {
  const res = spawnSync('ip', args, { encoding: 'utf8' });
  if (res.error) throw new Error(`ip ${args.join(' ')}: ${res.error.message} (is iproute2 installed?)`);
  if (res.status !== 0) throw new Error(`ip ${args.join(' ')}: ${res.stderr.trim()}`);
  return res.stdout;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Namespaces of earlier runs whose process died without cleaning up (e.g. a killed Jest worker). */
function sweepStale(): void {
  for (const line of ip(['netns', 'list']).split('\n')) {
    const m = new RegExp(`^(${PREFIX}-(\\d+)-(\\d+)-(\\d+))\\b`).exec(line);
    if (!m || alive(Number(m[2]))) continue;
    spawnSync('ip', ['link', 'del', hostLink(Number(m[3]), Number(m[4]))]);
    spawnSync('ip', ['netns', 'del', m[1]!]);
  }
}

function hostLink(b: number, c: number): string {
  return `${PREFIX}${b}x${c}h`;
}

// The child: listens on every requested address:port inside the namespace, hands each listening socket to
// the parent and closes its own copy, so only the parent accepts connections.
const CHILD = `
const net = require('node:net');
const specs = JSON.parse(process.argv[1]);
for (const s of specs) {
  const srv = net.createServer(() => { process.exit(3); });
  srv.on('error', (e) => process.send({ error: String(e), spec: s }));
  srv.listen({ host: s.host, port: s.port, exclusive: true }, () => process.send({ spec: s }, srv, () => srv.close()));
}
process.on('disconnect', () => process.exit(0));
`;

export class PodNetwork {
  private readonly servers: Server[] = [];
  private closed = false;
  private readonly onExit = () => this.removeSync();

  private constructor(
    readonly netns: string,
    readonly link: string,
    readonly addresses: string[],
  ) {
    process.on('exit', this.onExit);
  }

  /** This host's address on the namespace's subnet: what processes inside the namespace can reach. */
  get hostAddress(): string {
    return (this.addresses[0] ?? '').replace(/\.\d+$/, '.254');
  }

  /** A namespace with `pods` addresses; names and the subnet are unique among concurrent runs. */
  static create(pods: number): PodNetwork {
    if (process.getuid?.() !== 0)
      throw new Error('stand-in gateway pods need root: network namespaces and veth pairs are created by the test');
    sweepStale();
    for (let attempt = 0; attempt < 20; attempt++) {
      const b = 18 + randomInt(2);
      const c = randomInt(256);
      const link = hostLink(b, c);
      const peer = `${PREFIX}${b}x${c}p`;
      // Creating the link is the lock: it fails when another run holds this subnet.
      if (spawnSync('ip', ['link', 'add', link, 'type', 'veth', 'peer', 'name', peer]).status !== 0) continue;
      const netns = `${PREFIX}-${process.pid}-${b}-${c}`;
      const addresses = Array.from({ length: pods }, (_, i) => `198.${b}.${c}.${i + 1}`);
      const network = new PodNetwork(netns, link, addresses);
      try {
        ip(['netns', 'add', netns]);
        ip(['link', 'set', peer, 'netns', netns]);
        ip(['addr', 'add', `198.${b}.${c}.254/24`, 'dev', link]);
        ip(['link', 'set', link, 'up']);
        ip(['netns', 'exec', netns, 'ip', 'link', 'set', 'lo', 'up']);
        for (const a of addresses) ip(['netns', 'exec', netns, 'ip', 'addr', 'add', `${a}/24`, 'dev', peer]);
        ip(['netns', 'exec', netns, 'ip', 'link', 'set', peer, 'up']);
      } catch (err) {
        network.removeSync();
        throw err;
      }
      return network;
    }
    throw new Error('no free 198.18.0.0/15 subnet for stand-in pods after 20 attempts');
  }

  /** Listening sockets in the namespace, one per (address, port), in the order asked. */
  async listen(specs: Array<{ host: string; port: number }>): Promise<Server[]> {
    const child = spawn('ip', ['netns', 'exec', this.netns, process.execPath, '-e', CHILD, JSON.stringify(specs)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const got = new Map<string, Server>();
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('listeners in the pod namespace did not start within 10 s')),
          10_000,
        );
        child.on('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`listener process exited with ${code}`));
        });
        child.on('message', (msg: { spec: { host: string; port: number }; error?: string }, handle: unknown) => {
          if (msg.error) {
            clearTimeout(timer);
            reject(new Error(`listen ${msg.spec.host}:${msg.spec.port}: ${msg.error}`));
            return;
          }
          got.set(`${msg.spec.host}:${msg.spec.port}`, handle as Server);
          if (got.size === specs.length) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    } finally {
      if (child.connected) child.disconnect();
    }
    const servers = specs.map((s) => got.get(`${s.host}:${s.port}`)!);
    this.servers.push(...servers);
    return servers;
  }

  /** Closes the sockets, removes the veth pair (both ends) and the namespace. Idempotent. */
  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(r))));
    this.removeSync();
  }

  private removeSync(): void {
    if (this.closed) return;
    this.closed = true;
    process.off('exit', this.onExit);
    spawnSync('ip', ['link', 'del', this.link]);
    spawnSync('ip', ['netns', 'del', this.netns]);
  }
}

/** True when `ip` shows no trace of this network (for the cleanup assertion). */
export function networkGone(n: PodNetwork): boolean {
  return (
    !ip(['netns', 'list'])
      .split('\n')
      .some((l) => l.startsWith(`${n.netns} `) || l === n.netns) &&
    spawnSync('ip', ['link', 'show', n.link]).status !== 0
  );
}
