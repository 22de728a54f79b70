/**
 * Records as a pull from a partner hospital leaves them (server/exchange/pull.ts importRecords): rows with
 * `source` = the partner's FHIR base URL. For tests about how imported records are shown, without a second node.
 */
import crypto from 'node:crypto';
import { ICD10 } from '../../server/consultations/eligibility.js';
import { LOINC } from '../../fhir-mappings/observation.js';
import { registerPartner } from './exchange.js';
import { recorded } from './factories.js';
import type { TestNode } from './test-node.js';

/** A partner registered at `hospital` under `name`; its FHIR base URL is what imported records carry as `source`. */
export async function registeredPartner(hospital: TestNode, name: string) {
  const url = `https://${crypto.randomBytes(4).toString('hex')}.partner.example.test`;
  await registerPartner(hospital, { url }, name);
  return { name, source: `${url}/fhir` };
}

/** A blood pressure the partner measured (by a device), as imported here. */
export async function importedBloodPressure(hospital: TestNode, patientId: string, source: string, at: Date, systolic: number, diastolic: number) {
  const sourceId = crypto.randomUUID();
  return recorded(hospital, 'Observation', await hospital.db.models.Observation.create({
    id: crypto.createHash('sha256').update(`${source}|Observation|${sourceId}`).digest('hex'), patientId, encounterId: null, status: 'final',
    category: 'vital-signs', codeSystem: LOINC, code: '85354-9', display: 'Blood pressure panel with all children optional', effectiveAt: at,
    valueNumber: null, valueUnit: null, entryMethod: 'device', deviceName: 'Partner monitor', diagnosticReportId: null, source, sourceId,
    components: JSON.stringify([
      { code: '8480-6', display: 'Systolic blood pressure', value: systolic, unit: 'mm[Hg]' },
      { code: '8462-4', display: 'Diastolic blood pressure', value: diastolic, unit: 'mm[Hg]' },
    ]),
  }));
}

/** A condition the partner diagnosed at an in-person visit, as imported here. */
export async function importedCondition(hospital: TestNode, patientId: string, source: string, code: string, display: string) {
  const at = new Date(Date.now() - 60 * 86_400_000);
  const encounter = await recorded(hospital, 'Encounter', await hospital.db.models.Encounter.create({
    id: crypto.randomUUID(), patientId, practitionerId: null, organizationId: null, encounterClass: 'AMB', status: 'finished', periodStart: at, periodEnd: at, source,
  }));
  return recorded(hospital, 'Condition', await hospital.db.models.Condition.create({
    id: crypto.randomUUID(), patientId, encounterId: encounter.id, recorderId: null, codeSystem: ICD10, code, display,
    clinicalStatus: 'active', verificationStatus: 'confirmed', onsetDate: null, recordedAt: at, source,
  }));
}
