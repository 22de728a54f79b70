import { expect } from 'chai';
import type { MedicationDispense, Prescription, PrescriptionLine } from '../../db/models/prescription.js';
import { medicationDispense, medicationRequest, prescriptionProvenance, prescriptionTask } from '../../server/prescriptions/fhir-views.js';
import { validateR4 } from '../support/fhir-validator.js';

describe('prescription FHIR views are valid R4', () => {
  const now = new Date('2026-11-29T03:00:00.000Z');
  const row = {
    id: 'rx-1', number: 'RX-20261129-ABCDEF0123', patientId: 'pat-1', prescriberId: 'prac-1', encounterId: 'enc-1',
    status: 'rejected', issuedAt: now, validUntil: new Date(now.getTime() + 86_400_000), validityReason: null,
    chronicConditionCode: 'I10', replacesId: 'rx-0', signedContent: '{}', signature: 'eyJhbGciOiJFUzI1NiJ9..c2ln', kid: 'k1',
    accessCodeHash: 'x', reviewerId: 'prac-2', reviewedAt: now, reviewReasonCode: 'dose-out-of-range', reviewNote: 'check',
    ownerPharmacy: 'Organization/ph-1', secretHash: null, acceptedAt: null, completedAt: null, receipt: null, cancelledAt: null,
    versionId: 3, createdAt: now, updatedAt: now,
  } as unknown as Prescription;
  const line = {
    id: 'line-1', prescriptionId: 'rx-1', lineNo: 1, drugCode: 'C09AA05', drugName: 'Ramipril', dose: '1 tablet',
    frequency: 'once daily', quantity: 28, supplyDays: 28,
  } as unknown as PrescriptionLine;
  const dispense = { id: 'd-1', prescriptionId: 'rx-1', lineNo: 1, drugCode: 'C09AA05', quantity: 28, pharmacy: 'Organization/ph-1', dispensedAt: now } as unknown as MedicationDispense;

  for (const [name, resource] of [
    ['Task', () => prescriptionTask(row, [line], 'https://h.example/fhir')],
    ['MedicationRequest', () => medicationRequest(row, line, 'https://h.example/fhir')],
    ['Provenance', () => prescriptionProvenance(row, [line])],
    ['MedicationDispense', () => medicationDispense(row, dispense, line)],
  ] as const) {
    it(`when a prescription is shown as ${name}, then the R4 validator finds no error`, () => {
      const result = validateR4(resource() as never);
      expect(result.issues.filter((i) => i.severity === 'error'), JSON.stringify(result.issues)).to.deep.equal([]);
    });
  }
});
