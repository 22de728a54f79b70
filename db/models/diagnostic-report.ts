import {
  DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize,
} from 'sequelize';
import { fresh } from './fresh.js';
import { idColumn, refColumn, timestampColumns, versionColumn } from '../columns.js';

export type DiagnosticReportStatus =
  'registered' | 'partial' | 'preliminary' | 'final' | 'amended' | 'corrected' | 'appended' | 'cancelled' | 'entered-in-error' | 'unknown';

/**
 * An exam result (FHIR DiagnosticReport): a lab panel or other test with its result Observations, recorded here
 * or imported from a partner hospital (`source`), so a test done at one hospital is not repeated at another.
 */
export class DiagnosticReport extends Model<InferAttributes<DiagnosticReport>, InferCreationAttributes<DiagnosticReport>> {
  declare id: string;
  declare patientId: string;
  declare encounterId: string | null;
  declare status: DiagnosticReportStatus;
  /** v2-0074 diagnostic service section code: LAB, RAD, CH (chemistry), HM (hematology) …; null when not given. */
  declare category: string | null;
  declare codeSystem: string;
  /** What was examined, usually LOINC (e.g. 24331-1 lipid panel, 4548-4 HbA1c). */
  declare code: string;
  declare display: string;
  /** When the specimen was taken / the exam was done (effectiveDateTime, or effectivePeriod.start). */
  declare effectiveAt: Date;
  /** When the report was released. */
  declare issuedAt: Date | null;
  /** Who performed it (the lab, the hospital), as text: the partner's references mean nothing here. */
  declare performerDisplay: string | null;
  /** JSON array of the local ids of the result Observations (DiagnosticReport.result), in report order. */
  declare resultIds: string | null;
  declare conclusion: string | null;
  /** The partner node's FHIR base URL for an imported report; null when recorded here. */
  declare source: string | null;
  /** The record's id at `source`, for an imported record. */
  declare sourceId: CreationOptional<string | null>;
  declare versionId: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export function defineDiagnosticReport(sequelize: Sequelize) {
  const DiagnosticReportModel = fresh(DiagnosticReport);
  DiagnosticReportModel.init({
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
    sourceId: { type: DataTypes.STRING(64), allowNull: true },
    versionId: versionColumn,
    ...timestampColumns,
  }, { sequelize, tableName: 'diagnostic_reports' });
  return { DiagnosticReport: DiagnosticReportModel };
}
