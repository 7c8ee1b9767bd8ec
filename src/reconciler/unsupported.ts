import type { KIngress } from '../api/kingress.js';
import { keyOf, refOf } from '../api/meta.js';
import { describeUnsupported, unsupportedAnnotations } from '../translate/annotations/unsupported.js';
import type { ReconcileDeps } from './deps.js';

/**
 * What was last reported per KIngress. Annotation changes do not bump a KIngress's generation and every
 * resync reconciles it again, so without this the same Warning would be recorded on every reconcile.
 * Kept in memory: after a restart each such KIngress is reported once more.
 */
export class ReportedAnnotations {
  private readonly last = new Map<string, string>();

  /** Whether `signature` differs from the last one seen for `key` (and remember it). */
  changed(key: string, signature: string): boolean {
    if ((this.last.get(key) ?? '') === signature) return false;
    if (signature === '') this.last.delete(key);
    else this.last.set(key, signature);
    return true;
  }

  forget(key: string): void {
    this.last.delete(key);
  }
}

/** A Warning Event naming the annotations net-higress cannot honour, once per change of them. */
export function reportUnsupportedAnnotations(
  ing: KIngress,
  deps: Pick<ReconcileDeps, 'recorder' | 'annotationReports'>,
): void {
  const found = unsupportedAnnotations(ing.metadata.annotations);
  const annotations = ing.metadata.annotations ?? {};
  const signature =
    found.length === 0
      ? ''
      : [ing.metadata.uid ?? '', ...found.map((f) => `${f.key}=${annotations[f.key] ?? ''}`)].join('\n');
  const key = keyOf(refOf(ing));
  if (deps.annotationReports.changed(key, signature) && found.length > 0) {
    deps.recorder.event(ing, 'Warning', 'UnsupportedAnnotation', describeUnsupported(found));
  }
}
