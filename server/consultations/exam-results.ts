import { Op } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { DiagnosticReport } from '../../db/models/diagnostic-report.js';
import type { Observation, ObservationComponent } from '../../db/models/observation.js';
import { parseJsonArray } from '../../fhir-mappings/common.js';
import { resultIdsOf } from '../../fhir-mappings/diagnostic-report.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import { pullPartnerRecords, type PullDeps, type PullResult } from '../exchange/pull.js';
import { visitOfParticipant } from './visit-participants.js';

const resultView = (o: Observation) => ({
  id: o.id, status: o.status, code: o.code, codeSystem: o.codeSystem, display: o.display,
  value: o.valueNumber, unit: o.valueUnit,
  components: parseJsonArray<ObservationComponent>(o.components),
  effectiveAt: o.effectiveAt.toISOString(),
});

/** Where a report comes from: this hospital, or a partner (its registered name, when it still is, and FHIR base URL). */
function originOf(report: DiagnosticReport, partnerNames: Map<string, string>) {
  if (!report.source) return { kind: 'local' as const };
  return { kind: 'partner' as const, partnerName: partnerNames.get(report.source) ?? null, fhirBaseUrl: report.source, source: report.source };
}

/**
 * The exam results (DiagnosticReports with their result Observations) of the visit's patient, newest first,
 * each with its origin, for the visit's doctor (and patient): a test already done at a partner hospital is
 * recognised instead of reordered. Reports entered in error are left out. Audited read; anyone but the two
 * participants is refused (403, audited). With `fresh`, the patient's consented partners are pulled first
 * (each bounded by the partner timeout) and the pull's answer, with its `unavailable` notice, comes along.
 */
export async function listExamResults(db: Database, caller: Caller, encounterId: string, fresh?: PullDeps) {
  const { visit } = await visitOfParticipant(db, caller, encounterId);
  const partnerPull: PullResult | undefined = fresh ? await pullPartnerRecords(fresh, caller, visit.patientId) : undefined;
  const reports = await db.models.DiagnosticReport.findAll({
    where: { patientId: visit.patientId, status: { [Op.ne]: 'entered-in-error' } },
    order: [['effectiveAt', 'DESC'], ['id', 'ASC']],
  });
  const observations = reports.length === 0 ? [] : await db.models.Observation.findAll({
    where: { patientId: visit.patientId, diagnosticReportId: { [Op.in]: reports.map((r) => r.id) } },
  });
  const sources = [...new Set(reports.map((r) => r.source).filter((s): s is string => s !== null))];
  const partners = sources.length === 0 ? [] : await db.models.Partner.findAll({ where: { fhirBaseUrl: { [Op.in]: sources } } });
  const partnerNames = new Map(partners.map((p) => [p.fhirBaseUrl, p.name]));
  await recordAudit(db, caller, {
    action: 'R', activity: 'exam-results-read', resourceType: 'DiagnosticReport', resourceId: encounterId, patientId: visit.patientId,
    detail: `${reports.length} reports listed in visit ${encounterId}`,
  });
  return {
    visitId: visit.id,
    patientId: visit.patientId,
    ...(partnerPull ? { partnerPull } : {}),
    examResults: reports.map((report) => {
      const order = resultIdsOf(report);
      const results = observations.filter((o) => o.diagnosticReportId === report.id)
        .sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
      return {
        id: report.id, status: report.status, category: report.category,
        code: report.code, codeSystem: report.codeSystem, display: report.display,
        effectiveAt: report.effectiveAt.toISOString(), issuedAt: report.issuedAt?.toISOString() ?? null,
        performer: report.performerDisplay, conclusion: report.conclusion,
        origin: originOf(report, partnerNames),
        results: results.map(resultView),
      };
    }),
  };
}
