import type { Transaction } from 'sequelize';
import type { Database } from '../../db/connection.js';
import { appendRow } from '../../db/insert.js';
import type { AuditAction, AuditOutcome } from '../../db/models/audit-event.js';
import type { Caller, Origin } from '../auth/caller.js';

export interface AuditEntry {
  action: AuditAction;
  activity: string;
  outcome?: AuditOutcome;
  resourceType?: string;
  resourceId?: string;
  patientId?: string | null;
  detail?: string;
  /** For events before authentication (a login), the account concerned. */
  userId?: string | null;
}

function isCaller(who: Origin | Caller): who is Caller {
  return 'userId' in who;
}

/**
 * Appends one audit event. Pass the transaction of the write being audited so that the record and its audit
 * event are committed together or not at all. There is deliberately no way to change or remove an event.
 * Every request writes one, so it is appended without building a model instance (`appendRow`).
 */
export async function recordAudit(db: Database, who: Origin | Caller, entry: AuditEntry, tx?: Transaction) {
  await appendRow(db, db.models.AuditEvent, {
    recordedAt: new Date(),
    action: entry.action,
    activity: entry.activity,
    outcome: entry.outcome ?? '0',
    actorUserId: isCaller(who) ? who.userId : entry.userId ?? null,
    actorRole: isCaller(who) ? who.role : null,
    resourceType: entry.resourceType ?? null,
    resourceId: entry.resourceId ?? null,
    patientId: entry.patientId ?? null,
    sourceIp: who.ip,
    requestId: who.requestId,
    detail: entry.detail?.slice(0, 500) ?? null,
  }, tx);
}
