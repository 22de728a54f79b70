import type { MedicationRequest } from '@medplum/fhirtypes';
import { Op } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { PrescriptionStatus } from '../../db/models/prescription.js';
import { partnerNamesOf } from '../exchange/partners.js';
import { compartmentResources } from '../fhir/repository/compartment.js';
import { ATC } from './drug-catalogue.js';

const DAY = 86_400_000;

/** Where the patient's medicine comes from: a prescription of this hospital, a partner hospital, or another record. */
export type MedicineOrigin =
  | { kind: 'prescription'; prescriptionNumber: string; status: PrescriptionStatus }
  | { kind: 'partner'; hospital: string; fhirBaseUrl: string }
  | { kind: 'other-record'; source: string | null };

export interface CurrentMedicine {
  /** The ATC code when the record carries one (every prescription here does). */
  drugCode: string | null;
  drugName: string;
  instructions: string | null;
  /** When it was prescribed. */
  since: string | null;
  origin: MedicineOrigin;
}

/** Prescriptions not dispensed yet that can still be: the patient is about to take what they hold. */
const OPEN: PrescriptionStatus[] = ['pending-review', 'ready', 'in-progress'];

/**
 * What the patient takes now (docs/prescriptions.md "The pharmacist's review"):
 * - this hospital's prescriptions still open (waiting for review, ready or held by a pharmacy, not expired), and the
 *   lines of dispensed ones whose supply has not run out (handed over less than `supplyDays` ago);
 * - active MedicationRequests stored in the FHIR repository that are not this hospital's own prescriptions: those a
 *   partner hospital sent (`meta.source` = its registered FHIR base URL) or another system recorded.
 * `except` leaves out the prescription under review.
 */
export async function currentMedicines(db: Database, patientId: string, except?: string, now = new Date()): Promise<CurrentMedicine[]> {
  return [...await prescribedHere(db, patientId, except, now), ...await recordedElsewhere(db, patientId)];
}

async function prescribedHere(db: Database, patientId: string, except: string | undefined, now: Date): Promise<CurrentMedicine[]> {
  const rows = await db.models.Prescription.findAll({
    where: {
      patientId, ...(except ? { id: { [Op.ne]: except } } : {}),
      [Op.or]: [{ status: OPEN, validUntil: { [Op.gt]: now } }, { status: 'completed' }],
    },
    order: [['issuedAt', 'ASC']],
  });
  if (!rows.length) return [];
  const lines = await db.models.PrescriptionLine.findAll({ where: { prescriptionId: rows.map((r) => r.id) }, order: [['lineNo', 'ASC']] });
  return rows.flatMap((row) => lines.filter((line) => line.prescriptionId === row.id)
    .filter((line) => row.status !== 'completed' || (row.completedAt && row.completedAt.getTime() + line.supplyDays * DAY > now.getTime()))
    .map((line): CurrentMedicine => ({
      drugCode: line.drugCode, drugName: line.drugName, instructions: `${line.dose}, ${line.frequency}`, since: row.issuedAt.toISOString(),
      origin: { kind: 'prescription', prescriptionNumber: row.number, status: row.status },
    })));
}

async function recordedElsewhere(db: Database, patientId: string): Promise<CurrentMedicine[]> {
  const active = (await compartmentResources<MedicationRequest>(db, patientId, ['MedicationRequest'])).filter((r) => r.status === 'active');
  if (!active.length) return [];
  // This hospital's prescriptions are stored as MedicationRequests too (one per line, same id): counted above.
  const ours = new Set((await db.models.PrescriptionLine.findAll({ where: { id: active.map((r) => r.id!) }, attributes: ['id'] })).map((l) => l.id));
  const others = active.filter((r) => !ours.has(r.id!));
  const partners = await partnerNamesOf(db, others.map((r) => r.meta?.source));
  return others.map((r): CurrentMedicine => {
    const concept = r.medicationCodeableConcept;
    const atc = concept?.coding?.find((c) => c.system === ATC)?.code;
    const source = r.meta?.source ?? null;
    const hospital = source ? partners.get(source) : undefined;
    return {
      drugCode: atc ?? null,
      drugName: concept?.text ?? concept?.coding?.find((c) => c.display)?.display ?? r.medicationReference?.display ?? atc ?? '?',
      instructions: r.dosageInstruction?.map((d) => d.text).filter(Boolean).join('; ') || null,
      since: r.authoredOn ?? null,
      origin: source && hospital !== undefined ? { kind: 'partner', hospital, fhirBaseUrl: source } : { kind: 'other-record', source },
    };
  });
}
