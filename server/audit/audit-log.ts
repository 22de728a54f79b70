import { QueryTypes, type Transaction } from 'sequelize';
import type { Database } from '../../db/connection.js';
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

/** Sequelize's SQL builder (public in v6, untyped): the INSERT a `create` would run, without building an instance. */
interface InsertQueryBuilder {
  insertQuery(table: string, values: object, attributes: object, options: object): { query: string; bind?: unknown[] };
}

/**
 * Appends one audit event. Pass the transaction of the write being audited so that the record and its audit
 * event are committed together or not at all. There is deliberately no way to change or remove an event.
 * Every request writes one, so it skips `Model.create` (instance, validation, hooks: a third of a FHIR read's
 * time on SQLite) and runs the same INSERT, typed by the model's attributes, directly (docs/fhir.md "Benchmarks").
 */
export async function recordAudit(db: Database, who: Origin | Caller, entry: AuditEntry, tx?: Transaction) {
  const { AuditEvent } = db.models;
  const builder = (db.sequelize.getQueryInterface() as unknown as { queryGenerator: InsertQueryBuilder }).queryGenerator;
  const { query, bind } = builder.insertQuery(AuditEvent.getTableName() as string, {
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
  }, AuditEvent.getAttributes(), {});
  await db.sequelize.query(query, { bind, type: QueryTypes.INSERT, transaction: tx });
}
