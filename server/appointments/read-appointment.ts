import type { Database } from '../../db/connection.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { appointmentFor } from './appointment-access.js';

/** One appointment, for its patient, its doctor or an admin (404 for anyone else); audited. */
export async function readAppointment(db: Database, caller: Caller, appointmentId: string) {
  const appointment = await appointmentFor(db, caller, appointmentId, 'read');
  await recordAudit(db, caller, { action: 'R', activity: 'read', resourceType: 'Appointment', resourceId: appointmentId, patientId: appointment.patientId });
  return appointment;
}
