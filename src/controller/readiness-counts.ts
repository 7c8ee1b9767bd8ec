import type { KIngress } from '../api/kingress.js';
import type { ReadinessCounts } from '../observability/metrics.js';
import { INGRESS_CLASS_ANNOTATION } from '../translate/constants.js';

/**
 * KIngresses of our class by their Ready condition, as last reported for their current generation: a status
 * written for an older generation says nothing yet (unknown).
 */
export function readinessCounts(kingresses: readonly KIngress[], ingressClass: string): ReadinessCounts {
  const counts = { ready: 0, not_ready: 0, unknown: 0 };
  for (const ing of kingresses) {
    if (ing.metadata.annotations?.[INGRESS_CLASS_ANNOTATION] !== ingressClass) continue;
    const status = ing.status;
    const ready =
      status?.observedGeneration === ing.metadata.generation
        ? status?.conditions?.find((c) => c.type === 'Ready')?.status
        : undefined;
    if (ready === 'True') counts.ready += 1;
    else if (ready === 'False') counts.not_ready += 1;
    else counts.unknown += 1;
  }
  return counts;
}
