import {
  DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize,
} from 'sequelize';
import { fresh } from './fresh.js';
import { idColumn, refColumn, timestampColumns, versionColumn } from '../columns.js';

export type ObservationStatus = 'registered' | 'preliminary' | 'final' | 'amended' | 'corrected' | 'cancelled' | 'entered-in-error';

/** One component of a panel, e.g. systolic 8480-6 of the blood pressure panel 85354-9. */
export interface ObservationComponent {
  code: string;
  display: string;
  value: number;
  unit: string;
}

/** A measurement (FHIR Observation): a home reading, a vital sign, or a lab result imported from a partner. */
export class Observation extends Model<InferAttributes<Observation>, InferCreationAttributes<Observation>> {
  declare id: string;
  declare patientId: string;
  declare encounterId: string | null;
  declare status: ObservationStatus;
  /** observation-category code: vital-signs, laboratory … */
  declare category: string;
  declare codeSystem: string;
  declare code: string;
  declare display: string;
  declare effectiveAt: Date;
  /** The single value, when the observation has one (a panel has components instead). */
  declare valueNumber: number | null;
  /** UCUM unit code, e.g. mm[Hg], mg/dL, kg, /min. */
  declare valueUnit: string | null;
  /** JSON array of ObservationComponent for panels. */
  declare components: string | null;
  /** How the value was captured: sent by a device or typed by the patient. */
  declare entryMethod: 'device' | 'typed' | null;
  declare deviceName: string | null;
  declare diagnosticReportId: string | null;
  /** The partner node's FHIR base URL for an imported record; null when recorded here. */
  declare source: string | null;
  /** The record's id at `source`, for an imported record. */
  declare sourceId: CreationOptional<string | null>;
  declare versionId: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export function defineObservation(sequelize: Sequelize) {
  const ObservationModel = fresh(Observation);
  ObservationModel.init({
    id: idColumn,
    patientId: refColumn(false),
    encounterId: refColumn(true),
    status: { type: DataTypes.STRING(20), allowNull: false },
    category: { type: DataTypes.STRING(40), allowNull: false },
    codeSystem: { type: DataTypes.STRING(128), allowNull: false },
    code: { type: DataTypes.STRING(32), allowNull: false },
    display: { type: DataTypes.STRING(200), allowNull: false },
    effectiveAt: { type: DataTypes.DATE(3), allowNull: false },
    valueNumber: { type: DataTypes.DOUBLE, allowNull: true },
    valueUnit: { type: DataTypes.STRING(32), allowNull: true },
    components: { type: DataTypes.TEXT, allowNull: true },
    entryMethod: { type: DataTypes.STRING(10), allowNull: true },
    deviceName: { type: DataTypes.STRING(100), allowNull: true },
    diagnosticReportId: refColumn(true),
    source: { type: DataTypes.STRING(255), allowNull: true },
    sourceId: { type: DataTypes.STRING(64), allowNull: true },
    versionId: versionColumn,
    ...timestampColumns,
  }, { sequelize, tableName: 'observations' });
  return { Observation: ObservationModel };
}
