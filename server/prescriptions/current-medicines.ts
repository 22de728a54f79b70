import type { MedicationRequest } from '@medplum/fhirtypes';
import { Op } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { PrescriptionStatus } from '../../db/models/prescription.js';
import { partnerNamesOf } from '../exchange/partners.js';
import { compartmentResources } from '../fhir/repository/compartment.js';
import { ATC } from './drug-catalogue.js';
import { prescriptionLimits } from './limits.js';

const DAY = 86_400_000;

/** Where the patient's medicine comes from: a prescription of this hospital, a partner hospital, or another record. */
export type MedicineOrigin =
  | { kind: 'prescription'; prescriptionId: string; prescriptionNumber: string; status: PrescriptionStatus; validUntil: string }
  | { kind: 'partner'; hospital: string; fhirBaseUrl: string }
  | { kind: 'other-record'; source: string | null };

/**
 * How to take a medicine: this hospital's lines as the doctor wrote their dose and frequency (the page joins them in
 * its language), another system's record as its own text.
 */
export type MedicineInstructions = { dose: string; frequency: string } | { text: string };

export interface CurrentMedicine {
  /** The ATC code when the record carries one (every prescription here does). */
  drugCode: string | null;
  drugName: string;
  instructions: MedicineInstructions | null;
  /** When it was prescribed. */
  since: string | null;
  /**
   * When the supply handed over runs out (a dispensed line: handed over + its supply days); null before the
   * handover, or when the record does not say.
   */
  supplyEnds: string | null;
  origin: MedicineOrigin;
}

/** Prescriptions not dispensed yet that can still be: the patient is about to take what they hold. */
const OPEN: PrescriptionStatus[] = ['pending-review', 'ready', 'in-progress'];

/**
 * What the patient takes now: the one rule behind the doctor's chronic-care view and the pharmacist's review
 * (docs/prescriptions.md "Current medicines"):
 * - this hospital's prescriptions still open (waiting for review, ready or held by a pharmacy) and not expired: an
 *   expired one can no longer be dispensed, so nothing of it is taken (DESIGN.md: validity ends by default 1 day
 *   after issue); and the lines of dispensed ones whose supply has not run out (handed over less than `supplyDays`
 *   ago). Cancelled and rejected ones never count;
 * - active MedicationRequests stored in the FHIR repository that are not this hospital's own prescriptions: those a
 *   partner hospital sent (`meta.source` = its registered FHIR base URL, named as registered; the partner pull
 *   imports them) or another system recorded.
 * This hospital's come first, oldest issued first; then the others in the order they were recorded.
 */
export async function currentMedicines(db: Database, patientId: string, now = new Date()): Promise<CurrentMedicine[]> {
  const [here, elsewhere] = await Promise.all([prescribedHere(db, patientId, now), recordedElsewhere(db, patientId)]);
  return [...here, ...elsewhere];
}

async function prescribedHere(db: Database, patientId: string, now: Date): Promise<CurrentMedicine[]> {
  // No line supplies longer than a chronic-disease one: prescriptions handed over before that have all run out.
  const longestSupplyAgo = new Date(now.getTime() - prescriptionLimits.maxChronicSupplyDays * DAY);
  const rows = await db.models.Prescription.findAll({
    where: {
      patientId,
      [Op.or]: [{ status: OPEN, validUntil: { [Op.gt]: now } }, { status: 'completed', completedAt: { [Op.gt]: longestSupplyAgo } }],
    },
    order: [['issuedAt', 'ASC']],
  });
  if (!rows.length) return [];
  const lines = await db.models.PrescriptionLine.findAll({ where: { prescriptionId: rows.map((r) => r.id) }, order: [['lineNo', 'ASC']] });
  return rows.flatMap((row) => lines.filter((line) => line.prescriptionId === row.id).flatMap((line): CurrentMedicine[] => {
    const supplyEnds = row.status === 'completed' && row.completedAt ? new Date(row.completedAt.getTime() + line.supplyDays * DAY) : null;
    if (row.status === 'completed' && !(supplyEnds && supplyEnds > now)) return [];
    return [{
      drugCode: line.drugCode, drugName: line.drugName, instructions: { dose: line.dose, frequency: line.frequency }, since: row.issuedAt.toISOString(),
      supplyEnds: supplyEnds?.toISOString() ?? null,
      origin: {
        kind: 'prescription', prescriptionId: row.id, prescriptionNumber: row.number, status: row.status, validUntil: row.validUntil.toISOString(),
      },
    }];
  }));
}

const textOf = (text: string | undefined): MedicineInstructions | null => (text ? { text } : null);

/** Recorded order: when the repository stored each (its meta.lastUpdated), then id. */
const byRecorded = (a: MedicationRequest, b: MedicationRequest) =>
  (a.meta?.lastUpdated ?? '').localeCompare(b.meta?.lastUpdated ?? '') || a.id!.localeCompare(b.id!);

async function recordedElsewhere(db: Database, patientId: string): Promise<CurrentMedicine[]> {
  const stored = await compartmentResources<MedicationRequest>(db, patientId, ['MedicationRequest']);
  const active = stored.filter((r) => r.status === 'active').sort(byRecorded);
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
      instructions: textOf(r.dosageInstruction?.map((d) => d.text).filter(Boolean).join('; ')),
      since: r.authoredOn ?? null,
      supplyEnds: null,
      origin: source && hospital !== undefined ? { kind: 'partner', hospital, fhirBaseUrl: source } : { kind: 'other-record', source },
    };
  });
}
