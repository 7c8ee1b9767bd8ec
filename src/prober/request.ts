/**
 * One probe on the wire, as Knative's prober sends it: `GET /healthz` dialled to the pod's IP and port
 * while Host and SNI name the KIngress host, a fresh connection each time (no keep-alive: every probe must
 * reach the pod it names), TLS not verified (the pod serves the KIngress's certificate, not one for its
 * IP), and one overall timeout.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { HASH_HEADER, HASH_OVERRIDE, PROBE_HEADER, PROBE_USER_AGENT, PROBE_VALUE } from '../translate/constants.js';
import type { ProbeTarget } from './targets.js';
import type { ProbeResponse } from './verdict.js';

const PROBE_PATH = '/healthz';
export const PROBE_TIMEOUT_MS = 1000;

export type SendProbe = (target: ProbeTarget, signal: AbortSignal) => Promise<ProbeResponse>;

function probeHeaders(target: ProbeTarget): Record<string, string> {
  return {
    // With the port, as Go sends the host of `scheme://host:port`: the gateway sees what net-istio's probe shows it.
    Host: `${target.host}:${target.port}`,
    'User-Agent': PROBE_USER_AGENT,
    [PROBE_HEADER]: PROBE_VALUE,
    [HASH_HEADER]: HASH_OVERRIDE,
    Connection: 'close',
  };
}

/** Sends one probe; never rejects: transport failures, timeouts and cancellation come back as `error`. */
export function sendProbe(
  target: ProbeTarget,
  signal: AbortSignal,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<ProbeResponse> {
  return new Promise<ProbeResponse>((resolve) => {
    let settled = false;
    const settle = (res: ProbeResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(res);
    };
    const options = {
      host: target.podIP,
      port: target.podPort,
      method: 'GET',
      path: PROBE_PATH,
      headers: probeHeaders(target),
      // A one-off agent: no pooled connection is reused or kept.
      agent: false as const,
    };
    const onResponse = (res: IncomingMessage): void => {
      const value = res.headers[HASH_HEADER.toLowerCase()];
      res.resume();
      settle({ kind: 'response', status: res.statusCode ?? 0, hash: Array.isArray(value) ? value[0] : value });
    };
    const req =
      target.scheme === 'https'
        ? https.request(
            { ...options, rejectUnauthorized: false, ...(isIP(target.host) ? {} : { servername: target.host }) },
            onResponse,
          )
        : http.request(options, onResponse);
    // Connected but never secured: the failure is the TLS handshake, whatever error code Node gives it.
    let connected = false;
    let secured = false;
    req.on('socket', (socket) => {
      socket.once('connect', () => {
        connected = true;
      });
      socket.once('secureConnect', () => {
        secured = true;
      });
    });
    const timer = setTimeout(
      () => settle({ kind: 'error', timeout: true, message: `no response within ${timeoutMs} ms` }),
      timeoutMs,
    );
    const onAbort = (): void => settle({ kind: 'error', timeout: false, message: 'cancelled' });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err: NodeJS.ErrnoException) =>
      settle({
        kind: 'error',
        timeout: false,
        message: err.message,
        code: err.code,
        tls: target.scheme === 'https' && connected && !secured,
      }),
    );
    req.end();
  });
}
