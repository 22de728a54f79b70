import type { DiagnosticReport as FhirDiagnosticReport } from '@medplum/fhirtypes';
import type { InferAttributes } from 'sequelize';
import type { DiagnosticReport, DiagnosticReportStatus } from '../db/models/diagnostic-report.js';
import {
  compact, instant, IssueCollector, metaOf, originIdentifier, oneOf, optionalInstant, parseDateTime, parseJsonArray, reference, referencedId,
  requiredString,
} from './common.js';

export type DiagnosticReportRow = InferAttributes<DiagnosticReport>;
export type DiagnosticReportFields = Omit<DiagnosticReportRow, 'id' | 'versionId' | 'createdAt' | 'updatedAt' | 'source' | 'sourceId'>;

/** HL7 v2 table 0074, the diagnostic service sections: LAB, CH (chemistry), HM (hematology), RAD … */
export const DIAGNOSTIC_SERVICE_SECTION = 'http://terminology.hl7.org/CodeSystem/v2-0074';
const STATUSES: DiagnosticReportStatus[] =
  ['registered', 'partial', 'preliminary', 'final', 'amended', 'corrected', 'appended', 'cancelled', 'entered-in-error', 'unknown'];

/** The local ids of a report's result Observations, in report order. */
export const resultIdsOf = (row: Pick<DiagnosticReportRow, 'resultIds'>): string[] => parseJsonArray<string>(row.resultIds);

export function toDiagnosticReportResource(row: DiagnosticReportRow): FhirDiagnosticReport {
  const results = resultIdsOf(row);
  return compact({
    resourceType: 'DiagnosticReport' as const,
    id: row.id,
    meta: metaOf(row, row.source),
    identifier: originIdentifier('DiagnosticReport', row),
    status: row.status,
    category: row.category ? [{ coding: [{ system: DIAGNOSTIC_SERVICE_SECTION, code: row.category }] }] : undefined,
    code: { coding: [{ system: row.codeSystem, code: row.code, display: row.display }], text: row.display },
    subject: reference('Patient', row.patientId),
    encounter: reference('Encounter', row.encounterId),
    effectiveDateTime: instant(row.effectiveAt),
    issued: optionalInstant(row.issuedAt),
    performer: row.performerDisplay ? [{ display: row.performerDisplay }] : undefined,
    result: results.length ? results.map((id) => reference('Observation', id)!) : undefined,
    conclusion: row.conclusion ?? undefined,
  });
}

/**
 * A DiagnosticReport → the columns it is stored in. Performers are kept as their display text (a partner's
 * Practitioner/Organization ids mean nothing here); only a v2-0074 category is kept; results must be
 * Observation references. effective[x] (or, failing that, `issued`) is required: it orders the exam results.
 */
export function fromDiagnosticReportResource(resource: FhirDiagnosticReport): DiagnosticReportFields {
  const issues = new IssueCollector();
  const status = oneOf(resource.status, STATUSES, 'DiagnosticReport.status', issues);
  const coding = resource.code?.coding?.[0];
  const codeSystem = requiredString(coding?.system, 'DiagnosticReport.code.coding[0].system', issues, 128);
  const code = requiredString(coding?.code, 'DiagnosticReport.code.coding[0].code', issues, 32);
  const category = resource.category?.flatMap((c) => c.coding ?? []).find((c) => c.system === DIAGNOSTIC_SERVICE_SECTION)?.code ?? null;
  const issuedAt = resource.issued ? parseDateTime(resource.issued, 'DiagnosticReport.issued', issues) : null;
  const effective = resource.effectiveDateTime ?? resource.effectivePeriod?.start;
  const effectiveAt = effective !== undefined
    ? parseDateTime(effective, resource.effectiveDateTime ? 'DiagnosticReport.effectiveDateTime' : 'DiagnosticReport.effectivePeriod.start', issues)
    : issuedAt;
  if (effective === undefined && !resource.issued) issues.add('DiagnosticReport.effectiveDateTime', 'is required (or issued)');
  const resultIds = (resource.result ?? []).map((r, i) => referencedId(r, 'Observation', `DiagnosticReport.result[${i}]`, issues));
  const performer = resource.performer?.map((p) => p.display).filter(Boolean).join('; ') || null;
  if (performer && performer.length > 200) issues.add('DiagnosticReport.performer.display', 'is longer than 200 characters');
  const fields = {
    status: status!, category, codeSystem, code, display: coding?.display ?? resource.code?.text ?? code,
    patientId: referencedId(resource.subject, 'Patient', 'DiagnosticReport.subject', issues)!,
    encounterId: referencedId(resource.encounter, 'Encounter', 'DiagnosticReport.encounter', issues, false),
    effectiveAt: effectiveAt!, issuedAt,
    performerDisplay: performer,
    resultIds: resultIds.length ? JSON.stringify(resultIds) : null,
    conclusion: resource.conclusion ?? null,
  };
  issues.throwIfAny();
  return fields;
}
