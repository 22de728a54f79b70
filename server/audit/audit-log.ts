import type { Transaction } from 'sequelize';
import type { Database } from '../../db/connection.js';
import { appendRow, appendRows } from '../../db/insert.js';
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
 * Appends one audit event. There is deliberately no way to change or remove an event.
 * - With the transaction of the write being audited, the record and its event commit together or not at all.
 * - Without one, outside any unit of work (the audit event of a read), the event is group-committed with the
 *   events of concurrent requests and this resolves once it is durable, so the response is sent after it.
 * - Without one, inside a unit of work (a refusal found mid-transaction), the event is committed on its own as
 *   soon as the writer is free, whether that transaction commits or rolls back; waiting for it here would wait
 *   for the very transaction that is running.
 */
export async function recordAudit(db: Database, who: Origin | Caller, entry: AuditEntry, tx?: Transaction) {
  const row = auditRowOf(who, entry);
  if (tx) return appendRow(db, db.models.AuditEvent, row, tx);
  const committed = db.appendCommitted(db.models.AuditEvent, row);
  if (!db.inTransaction()) return committed;
  committed.catch((error: unknown) => console.error('an audit event could not be written', error));
}

/** The events of many writes in one transaction (a schedule's slots opening), in one INSERT that commits with them. */
export async function recordAudits(db: Database, who: Origin | Caller, entries: AuditEntry[], tx: Transaction) {
  await appendRows(db, db.models.AuditEvent, entries.map((entry) => auditRowOf(who, entry)), tx);
}

function auditRowOf(who: Origin | Caller, entry: AuditEntry) {
  return {
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
  };
}
