import { Op, type WhereOptions } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { Appointment, AppointmentStatus } from '../../db/models/scheduling.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { scopeAllows } from '../auth/scopes.js';
import { Forbidden } from '../http/errors.js';

export interface AppointmentQuery { status?: AppointmentStatus[]; from?: Date; to?: Date; patientId?: string; limit?: number }

/** A patient's own appointments, a doctor's own diary, or (admin) anyone's; earliest first. Audited as one read. */
export async function listAppointments(db: Database, caller: Caller, query: AppointmentQuery): Promise<Appointment[]> {
  if (!scopeAllows(caller.scopes, 'Appointment', 'read')) {
    throw new Forbidden('insufficient-scope', "The access token's scope does not allow read access to Appointment.");
  }
  const where: WhereOptions<Appointment> & Record<string, unknown> = {};
  if (caller.role === 'patient') where.patientId = caller.patientId!;
  else if (caller.role === 'doctor') where.practitionerId = caller.practitionerId!;
  else if (caller.role !== 'admin') throw new Forbidden('wrong-role', 'Appointments are listed for patients, doctors and admins.');
  if (query.patientId && caller.role !== 'patient') where.patientId = query.patientId;
  if (query.status?.length) where.status = query.status;
  if (query.from || query.to) {
    where.start = { ...(query.from ? { [Op.gte]: query.from } : {}), ...(query.to ? { [Op.lt]: query.to } : {}) };
  }
  const rows = await db.models.Appointment.findAll({ where, order: [['start', 'ASC']], limit: Math.min(query.limit ?? 100, 500) });
  await recordAudit(db, caller, {
    action: 'R', activity: 'search', resourceType: 'Appointment',
    patientId: caller.role === 'patient' ? caller.patientId : query.patientId ?? null, detail: `${rows.length} appointments`,
  });
  return rows;
}
