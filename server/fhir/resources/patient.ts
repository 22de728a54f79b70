import type { Patient } from '@medplum/fhirtypes';
import { fromPatientResource, toPatientResource, type PatientRow } from '../../../fhir-mappings/patient.js';
import { everythingQuery, PATIENT_EVERYTHING, patientEverything } from '../everything.js';
import { registerResource } from '../registry.js';

registerResource({
  type: 'Patient',
  model: (db) => db.models.Patient,
  toResource: (row) => toPatientResource(row as unknown as PatientRow),
  fromResource: (resource) => fromPatientResource(resource as Patient),
  interactions: ['read', 'vread', 'search-type', 'history-instance', 'create', 'update'],
  patientColumn: 'id',
  // A patient record is opened by registration (/api/patients) or by an admin importing one.
  writeRoles: ['admin', 'doctor', 'patient'],
  searchParams: [
    { name: 'name', type: 'string', columns: ['familyName', 'givenName'], documentation: 'Start of the family or given name, any case' },
    { name: 'family', type: 'string', columns: ['familyName'], documentation: 'Start of the family name, any case', sortable: true },
    { name: 'given', type: 'string', columns: ['givenName'], documentation: 'Start of the given name, any case' },
    { name: 'gender', type: 'token', columns: ['gender'], system: 'http://hl7.org/fhir/administrative-gender', documentation: 'male | female | other | unknown' },
    { name: 'birthdate', type: 'date', columns: ['birthDate'], precision: 'date', documentation: 'Date of birth' },
    { name: 'email', type: 'token', columns: ['email'], documentation: 'Email address' },
  ],
  operations: [{
    name: 'everything', level: 'instance', definition: PATIENT_EVERYTHING, affectsState: false,
    documentation: 'The patient and every record of theirs this node serves (imported ones too); _since, _type',
    async handler(ctx, { id, query, parameters }) {
      return { status: 200, resource: await patientEverything(ctx, id!, everythingQuery(query, parameters)) };
    },
  }],
});
