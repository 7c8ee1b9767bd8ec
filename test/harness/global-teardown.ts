// Jest globalTeardown: stop the control plane started by global-setup.ts (no runtime relative imports:
// see the note in global-setup.ts).
import type { ControlPlane } from './controlplane.js';

const CONTROL_PLANE_GLOBAL = '__NET_HIGRESS_CONTROL_PLANE__';

export default async function globalTeardown(): Promise<void> {
  const g = globalThis as Record<string, unknown>;
  const cp = g[CONTROL_PLANE_GLOBAL] as ControlPlane | undefined;
  delete g[CONTROL_PLANE_GLOBAL];
  if (cp) await cp.stop();
}
