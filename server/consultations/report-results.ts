import { Op, type Transaction } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { DiagnosticReport } from '../../db/models/diagnostic-report.js';
import { resultIdsOf } from '../../fhir-mappings/diagnostic-report.js';

/**
 * Points each result Observation of a report back at it (`observations.diagnosticReportId`) and unlinks the
 * ones the report no longer lists: the one place the two sides of "a report's results" are kept in step
 * (FHIR writes and the partner import call it; the demo seed writes both sides itself). Only Observations of the report's own
 * patient are linked; the ids it could not link are returned (the FHIR write refuses them). The link is not
 * part of the Observation resource, so it is written without a new version and without touching updatedAt.
 */
export async function linkReportResults(
  db: Database, report: Pick<DiagnosticReport, 'id' | 'patientId' | 'resultIds'>, tx: Transaction,
): Promise<string[]> {
  const ids = [...new Set(resultIdsOf(report))];
  const { Observation } = db.models;
  await Observation.update({ diagnosticReportId: null }, {
    where: { diagnosticReportId: report.id, ...(ids.length ? { id: { [Op.notIn]: ids } } : {}) }, transaction: tx, silent: true,
  });
  if (ids.length === 0) return [];
  const found = await Observation.findAll({ where: { id: { [Op.in]: ids }, patientId: report.patientId }, attributes: ['id'], transaction: tx });
  const foundIds = found.map((o) => o.id);
  if (foundIds.length) {
    await Observation.update({ diagnosticReportId: report.id }, { where: { id: { [Op.in]: foundIds } }, transaction: tx, silent: true });
  }
  return ids.filter((id) => !foundIds.includes(id));
}
