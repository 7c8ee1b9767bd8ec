// `net-higress run` as a real process, its JSON log lines parsed as they come.
import { spawn, type ChildProcess } from 'node:child_process';

const root = new URL('../../../', import.meta.url).pathname;

export interface RunProcess {
  child: ChildProcess;
  /** stdout, one parsed object per line (`unparsed: true` when a line is not JSON); stderr chunks as `{ stderr }`. */
  lines: Array<Record<string, unknown>>;
  stderr: string[];
  exited: Promise<number | null>;
}

export function spawnRun(args: string[], env: NodeJS.ProcessEnv): RunProcess {
  const child = spawn(process.execPath, [`${root}bin/net-higress.js`, 'run', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc: RunProcess = {
    child,
    lines: [],
    stderr: [],
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        proc.lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        proc.lines.push({ msg: line, unparsed: true });
      }
    }
  });
  child.stderr?.on('data', (d: Buffer) => {
    proc.stderr.push(d.toString());
    proc.lines.push({ stderr: d.toString() });
  });
  return proc;
}
