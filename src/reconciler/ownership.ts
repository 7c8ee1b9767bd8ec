import type { ObjectMeta } from '../api/meta.js';

export function isControlledBy(meta: ObjectMeta, uid: string | undefined): boolean {
  return (
    uid !== undefined && uid !== '' && (meta.ownerReferences ?? []).some((o) => o.controller === true && o.uid === uid)
  );
}
