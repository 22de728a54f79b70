import { toAuditEventResource, type AuditEventRow } from '../../../fhir-mappings/audit-event.js';
import { registerResource } from '../registry.js';

// Read-only: audit events are written by the server itself and are append-only.
registerResource({
  type: 'AuditEvent',
  model: (db) => db.models.AuditEvent,
  toResource: (row) => toAuditEventResource(row as unknown as AuditEventRow),
  interactions: ['read', 'search-type'],
  patientColumn: 'patientId',
  // As GET /api/audit-events: admins read the whole log, a patient who accessed their own records.
  readRoles: ['admin', 'patient'],
  lastUpdatedColumn: 'recordedAt',
  versioned: false,
  searchParams: [
    { name: 'patient', type: 'reference', columns: ['patientId'], target: ['Patient'], documentation: 'Whose records were touched' },
    { name: 'date', type: 'date', columns: ['recordedAt'], documentation: 'When it happened', sortable: true },
    { name: 'action', type: 'token', columns: ['action'], system: 'http://hl7.org/fhir/audit-event-action', documentation: 'C | R | U | D | E' },
    { name: 'outcome', type: 'token', columns: ['outcome'], system: 'http://hl7.org/fhir/audit-event-outcome', documentation: '0 | 4 | 8 | 12' },
  ],
});
