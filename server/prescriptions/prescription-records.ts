import type { Resource } from '@medplum/fhirtypes';
import type { Transaction } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { MedicationDispense, Prescription } from '../../db/models/prescription.js';
import type { Caller } from '../auth/caller.js';
import { storeDerived, type DerivedAct } from '../fhir/repository/derived-records.js';
import { loadRow } from '../fhir/repository/store.js';
import { medicationDispense, medicationRequest, prescriptionProvenance, prescriptionTask } from './fhir-views.js';

/** The FHIR base URL of the hospital that signed the prescription, as its signed content names it. */
export const issuerOf = (row: Prescription): string => (JSON.parse(row.signedContent) as { issuer: string }).issuer;

/** What a dispensing operation answers: the records its act stored, as /fhir reads them back. */
export interface PrescriptionRecords {
  task: Resource;
  provenance: Resource;
  /** The MedicationDispense of each line this act handed over. */
  dispenses: Resource[];
}

/**
 * Each time a prescription moves, its FHIR records are stored through the repository in the same transaction: the
 * Task that carries it through dispensing, one MedicationRequest per prescribed line, the Provenance of its
 * signature, and the MedicationDispense of each handover. The repository versions what changed and audits the act;
 * the records are answered as stored, so the act's operation need not read them again.
 */
export async function storePrescriptionRecords(
  db: Database, who: Caller, tx: Transaction, row: Prescription, act: DerivedAct, dispenses: MedicationDispense[] = [],
): Promise<PrescriptionRecords> {
  const lines = await db.models.PrescriptionLine.findAll({ where: { prescriptionId: row.id }, order: [['lineNo', 'ASC']], transaction: tx });
  const issuer = issuerOf(row);
  const [task, ...rest] = await storeDerived({ db, caller: who, tx }, [
    prescriptionTask(row, lines, issuer),
    ...lines.map((line) => medicationRequest(row, line, issuer)),
    prescriptionProvenance(row, lines),
    ...dispenses.map((d) => medicationDispense(row, d, lines.find((line) => line.lineNo === d.lineNo))),
  ] as never[], act);
  return { task, provenance: rest[lines.length], dispenses: rest.slice(lines.length + 1) };
}

/** Records of a prescription as the repository stores them, for an operation that changes nothing ($lookup). */
export async function storedRecords(db: Database, records: { type: string; id: string }[], tx?: Transaction): Promise<Resource[]> {
  return Promise.all(records.map(async ({ type, id }) => {
    const row = await loadRow(db, type, id, tx);
    if (!row) throw new Error(`${type}/${id} was not stored by its prescription's act`);
    return JSON.parse(row.content) as Resource;
  }));
}
