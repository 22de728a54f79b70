import type { QueryInterface } from 'sequelize';
import type { Migration } from './index.js';

/**
 * The access filter asks, for each candidate row, whether one of its compartment rows names a patient in the
 * caller's care (`EXISTS (SELECT 1 FROM fhir_compartments c WHERE c.resourceType = r.resourceType AND c.resourceId
 * = r.id AND c.patientId …)`, server/fhir/repository/access-rule.ts). For a patient's own search the database
 * picks the (patientId, resourceType) index, which without the resource id read every one of the patient's
 * records of the type for each candidate; ending it with the resource id makes each check one seek. The index
 * keeps its name.
 */
async function replaceIndex(q: QueryInterface, columns: string[]): Promise<void> {
  await q.removeIndex('fhir_compartments', 'fhir_compartments_patient');
  await q.addIndex('fhir_compartments', columns, { name: 'fhir_compartments_patient' });
}

export const compartmentRowsByPatient: Migration = {
  name: '0340-compartment-rows-by-patient',
  up: ({ context: q }) => replaceIndex(q, ['patientId', 'resourceType', 'resourceId']),
  down: ({ context: q }) => replaceIndex(q, ['patientId', 'resourceType']),
};
