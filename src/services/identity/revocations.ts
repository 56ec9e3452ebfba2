import type { Db } from '../../platform/db/index.ts';
import type { RevocationEventTable } from './tables.ts';
import type { TokenPayload } from './token-format.ts';

/** A stored event without its row id. */
export type RevocationEvent = Omit<RevocationEventTable, 'id'>;

/**
 * Revocation events, held in memory so validating a token never touches the database, and
 * written through to the database so they survive a restart. An event revokes every token issued
 * at or before it whose attributes match all of its non-null fields.
 */
export class RevocationList {
  private events: RevocationEvent[] = [];
  /** The newest event's instant: tokens issued later must be stamped after it (see Tokens.issue). */
  latest = 0;
  private readonly byAuditId = new Map<string, number>();

  constructor(private readonly db: Db, private readonly maxTokenAgeMs: number) {}

  async load(): Promise<void> {
    const horizon = Date.now() - this.maxTokenAgeMs;
    await this.db.deleteFrom('revocation_events').where('issued_before', '<', horizon).execute();
    const rows = await this.db.selectFrom('revocation_events')
      .select(['user_id', 'project_id', 'domain_id', 'audit_id', 'role_id', 'application_credential_id', 'issued_before']).execute();
    for (const row of rows) this.remember({ ...row, issued_before: Number(row.issued_before) });
  }

  async revoke(match: Partial<Omit<RevocationEvent, 'issued_before'>>): Promise<void> {
    const event: RevocationEvent = {
      user_id: match.user_id ?? null,
      project_id: match.project_id ?? null,
      domain_id: match.domain_id ?? null,
      audit_id: match.audit_id ?? null,
      role_id: match.role_id ?? null,
      application_credential_id: match.application_credential_id ?? null,
      issued_before: Date.now(),
    };
    await this.db.insertInto('revocation_events').values(event).execute();
    this.remember(event);
  }

  isRevoked(t: TokenPayload): boolean {
    for (const auditId of t.auditIds) {
      const before = this.byAuditId.get(auditId);
      if (before !== undefined && t.issuedAt <= before) return true;
    }
    return this.events.some((e) => t.issuedAt <= e.issued_before && matches(e, t));
  }

  private remember(e: RevocationEvent): void {
    this.latest = Math.max(this.latest, e.issued_before);
    if (e.audit_id && !e.user_id && !e.project_id && !e.domain_id && !e.role_id && !e.application_credential_id) {
      this.byAuditId.set(e.audit_id, Math.max(this.byAuditId.get(e.audit_id) ?? 0, e.issued_before));
      return;
    }
    const horizon = Date.now() - this.maxTokenAgeMs;
    this.events = this.events.filter((old) => old.issued_before >= horizon);
    this.events.push(e);
  }
}

function matches(e: RevocationEvent, t: TokenPayload): boolean {
  if (e.user_id && e.user_id !== t.user.id) return false;
  const projectId = t.scope.kind === 'project' ? t.scope.project.id : undefined;
  if (e.project_id && e.project_id !== projectId) return false;
  if (e.domain_id) {
    const domains = [t.user.domain.id];
    if (t.scope.kind === 'project') domains.push(t.scope.project.domain.id);
    if (t.scope.kind === 'domain') domains.push(t.scope.domain.id);
    if (!domains.includes(e.domain_id)) return false;
  }
  if (e.role_id && !t.roles.some((r) => r.id === e.role_id)) return false;
  if (e.audit_id && !t.auditIds.includes(e.audit_id)) return false;
  if (e.application_credential_id && e.application_credential_id !== t.applicationCredential?.id) return false;
  return true;
}
