// `npm run bench:prober`: the readiness prober's timing figures, which tests only order and never bound (a
// loaded machine would fail a bound). In one process, no cluster: the retry schedule on the real clock (a pod
// that starts serving D ms after the first probe: how long until the probe that sees it), with and without
// --probe-max-retry-delay, and on a loopback pod: how far past its timeout a probe to a silent pod settles,
// and how long a cancelled probe takes to settle. Figures are reported, not asserted.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendProbe } from '../src/prober/request.js';
import { ProbeScheduler } from '../src/prober/scheduler.js';
import type { ProbeTarget } from '../src/prober/targets.js';

const SERVING_AFTER_MS = [250, 700, 1200, 2000];
const REPEATS = 5;

/** Milliseconds from the pod serving to the first probe that found it serving. */
function retryLatency(servingAfterMs: number, maxDelayMs?: number): Promise<number> {
  return new Promise((resolve) => {
    const start = performance.now();
    const scheduler = new ProbeScheduler<{ id: string }>(
      async () => {
        const late = performance.now() - start - servingAfterMs;
        if (late < 0) return false;
        scheduler.stop();
        resolve(late);
        return true;
      },
      () => true,
      maxDelayMs ? { maxDelayMs } : {},
    );
    scheduler.add({ id: 'pod' });
  });
}

/** The median of REPEATS runs at once (timers only: they do not slow each other down measurably). */
async function median(run: () => Promise<number>): Promise<number> {
  const xs = await Promise.all(Array.from({ length: REPEATS }, run));
  xs.sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)]!;
}

async function silentPod(): Promise<{ target: ProbeTarget; close: () => Promise<void> }> {
  const server = http.createServer(() => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    target: {
      service: 'bench/gw',
      podIP: '127.0.0.1',
      podPort: port,
      scheme: 'http',
      host: 'bench.example.com',
      port: 80,
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

async function main(): Promise<void> {
  console.log(`retry schedule: pod serving → probe that sees it (median of ${REPEATS}, ms)`);
  console.log(`${'serving after'.padEnd(16)}${'default'.padStart(10)}${'cap 500 ms'.padStart(12)}`);
  for (const after of SERVING_AFTER_MS) {
    const plain = await median(() => retryLatency(after));
    const capped = await median(() => retryLatency(after, 500));
    console.log(`${`${after} ms`.padEnd(16)}${plain.toFixed(0).padStart(10)}${capped.toFixed(0).padStart(12)}`);
  }

  const pod = await silentPod();
  try {
    const overshoot = await median(async () => {
      const t0 = performance.now();
      await sendProbe(pod.target, new AbortController().signal, 150);
      return performance.now() - t0 - 150;
    });
    console.log(`\nprobe to a silent pod, 150 ms timeout: settled ${overshoot.toFixed(1)} ms past it (median)`);
    const cancel = await median(async () => {
      const abort = new AbortController();
      const pending = sendProbe(pod.target, abort.signal);
      await new Promise((r) => setTimeout(r, 20));
      const t0 = performance.now();
      abort.abort();
      await pending;
      return performance.now() - t0;
    });
    console.log(`cancelled probe settled after ${cancel.toFixed(2)} ms (median)`);
  } finally {
    await pod.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
