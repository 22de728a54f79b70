import {
  DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize,
} from 'sequelize';
import { fresh } from './fresh.js';
import { idColumn, versionColumn, timestampColumns } from '../columns.js';

/** v3-ActCode: AMB is an in-person ambulatory visit, VR a virtual (video) visit. */
/**
 * The R4 encounter classes (v3 ActEncounterCode, Encounter.class's binding): this hospital's own visits are AMB
 * (in person) or VR (video); the others come with imported records (a Synthea history's EMER).
 */
export type EncounterClass = 'AMB' | 'EMER' | 'FLD' | 'HH' | 'IMP' | 'ACUTE' | 'NONAC' | 'OBSENC' | 'PRENC' | 'SS' | 'VR';
export type EncounterStatus = 'planned' | 'arrived' | 'in-progress' | 'finished' | 'cancelled' | 'entered-in-error';

export class Encounter extends Model<InferAttributes<Encounter>, InferCreationAttributes<Encounter>> {
  declare id: string;
  declare patientId: string;
  declare practitionerId: string | null;
  declare organizationId: string | null;
  declare encounterClass: EncounterClass;
  declare status: EncounterStatus;
  declare periodStart: Date | null;
  declare periodEnd: Date | null;
  /** Where the record came from when it was imported from a partner node (its FHIR base URL); null when ours. */
  declare source: string | null;
  /** The record's id at `source`, for an imported record. */
  declare sourceId: CreationOptional<string | null>;
  /** The booked appointment this visit happens in, when it was booked online. */
  declare appointmentId: CreationOptional<string | null>;
  declare versionId: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export type ConditionClinicalStatus = 'active' | 'recurrence' | 'relapse' | 'inactive' | 'remission' | 'resolved';
export type ConditionVerificationStatus =
  'unconfirmed' | 'provisional' | 'differential' | 'confirmed' | 'refuted' | 'entered-in-error';

export class Condition extends Model<InferAttributes<Condition>, InferCreationAttributes<Condition>> {
  declare id: string;
  declare patientId: string;
  declare encounterId: string | null;
  declare recorderId: string | null;
  declare codeSystem: string;
  declare code: string;
  declare display: string;
  declare clinicalStatus: ConditionClinicalStatus;
  declare verificationStatus: ConditionVerificationStatus;
  declare onsetDate: string | null;
  declare recordedAt: Date;
  declare source: string | null;
  /** The record's id at `source`, for an imported record. */
  declare sourceId: CreationOptional<string | null>;
  declare versionId: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}


export function defineClinical(sequelize: Sequelize) {
  const EncounterModel = fresh(Encounter);
  EncounterModel.init({
    id: idColumn,
    patientId: { type: DataTypes.STRING(64), allowNull: false },
    practitionerId: { type: DataTypes.STRING(64), allowNull: true },
    organizationId: { type: DataTypes.STRING(64), allowNull: true },
    encounterClass: { type: DataTypes.STRING(8), allowNull: false },
    status: { type: DataTypes.STRING(20), allowNull: false },
    periodStart: { type: DataTypes.DATE(3), allowNull: true },
    periodEnd: { type: DataTypes.DATE(3), allowNull: true },
    source: { type: DataTypes.STRING(255), allowNull: true },
    sourceId: { type: DataTypes.STRING(64), allowNull: true },
    appointmentId: { type: DataTypes.STRING(64), allowNull: true },
    versionId: versionColumn,
    ...timestampColumns,
  }, { sequelize, tableName: 'encounters' });

  const ConditionModel = fresh(Condition);
  ConditionModel.init({
    id: idColumn,
    patientId: { type: DataTypes.STRING(64), allowNull: false },
    encounterId: { type: DataTypes.STRING(64), allowNull: true },
    recorderId: { type: DataTypes.STRING(64), allowNull: true },
    codeSystem: { type: DataTypes.STRING(128), allowNull: false },
    code: { type: DataTypes.STRING(32), allowNull: false },
    display: { type: DataTypes.STRING(200), allowNull: false },
    clinicalStatus: { type: DataTypes.STRING(20), allowNull: false },
    verificationStatus: { type: DataTypes.STRING(20), allowNull: false },
    onsetDate: { type: DataTypes.DATEONLY, allowNull: true },
    recordedAt: { type: DataTypes.DATE(3), allowNull: false },
    source: { type: DataTypes.STRING(255), allowNull: true },
    sourceId: { type: DataTypes.STRING(64), allowNull: true },
    versionId: versionColumn,
    ...timestampColumns,
  }, { sequelize, tableName: 'conditions' });
  return { Encounter: EncounterModel, Condition: ConditionModel };
}
