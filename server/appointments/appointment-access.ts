import type { Transaction } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { Appointment } from '../../db/models/scheduling.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { scopeAllows, type AccessMode } from '../auth/scopes.js';
import { Forbidden, NotFound } from '../http/errors.js';

/** Whose appointment this is: its patient, its doctor, or an admin. */
export function isParty(caller: Caller, appointment: Appointment): boolean {
  if (caller.role === 'admin') return true;
  if (caller.role === 'patient') return caller.patientId === appointment.patientId;
  if (caller.role === 'doctor') return caller.practitionerId === appointment.practitionerId;
  return false;
}

/**
 * The appointment, if the caller is a party to it. Anyone else gets 404, as if it did not exist (an appointment
 * reveals who sees which doctor), and the refusal is audited.
 */
export async function appointmentFor(db: Database, caller: Caller, appointmentId: string, mode: AccessMode, tx?: Transaction): Promise<Appointment> {
  if (!scopeAllows(caller.scopes, 'Appointment', mode)) {
    throw new Forbidden('insufficient-scope', `The access token's scope does not allow ${mode} access to Appointment.`);
  }
  if (caller.role !== 'patient' && caller.role !== 'doctor' && caller.role !== 'admin') {
    throw new Forbidden('wrong-role', 'Appointments are for their patient, their doctor and admins.');
  }
  const appointment = await db.models.Appointment.findByPk(appointmentId, { transaction: tx });
  if (appointment && isParty(caller, appointment)) return appointment;
  if (appointment) {
    await recordAudit(db, caller, {
      action: mode === 'read' ? 'R' : 'U', activity: 'refused', outcome: '4', resourceType: 'Appointment',
      resourceId: appointmentId, patientId: appointment.patientId, detail: 'not a party to this appointment',
    }, tx);
  }
  throw appointmentNotFound(appointmentId);
}

/** What an appointment the caller is no party to answers: exactly what one that does not exist answers. */
export const appointmentNotFound = (id: string) => new NotFound('appointment-not-found', `No appointment with id ${id}.`);
