import type { Patient } from '@medplum/fhirtypes';
import { fromPatientResource, toPatientResource, type PatientRow } from '../../../fhir-mappings/patient.js';
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
});
