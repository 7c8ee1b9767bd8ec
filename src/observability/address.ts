import { err, ok, type Result } from '../api/result.js';

/** A listen address as `[host]:port`: `:9090` (every interface), `127.0.0.1:0`, `[::1]:8080`. */
export interface ListenAddress {
  /** Undefined means every interface. */
  host: string | undefined;
  /** 0 asks the OS for a free port. */
  port: number;
}

export type ParsedAddress = Result<ListenAddress>;

/** Parses the Go-style `host:port` form used by controller-runtime's `--metrics-bind-address`. */
export function parseListenAddress(address: string): ParsedAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    return err(`"${address}" is not a listen address (want [host]:port with port 0-65535, e.g. ":9090")`);
  }
  const host = m[1] ?? m[2];
  return ok({ host: host === '' ? undefined : host, port });
}
