// The API server's own record of who read which Secret (the harness starts it with SECRET_AUDIT_POLICY).
import { readFileSync } from 'node:fs';

export interface AuditEvent {
  stage: string;
  verb: string;
  requestURI: string;
  user: { username: string };
  objectRef?: { resource?: string; namespace?: string; name?: string };
}

function auditLogPath(): string {
  const p = process.env.NET_HIGRESS_TEST_AUDIT_LOG;
  if (!p)
    throw new Error(
      'NET_HIGRESS_TEST_AUDIT_LOG is not set: the integration globalSetup starts the API server with an audit log',
    );
  return p;
}

/** Every audited request on Secrets in `namespace` so far. */
export function secretRequestsIn(namespace: string): AuditEvent[] {
  return readFileSync(auditLogPath(), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AuditEvent)
    .filter((e) => e.objectRef?.resource === 'secrets' && e.objectRef.namespace === namespace);
}

export const READ_VERBS = new Set(['get', 'list', 'watch']);
