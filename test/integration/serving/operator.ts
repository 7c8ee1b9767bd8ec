// `net-higress run` as a real process against the Serving cluster, with its metrics read from /metrics.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { eventually } from '../../harness/kube.js';

const root = new URL('../../../', import.meta.url).pathname;

export type ReadinessMode = 'probe' | 'written';

export class NetHigressProcess {
  readonly lines: Array<Record<string, unknown>> = [];
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  metricsPort = 0;
  healthPort = 0;

  constructor(
    private readonly kubeconfig: string,
    private readonly readiness: ReadinessMode,
  ) {}

  async start(): Promise<void> {
    this.lines.length = 0;
    const child = spawn(
      process.execPath,
      [
        `${root}bin/net-higress.js`,
        'run',
        '--kubeconfig',
        this.kubeconfig,
        '--readiness',
        this.readiness,
        '--leader-elect=false',
        '--metrics-address',
        '127.0.0.1:0',
        '--health-address',
        '127.0.0.1:0',
        '--log-format',
        'json',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        this.lines.push({ msg: line, unparsed: true });
      }
    });
    child.stderr?.on('data', (d: Buffer) => this.lines.push({ stderr: d.toString() }));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    const started = await eventually(
      'net-higress startup log line',
      async () => {
        if (child.exitCode !== null)
          throw new Error(`net-higress exited ${child.exitCode}: ${JSON.stringify(this.lines.slice(-5))}`);
        return this.lines.find((l) => l.msg === 'net-higress controller starting');
      },
      60_000,
    );
    this.metricsPort = Number(started.metricsPort);
    this.healthPort = Number(started.healthPort);
    await eventually(
      'net-higress /readyz',
      async () => ((await fetch(`http://127.0.0.1:${this.healthPort}/readyz`)).status === 200 ? true : undefined),
      60_000,
    );
  }

  /** SIGTERM and the exit code. */
  async stop(): Promise<number | null> {
    if (!this.child || this.child.exitCode !== null) return this.child?.exitCode ?? null;
    this.child.kill('SIGTERM');
    return this.exited;
  }

  kill(): void {
    if (this.child && this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  /** A counter's samples by their label sets (`verb="create",kind="VirtualService"`). */
  async samples(name: string): Promise<Map<string, number>> {
    const text = await (await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`)).text();
    const out = new Map<string, number>();
    for (const line of text.split('\n')) {
      const m = new RegExp(`^${name}(?:\\{([^}]*)\\})? ([0-9.e+-]+)$`).exec(line);
      if (m) out.set(m[1] ?? '', Number(m[2]));
    }
    return out;
  }

  /** Sum of a counter's samples whose labels contain `match` (all samples when omitted). */
  async counter(name: string, match: Record<string, string> = {}): Promise<number> {
    let sum = 0;
    for (const [labels, value] of await this.samples(name)) {
      if (Object.entries(match).every(([k, v]) => labels.split(',').includes(`${k}="${v}"`))) sum += value;
    }
    return sum;
  }

  /** Every write net-higress made since it started (net_higress_writes_total, all verbs and kinds). */
  writes(): Promise<number> {
    return this.counter('net_higress_writes_total');
  }

  /** net_higress_writes_total by verb and kind. */
  writesByKind(): Promise<Map<string, number>> {
    return this.samples('net_higress_writes_total');
  }
}
