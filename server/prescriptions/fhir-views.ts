import type { MedicationDispense, Prescription, PrescriptionLine, PrescriptionStatus } from '../../db/models/prescription.js';
import { ATC } from './drug-catalogue.js';

/** Our prescription statuses as FHIR R4 Task.status. */
export const TASK_STATUS: Record<PrescriptionStatus, string> = {
  'pending-review': 'requested', rejected: 'rejected', ready: 'ready', 'in-progress': 'in-progress',
  completed: 'completed', cancelled: 'cancelled',
};

export const PRESCRIPTION_NUMBER_SYSTEM = (issuer: string) => `${issuer}/prescription-number`;

/** The Task that carries a prescription through dispensing (pure mapping, no I/O). */
export function prescriptionTask(row: Prescription, lines: PrescriptionLine[], issuer: string) {
  return {
    resourceType: 'Task',
    id: row.id,
    meta: { versionId: String(row.versionId), lastUpdated: row.updatedAt.toISOString() },
    groupIdentifier: { system: PRESCRIPTION_NUMBER_SYSTEM(issuer), value: row.number },
    status: TASK_STATUS[row.status],
    ...(row.status === 'rejected' && row.reviewReasonCode ? { statusReason: { coding: [{ system: `${issuer}/review-reason`, code: row.reviewReasonCode }], text: row.reviewNote ?? undefined } } : {}),
    intent: 'order',
    code: { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill' }] },
    focus: { reference: `MedicationRequest/${lines[0]?.id ?? ''}` },
    basedOn: lines.map((l) => ({ reference: `MedicationRequest/${l.id}` })),
    for: { reference: `Patient/${row.patientId}` },
    encounter: { reference: `Encounter/${row.encounterId}` },
    authoredOn: row.issuedAt.toISOString(),
    lastModified: row.updatedAt.toISOString(),
    requester: { reference: `Practitioner/${row.prescriberId}` },
    ...(row.ownerPharmacy ? { owner: { display: row.ownerPharmacy } } : {}),
    restriction: { period: { start: row.issuedAt.toISOString(), end: row.validUntil.toISOString() } },
    ...(row.replacesId ? { note: [{ text: `Replaces prescription ${row.replacesId}` }] } : {}),
  };
}

export function medicationRequest(row: Prescription, line: PrescriptionLine, issuer: string) {
  return {
    resourceType: 'MedicationRequest',
    id: line.id,
    status: row.status === 'cancelled' ? 'cancelled' : row.status === 'completed' ? 'completed' : row.status === 'pending-review' || row.status === 'rejected' ? 'draft' : 'active',
    intent: 'order',
    groupIdentifier: { system: PRESCRIPTION_NUMBER_SYSTEM(issuer), value: row.number },
    medicationCodeableConcept: { coding: [{ system: ATC, code: line.drugCode, display: line.drugName }] },
    subject: { reference: `Patient/${row.patientId}` },
    encounter: { reference: `Encounter/${row.encounterId}` },
    authoredOn: row.issuedAt.toISOString(),
    requester: { reference: `Practitioner/${row.prescriberId}` },
    ...(row.replacesId ? { priorPrescription: { reference: `MedicationRequest/${row.replacesId}` } } : {}),
    dosageInstruction: [{ sequence: line.lineNo, text: `${line.dose}, ${line.frequency}` }],
    dispenseRequest: {
      validityPeriod: { start: row.issuedAt.toISOString(), end: row.validUntil.toISOString() },
      quantity: { value: line.quantity },
      expectedSupplyDuration: { value: line.supplyDays, unit: 'days', system: 'http://unitsofmeasure.org', code: 'd' },
    },
  };
}

/** The signature as a FHIR Provenance: sigFormat application/jose, data = base64 of the detached JWS. */
export function prescriptionProvenance(row: Prescription, lines: PrescriptionLine[]) {
  return {
    resourceType: 'Provenance',
    id: `${row.id}-signature`,
    target: [{ reference: `Task/${row.id}` }, ...lines.map((l) => ({ reference: `MedicationRequest/${l.id}` }))],
    recorded: row.issuedAt.toISOString(),
    agent: [{ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'author' }] }, who: { reference: `Practitioner/${row.prescriberId}` } }],
    signature: [{
      type: [{ system: 'urn:iso-astm:E1762-95:2013', code: '1.2.840.10065.1.12.1.1', display: "Author's Signature" }],
      when: row.issuedAt.toISOString(),
      who: { reference: `Practitioner/${row.prescriberId}` },
      targetFormat: 'application/json',
      sigFormat: 'application/jose',
      data: Buffer.from(row.signature, 'utf8').toString('base64'),
    }],
  };
}

export function medicationDispense(row: Prescription, dispense: MedicationDispense, line: PrescriptionLine | undefined) {
  return {
    resourceType: 'MedicationDispense',
    id: dispense.id,
    status: 'completed',
    medicationCodeableConcept: { coding: [{ system: ATC, code: dispense.drugCode }] },
    subject: { reference: `Patient/${row.patientId}` },
    authorizingPrescription: line ? [{ reference: `MedicationRequest/${line.id}` }] : [],
    quantity: { value: dispense.quantity },
    whenHandedOver: dispense.dispensedAt.toISOString(),
    performer: [{ actor: { display: dispense.pharmacy } }],
  };
}

/**
 * The MedicationDispense a pharmacy keeps of its own handover of another hospital's prescription (one per line):
 * the patient, the prescription and its lines are the issuer's, so they are absolute references to the issuer's
 * FHIR base (`issuer`), and the record names none of this node's patients.
 */
export function partnerMedicationDispense(
  dispensationId: string, issuer: string, pharmacy: string, handedOverAt: Date,
  patient: { id: string; name: string }, line: { id: string; lineNo: number; drugCode: string; drugName: string; quantity: number },
) {
  return {
    resourceType: 'MedicationDispense',
    id: `${dispensationId}-${line.lineNo}`,
    status: 'completed',
    medicationCodeableConcept: { coding: [{ system: ATC, code: line.drugCode, display: line.drugName }] },
    subject: { reference: `${issuer}/Patient/${patient.id}`, display: patient.name },
    authorizingPrescription: [{ reference: `${issuer}/MedicationRequest/${line.id}` }],
    quantity: { value: line.quantity },
    whenHandedOver: handedOverAt.toISOString(),
    performer: [{ actor: { display: pharmacy } }],
  };
}
