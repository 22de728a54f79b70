import { Op, type WhereOptions } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { AuditEvent } from '../../db/models/audit-event.js';
import type { Caller } from '../auth/caller.js';
import { recordAudit } from './audit-log.js';
import { Forbidden } from '../http/errors.js';

export interface AuditQuery {
  patientId?: string;
  userId?: string;
  since?: string;
  limit: number;
  /** Return events older than this id (paging backwards in time). */
  before?: number;
}

/**
 * Admins read the whole log; a patient reads who accessed their own records. Reading the log is itself audited.
 */
export async function listAuditEvents(db: Database, caller: Caller, query: AuditQuery) {
  let patientId = query.patientId;
  if (caller.role === 'patient') {
    if (patientId && patientId !== caller.patientId) throw new Forbidden('not-your-record', 'You can only see the access log of your own records.');
    patientId = caller.patientId ?? undefined;
  } else if (caller.role !== 'admin') {
    throw new Forbidden('wrong-role', 'Only admins and patients (for their own records) can read the audit log.');
  }
  const where: WhereOptions<AuditEvent> = {
    ...(patientId ? { patientId } : {}),
    ...(query.userId ? { actorUserId: query.userId } : {}),
    ...(query.since ? { recordedAt: { [Op.gte]: new Date(query.since) } } : {}),
    ...(query.before ? { id: { [Op.lt]: query.before } } : {}),
  };
  const events = await db.models.AuditEvent.findAll({ where, order: [['id', 'DESC']], limit: query.limit });
  await recordAudit(db, caller, { action: 'R', activity: 'read-audit-log', resourceType: 'AuditEvent', patientId });
  return events.map((e) => ({ ...e.get({ plain: true }), id: Number(e.id) }));
}
