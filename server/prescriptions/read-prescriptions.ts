import type { Database } from '../../db/connection.js';
import type { Prescription, PrescriptionLine } from '../../db/models/prescription.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { registerTimelineSource, versionsOf, type TimelineEntry } from '../consultations/dispute-timeline.js';
import { Forbidden } from '../http/errors.js';
import { TASK_STATUS } from './fhir-views.js';
import { findPrescription, prescriptionNotFound } from './review.js';

/** The plain view the web client shows (lines, status, review outcome, validity). */
export function prescriptionSummary(row: Prescription, lines: PrescriptionLine[]) {
  return {
    id: row.id, number: row.number, status: row.status, patientId: row.patientId, prescriberId: row.prescriberId,
    encounterId: row.encounterId, issuedAt: row.issuedAt.toISOString(), validUntil: row.validUntil.toISOString(),
    validityReason: row.validityReason, chronicConditionCode: row.chronicConditionCode, replaces: row.replacesId,
    review: row.reviewedAt ? { reviewerId: row.reviewerId, reviewedAt: row.reviewedAt.toISOString(), reasonCode: row.reviewReasonCode, note: row.reviewNote } : null,
    dispensedAt: row.completedAt?.toISOString() ?? null,
    lines: lines.map((l) => ({ id: l.id, lineNo: l.lineNo, drugCode: l.drugCode, drugName: l.drugName, dose: l.dose, frequency: l.frequency, quantity: l.quantity, supplyDays: l.supplyDays })),
  };
}

export const linesOf = (db: Database, prescriptionId: string) =>
  db.models.PrescriptionLine.findAll({ where: { prescriptionId }, order: [['lineNo', 'ASC']] });

/**
 * Who may see a prescription: its patient, its prescriber, any pharmacist of the hospital (the review queue and
 * the desk). Insurers and admins never (clinical content: 403); anyone else gets the 404 of a prescription that
 * does not exist, audited.
 */
export async function readablePrescription(db: Database, caller: Caller, id: string) {
  const row = await prescriptionReadBy(db, caller, id);
  await recordAudit(db, caller, { action: 'R', activity: 'prescription-read', resourceType: 'Task', resourceId: id, patientId: row.patientId });
  return { row, lines: await linesOf(db, id) };
}

/** The check of readablePrescription alone (a refusal audited): the prescription, for a read the caller audits. */
export async function prescriptionReadBy(db: Database, caller: Caller, id: string) {
  if (caller.role === 'insurer' || caller.role === 'admin') {
    throw new Forbidden('wrong-role', `${caller.role} accounts do not have access to prescriptions.`);
  }
  const row = await findPrescription(db, id);
  const allowed = (caller.role === 'patient' && caller.patientId === row.patientId)
    || (caller.role === 'doctor' && caller.practitionerId === row.prescriberId)
    || caller.role === 'pharmacist';
  if (!allowed) {
    await recordAudit(db, caller, { action: 'R', activity: 'refused', outcome: '4', resourceType: 'Task', resourceId: id, patientId: row.patientId });
    throw prescriptionNotFound(id);
  }
  return row;
}

/** A patient's own prescriptions, or those a doctor issued, newest first. */
export async function listPrescriptions(db: Database, caller: Caller) {
  const where = caller.role === 'patient' ? { patientId: caller.patientId ?? '-' }
    : caller.role === 'doctor' ? { prescriberId: caller.practitionerId ?? '-' } : undefined;
  if (!where) throw new Forbidden('wrong-role', 'Patients list their prescriptions, doctors the ones they issued; pharmacists use the review queue.');
  const rows = await db.models.Prescription.findAll({ where, order: [['issuedAt', 'DESC']], limit: 200 });
  await recordAudit(db, caller, { action: 'R', activity: 'prescription-list', resourceType: 'Task', patientId: caller.patientId, detail: `${rows.length} prescriptions` });
  return summariesOf(db, rows);
}

/** Summaries of several prescriptions, their lines read in one query. */
export async function summariesOf(db: Database, rows: Prescription[]) {
  const lines = rows.length ? await db.models.PrescriptionLine.findAll({ where: { prescriptionId: rows.map((r) => r.id) }, order: [['lineNo', 'ASC']] }) : [];
  return rows.map((row) => prescriptionSummary(row, lines.filter((l) => l.prescriptionId === row.id)));
}

/** A stored version of a prescription's Task, as much of it as the timeline tells. */
interface TaskVersion { status: string; owner?: { display?: string }; statusReason?: { coding?: { code?: string }[] } }

const STATUS_OF_TASK = Object.fromEntries(Object.entries(TASK_STATUS).map(([ours, task]) => [task, ours])) as Record<string, Prescription['status']>;

/** What a status adds to the fact: the rejection's reason, the pharmacy that holds it. */
function statusDetail(status: Prescription['status'], task: TaskVersion) {
  if (status === 'rejected') return { rejectionReason: String(task.statusReason?.coding?.[0]?.code) };
  if (status === 'in-progress') return { pharmacy: String(task.owner?.display) };
  return {};
}

// A dispute often turns on what was prescribed and whether it was dispensed: every Task version, and with the
// version that completed it (same transaction) the lines handed over.
registerTimelineSource({
  name: 'prescriptions',
  async entries({ db, visit }) {
    const rows = await db.models.Prescription.findAll({ where: { encounterId: visit.id }, order: [['issuedAt', 'ASC']] });
    const dispensed = rows.length ? await db.models.MedicationDispense.findAll({ where: { prescriptionId: rows.map((r) => r.id) }, order: [['lineNo', 'ASC']] }) : [];
    const entries: TimelineEntry[] = [];
    for (const summary of await summariesOf(db, rows)) {
      const lines = summary.lines.map((l) => ({ drug: l.drugName, quantity: l.quantity }));
      for (const [i, v] of (await versionsOf(db, 'Task', summary.id)).entries()) {
        const task = v.row as unknown as TaskVersion;
        const status = STATUS_OF_TASK[task.status];
        const at = v.recordedAt.toISOString();
        entries.push({
          at, source: 'prescriptions', kind: `prescription-${status}`,
          said: { what: 'prescription', number: summary.number, status, lines, ...statusDetail(status, task) },
          resource: { type: 'Task', id: summary.id, versionId: v.versionId },
          ...(i === 0 ? { data: { lines: summary.lines, validUntil: summary.validUntil, replaces: summary.replaces } } : {}),
        });
        if (status !== 'completed') continue;
        for (const d of dispensed.filter((x) => x.prescriptionId === summary.id)) {
          entries.push({
            at, source: 'prescriptions', kind: 'medication-dispensed',
            said: { what: 'medication-dispensed', drug: summary.lines.find((l) => l.lineNo === d.lineNo)?.drugName ?? d.drugCode, quantity: d.quantity, pharmacy: d.pharmacy },
            resource: { type: 'MedicationDispense', id: d.id }, data: { dispensedAt: d.dispensedAt.toISOString(), lineNo: d.lineNo, quantity: d.quantity },
          });
        }
      }
    }
    return entries;
  },
});
