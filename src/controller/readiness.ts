import type { Readiness } from '../reconciler/deps.js';

/**
 * `--readiness=written`: Ready as soon as everything is written. For clusters where the gateway pods
 * cannot be probed; the KService may then answer 404 for the moment Higress needs to load the route.
 */
export const writtenReadiness: Readiness = {
  isReady: async () => true,
  forget: () => undefined,
};
