import type { DiagnosticReport } from '@medplum/fhirtypes';
import type { DiagnosticReport as DiagnosticReportModel } from '../../../db/models/diagnostic-report.js';
import {
  DIAGNOSTIC_SERVICE_SECTION, fromDiagnosticReportResource, toDiagnosticReportResource, type DiagnosticReportRow,
} from '../../../fhir-mappings/diagnostic-report.js';
import { linkReportResults } from '../../consultations/report-results.js';
import { Unprocessable } from '../../http/errors.js';
import { registerResource } from '../registry.js';

/** Exam results: a report and its result Observations (which must be the same patient's, stored here). */
registerResource({
  type: 'DiagnosticReport',
  model: (db) => db.models.DiagnosticReport,
  toResource: (row) => toDiagnosticReportResource(row as unknown as DiagnosticReportRow),
  fromResource: (resource) => fromDiagnosticReportResource(resource as DiagnosticReport),
  interactions: ['read', 'vread', 'search-type', 'history-instance', 'create', 'update', 'delete'],
  patientColumn: 'patientId',
  patientReference: 'subject',
  writeRoles: ['admin', 'doctor'],
  enteredInError: { status: 'entered-in-error' },
  async afterWrite(ctx, row) {
    const missing = await linkReportResults(ctx.db, row as unknown as DiagnosticReportModel, ctx.tx);
    if (missing.length) {
      throw new Unprocessable('unknown-reference', `Observation/${missing[0]} is not an Observation of this patient on this server.`,
        missing.map((id) => ({ expression: 'DiagnosticReport.result', message: `Observation/${id} does not exist for this patient` })));
    }
  },
  searchParams: [
    { name: 'subject', type: 'reference', columns: ['patientId'], target: ['Patient'], documentation: 'Whose exam' },
    { name: 'patient', type: 'reference', columns: ['patientId'], target: ['Patient'], documentation: 'Whose exam' },
    { name: 'encounter', type: 'reference', columns: ['encounterId'], target: ['Encounter'], documentation: 'The visit it was ordered or reported in' },
    { name: 'code', type: 'token', columns: ['code'], systemColumn: 'codeSystem', documentation: 'What was examined (LOINC), system|code' },
    { name: 'category', type: 'token', columns: ['category'], system: DIAGNOSTIC_SERVICE_SECTION, documentation: 'LAB | CH | HM | RAD … (v2-0074)' },
    { name: 'status', type: 'token', columns: ['status'], system: 'http://hl7.org/fhir/diagnostic-report-status', documentation: 'final | amended | entered-in-error …' },
    { name: 'date', type: 'date', columns: ['effectiveAt'], documentation: 'When the exam was done (effective)', sortable: true },
    { name: 'issued', type: 'date', columns: ['issuedAt'], documentation: 'When the report was released' },
  ],
});
