import { Op, type Transaction } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { PrescriptionStatus } from '../../db/models/prescription.js';
import { nextVersion } from '../../db/versions.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { Conflict, Forbidden, Gone, Invalid, NotFound } from '../http/errors.js';
import { queueNotice } from '../appointments/notifications.js';
import { storePrescriptionRecords } from './prescription-records.js';

/** Coded reasons a pharmacist gives when sending a prescription back to the doctor. */
export const REVIEW_REJECTION_REASONS = {
  'drug-interaction': 'Interacts with another drug the patient takes',
  'dose-out-of-range': 'Dose or frequency outside the usual range',
  contraindication: 'Contraindicated for this patient',
  'duplicate-therapy': 'Duplicates a therapy already prescribed',
  'incomplete-instructions': 'Dose, frequency or quantity unclear',
  other: 'Other (see the note)',
} as const;
export type RejectionReason = keyof typeof REVIEW_REJECTION_REASONS;

export interface ReviewInput {
  decision: 'approve' | 'reject';
  reasonCode?: RejectionReason;
  note?: string;
}

export const prescriptionNotFound = (id: string) => new NotFound('prescription-not-found', `No prescription with id ${id}.`);

export async function findPrescription(db: Database, id: string, tx?: Transaction) {
  const row = await db.models.Prescription.findByPk(id, { transaction: tx });
  if (!row) throw prescriptionNotFound(id);
  return row;
}

/** DESIGN.md (R): a pharmacist other than the prescriber approves (→ ready) or rejects (→ back to the doctor). */
export async function reviewPrescription(db: Database, caller: Caller, id: string, input: ReviewInput) {
  if (input.decision === 'reject' && !input.reasonCode) {
    throw new Invalid('rejection-reason-required', 'A rejection needs a coded reason.', [{ expression: 'reasonCode', message: 'required when rejecting' }]);
  }
  return db.transaction(async (tx) => {
    const before = await findPrescription(db, id, tx);
    if (caller.practitionerId !== null && caller.practitionerId === before.prescriberId) {
      throw new Forbidden('reviewer-is-prescriber', 'The prescriber cannot review their own prescription.');
    }
    const to: PrescriptionStatus = input.decision === 'approve' ? 'ready' : 'rejected';
    const [moved] = await db.models.Prescription.update({
      status: to, reviewerId: caller.practitionerId ?? caller.userId, reviewedAt: new Date(),
      reviewReasonCode: input.decision === 'reject' ? input.reasonCode! : null, reviewNote: input.note ?? null,
      versionId: nextVersion(db),
    }, { where: { id, status: 'pending-review' }, transaction: tx });
    const row = await findPrescription(db, id, tx);
    if (moved !== 1) {
      if (row.status === 'cancelled') throw new Gone('prescription-cancelled', 'The prescription was cancelled.');
      throw new Conflict('already-reviewed', `The prescription is ${row.status}; it is no longer waiting for review.`, [], { current: row.status });
    }
    await storePrescriptionRecords(db, caller, tx, row, {
      action: 'U', activity: input.decision === 'approve' ? 'prescription-approved' : 'prescription-rejected', detail: input.reasonCode,
    });
    // The patient is told it is ready, never its code: the e-mail links to the page that shows it.
    if (to === 'ready') {
      await queueNotice(db, tx, { kind: 'prescription-ready', subjectId: id, to: { patientId: row.patientId }, payload: { prescriptionId: id } });
    }
    return row;
  });
}

/** The review queue: prescriptions waiting for a pharmacist, oldest first. */
export async function reviewQueue(db: Database, caller: Caller) {
  const rows = await db.models.Prescription.findAll({
    where: { status: 'pending-review', ...(caller.practitionerId ? { prescriberId: { [Op.ne]: caller.practitionerId } } : {}) },
    order: [['issuedAt', 'ASC']], limit: 200,
  });
  await recordAudit(db, caller, { action: 'R', activity: 'prescription-review-queue', resourceType: 'Task', detail: `${rows.length} waiting` });
  return rows;
}
