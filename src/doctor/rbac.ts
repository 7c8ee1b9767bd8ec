// The operator's ServiceAccount (or the caller, with `self`) may do everything `net-higress run` does:
// one SubjectAccessReview per verb of permissions.ts.
import { accessReviews, describeAccess, operatorPermissions } from './permissions.js';
import { fail, pass, unreadable } from './result.js';
import type { AccessSubject, CheckResult, DoctorCluster, DoctorSettings } from './types.js';

function describeSubject(subject: AccessSubject): string {
  return subject.kind === 'self' ? 'these credentials' : `ServiceAccount ${subject.namespace}/${subject.name}`;
}

export async function checkRBAC(cluster: DoctorCluster, s: DoctorSettings, chart = true): Promise<CheckResult> {
  const id = 'rbac';
  const reviews = accessReviews(
    operatorPermissions({ systemNamespace: s.systemNamespace, higressNamespace: s.higressNamespace, lease: s.lease }),
  );
  let answers: boolean[];
  try {
    answers = await Promise.all(reviews.map((r) => cluster.allowed(s.subject, r.attrs)));
  } catch (err) {
    const what = s.subject.kind === 'self' ? 'selfsubjectaccessreviews' : 'subjectaccessreviews';
    const result = unreadable(id, `access reviews (create ${what}.authorization.k8s.io)`, err);
    return s.subject.kind === 'self'
      ? result
      : {
          ...result,
          fix: `${result.fix ?? ''}; or run doctor as the ServiceAccount itself with --service-account=self`,
        };
  }
  const denied = reviews.filter((_r, i) => !answers[i]);
  const who = describeSubject(s.subject);
  if (denied.length > 0) {
    const list = denied.map((r) => `${describeAccess(r.attrs)} [${r.permission.why}]`);
    return fail(
      id,
      `${who}: ${denied.length} of ${reviews.length} permissions missing: ${list.join('; ')}`,
      (chart
        ? 'helm upgrade --install net-higress charts/net-higress with rbac.create=true (templates/rbac.yaml grants exactly these), '
        : `grant ${who} the permissions listed (charts/net-higress/templates/rbac.yaml has them as Roles), `) +
        'or pass --service-account NAMESPACE/NAME of the controller',
    );
  }
  return pass(id, `${who}: all ${reviews.length} permissions net-higress uses are granted`);
}
