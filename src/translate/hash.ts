import { hash } from 'node:crypto';
import type { IngressSpec } from '../api/kingress.js';
import { goJSONOfSpec } from './gojson.js';

/**
 * Knative's ingress hash: SHA-256 over Go-JSON(spec) ‖ namespace ‖ name, as lowercase hex.
 * Computed on the defaulted spec; the probe routes set it and the prober expects it echoed.
 */
export function computeHash(spec: IngressSpec, namespace: string, name: string): string {
  return hash('sha256', goJSONOfSpec(spec) + namespace + name, 'hex');
}
