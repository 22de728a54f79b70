import { DataTypes, type QueryInterface } from 'sequelize';
import type { Migration } from './index.js';
import { idColumn, refColumn, timestampColumns, versionColumn } from '../columns.js';

/**
 * Exam results (FHIR DiagnosticReport): a report groups result Observations (lab panels, imaging findings),
 * recorded here or imported from a partner (`source`). The report lists its results (`resultIds`, part of the
 * versioned report); each result Observation points back at its report (`observations.diagnosticReportId`).
 */
export const diagnosticReports: Migration = {
  name: '0090-diagnostic-reports',
  async up({ context: q }: { context: QueryInterface }) {
    await q.createTable('diagnostic_reports', {
      id: idColumn,
      patientId: refColumn(false),
      encounterId: refColumn(true),
      status: { type: DataTypes.STRING(20), allowNull: false },
      category: { type: DataTypes.STRING(40), allowNull: true },
      codeSystem: { type: DataTypes.STRING(128), allowNull: false },
      code: { type: DataTypes.STRING(32), allowNull: false },
      display: { type: DataTypes.STRING(200), allowNull: false },
      effectiveAt: { type: DataTypes.DATE(3), allowNull: false },
      issuedAt: { type: DataTypes.DATE(3), allowNull: true },
      performerDisplay: { type: DataTypes.STRING(200), allowNull: true },
      resultIds: { type: DataTypes.TEXT, allowNull: true },
      conclusion: { type: DataTypes.TEXT, allowNull: true },
      source: { type: DataTypes.STRING(255), allowNull: true },
      versionId: versionColumn,
      ...timestampColumns,
    });
    // A patient's reports by code and date (FHIR search, the visit's exam results newest first).
    await q.addIndex('diagnostic_reports', ['patientId', 'code', 'effectiveAt']);
    await q.addIndex('diagnostic_reports', ['patientId', 'effectiveAt']);
    await q.addIndex('diagnostic_reports', ['updatedAt']);
    // The results of a report.
    await q.addIndex('observations', ['diagnosticReportId']);
  },
  async down({ context: q }: { context: QueryInterface }) {
    await q.removeIndex('observations', ['diagnosticReportId']);
    await q.dropTable('diagnostic_reports');
  },
};
