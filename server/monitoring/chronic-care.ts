import { Op } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { Condition } from '../../db/models/clinical.js';
import { localDate } from '../appointments/time-zone.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { assertPatientAccess, patientNotFound } from '../auth/patient-access.js';
import { partnerNamesOf } from '../exchange/partners.js';
import { Forbidden } from '../http/errors.js';
import { currentMedicines } from '../prescriptions/current-medicines.js';
import { READINGS } from './reading-codes.js';
import { distinctMeasurements } from './same-measurement.js';

const DAY = 86_400_000;
/**
 * The window adherence is judged over. The care plan sets thresholds, not a schedule: home monitoring is asked
 * for daily, so the expectation is a reading on each of these days (docs/consultations.md "Chronic-care view").
 */
export const ADHERENCE_DAYS = 30;

/** Where a record comes from: this hospital, a partner hospital (named as registered), or a document the patient uploaded. */
export type RecordOrigin =
  | { kind: 'this-hospital' }
  | { kind: 'partner'; partnerName: string | null; fhirBaseUrl: string }
  | { kind: 'uploaded-document'; documentId: string; title: string };

/** The patient's conditions, each with where it was diagnosed: an accepted upload names its document. */
async function conditionsWithOrigin(db: Database, patientId: string) {
  const conditions = await db.models.Condition.findAll({ where: { patientId }, order: [['recordedAt', 'DESC']] });
  const documents = conditions.length === 0 ? [] : await db.models.DiagnosisDocument.findAll({
    where: { patientId, reviewStatus: 'accepted', conditionId: conditions.map((c) => c.id) }, attributes: ['id', 'title', 'conditionId'],
  });
  const names = await partnerNamesOf(db, conditions.map((c) => c.source));
  const originOf = (c: Condition): RecordOrigin => {
    const document = documents.find((d) => d.conditionId === c.id);
    if (document) return { kind: 'uploaded-document', documentId: document.id, title: document.title };
    return c.source === null ? { kind: 'this-hospital' } : { kind: 'partner', partnerName: names.get(c.source) ?? null, fhirBaseUrl: c.source };
  };
  return conditions.map((c) => ({
    id: c.id, code: c.code, system: c.codeSystem, display: c.display, clinicalStatus: c.clinicalStatus, verificationStatus: c.verificationStatus,
    onsetDate: c.onsetDate, recordedAt: c.recordedAt.toISOString(), origin: originOf(c),
  }));
}

/** On how many of the last 30 days (the patient's days) at least one home measurement was taken, each counted once. */
async function readingAdherence(db: Database, patientId: string, zone: string, now: Date) {
  const since = new Date(now.getTime() - ADHERENCE_DAYS * DAY);
  const readings = await db.models.Observation.findAll({
    where: { patientId, code: Object.keys(READINGS), diagnosticReportId: null, status: 'final', effectiveAt: { [Op.gt]: since, [Op.lte]: now } },
    attributes: ['code', 'components', 'effectiveAt', 'valueNumber', 'valueUnit', 'source'], order: [['effectiveAt', 'ASC']],
  });
  const measured = distinctMeasurements(readings).map((m) => m.reading);
  const daysOf = (list: typeof measured) => new Set(list.map((r) => localDate(zone, r.effectiveAt))).size;
  const codes = [...new Set(measured.map((r) => r.code))];
  return {
    windowDays: ADHERENCE_DAYS, expectedDays: ADHERENCE_DAYS, daysWithReadings: daysOf(measured), measurements: measured.length,
    byCode: Object.fromEntries(codes.map((code) => [code, daysOf(measured.filter((r) => r.code === code))])),
  };
}

/**
 * The doctor's view of a patient's chronic care (a patient may read their own): conditions with their origin,
 * the medicines being taken (the pharmacist's review lists the same: current-medicines.ts, here and from partners),
 * and how regularly home readings come in. Each clinical type read is audited.
 */
export async function readChronicCare(db: Database, caller: Caller, patientId: string, now = new Date()) {
  if (caller.role !== 'doctor' && caller.role !== 'patient') throw new Forbidden('wrong-role', 'The chronic-care view is for the patient\'s doctors and the patient.');
  for (const type of ['Condition', 'MedicationRequest', 'Observation']) await assertPatientAccess(db, caller, patientId, type, 'read');
  const patient = await db.models.Patient.findByPk(patientId, { attributes: ['id', 'timeZone'] });
  if (!patient) throw patientNotFound(patientId);
  const [conditions, medications, adherence] = await Promise.all([
    conditionsWithOrigin(db, patientId), currentMedicines(db, patientId, now), readingAdherence(db, patientId, patient.timeZone, now),
  ]);
  await db.transaction(async (tx) => {
    for (const [resourceType, detail] of [['Condition', `${conditions.length} conditions`], ['MedicationRequest', `${medications.length} current medicines`],
      ['Observation', `adherence over ${ADHERENCE_DAYS} days`]] as const) {
      await recordAudit(db, caller, { action: 'R', activity: 'chronic-care-read', resourceType, patientId, detail }, tx);
    }
  });
  return { patientId, timeZone: patient.timeZone, conditions, medications, adherence };
}
