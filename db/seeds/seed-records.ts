import crypto from 'node:crypto';
import type { Transaction } from 'sequelize';
import type { Origin } from '../../server/auth/caller.js';
import * as records from '../../server/fhir/repository/records.js';
import type { RecordContext } from '../../server/fhir/repository/records.js';
import type { Database } from '../connection.js';

/** Who writes the demo's set-up: the node itself, as no one's act (its records are stored, not audited). */
export const DEMO_SEED: Origin = { ip: null, requestId: 'demo-seed' };

/**
 * The records context of rows the demo seed writes straight into its tables: each is then given its stored
 * resource (records.created/createdAll) in the same transaction, as a use case gives a row it creates.
 */
export const seedRecords = (db: Database, tx: Transaction): RecordContext => ({ db, caller: DEMO_SEED, tx });

/**
 * A booked video follow-up written straight into the calendar, its slot taken for it (a visit in the past, or one
 * for the occasion), with the stored records of both.
 */
export async function seedBookedVideoVisit(
  db: Database, tx: Transaction, visit: { scheduleId: string; practitionerId: string; patientId: string; start: Date; end: Date },
) {
  const ctx = seedRecords(db, tx);
  const { scheduleId, practitionerId, patientId, start, end } = visit;
  const slot = await db.models.Slot.create({
    id: crypto.randomUUID(), scheduleId, practitionerId, start, end, visitTypes: 'video-follow-up', status: 'busy',
  }, { transaction: tx });
  await records.created(ctx, 'Slot', slot);
  const appointment = await db.models.Appointment.create({
    id: crypto.randomUUID(), slotId: slot.id, heldSlotId: slot.id, patientId, practitionerId,
    visitType: 'video-follow-up', status: 'booked', start, end, reasonConditionId: null, cancellationReason: null, cancelledAt: null,
  }, { transaction: tx });
  await records.created(ctx, 'Appointment', appointment);
  return appointment;
}
