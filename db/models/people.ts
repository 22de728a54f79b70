import {
  DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize,
} from 'sequelize';
import { fresh } from './fresh.js';
import { idColumn, versionColumn, timestampColumns } from '../columns.js';

export type OrganizationKind = 'hospital' | 'payer' | 'pharmacy';

export class Organization extends Model<InferAttributes<Organization>, InferCreationAttributes<Organization>> {
  declare id: string;
  declare name: string;
  declare kind: OrganizationKind;
  /** A national or payer identifier (e.g. an NPI, a payer id); unique when present. */
  declare identifier: string | null;
  /** A payer's internet-care agreement with this hospital (migration 0210; docs/billing.md "Payers"). */
  declare internetCareAgreement?: CreationOptional<boolean>;
  declare versionId: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export type Gender = 'male' | 'female' | 'other' | 'unknown';

export class Patient extends Model<InferAttributes<Patient>, InferCreationAttributes<Patient>> {
  declare id: string;
  declare familyName: string;
  declare givenName: string;
  declare birthDate: string | null;
  declare gender: Gender;
  declare phone: string | null;
  declare email: string | null;
  /** IANA zone the patient sees times in, e.g. Asia/Shanghai. */
  declare timeZone: string;
  declare versionId: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export class Practitioner extends Model<InferAttributes<Practitioner>, InferCreationAttributes<Practitioner>> {
  declare id: string;
  declare familyName: string;
  declare givenName: string;
  /** Specialty code (SNOMED CT practice setting), e.g. 419192003 internal medicine. */
  declare specialtyCode: string | null;
  declare specialtyDisplay: string | null;
  declare organizationId: string;
  declare versionId: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export class Coverage extends Model<InferAttributes<Coverage>, InferCreationAttributes<Coverage>> {
  declare id: string;
  declare patientId: string;
  declare payorId: string;
  declare memberId: string;
  declare status: 'active' | 'cancelled' | 'draft' | 'entered-in-error';
  declare periodStart: string | null;
  declare periodEnd: string | null;
  declare versionId: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}


export function definePeople(sequelize: Sequelize) {
  const OrganizationModel = fresh(Organization);
  OrganizationModel.init({
    id: idColumn,
    name: { type: DataTypes.STRING(200), allowNull: false },
    kind: { type: DataTypes.STRING(16), allowNull: false },
    identifier: { type: DataTypes.STRING(64), allowNull: true, unique: true },
    internetCareAgreement: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    versionId: versionColumn,
    ...timestampColumns,
  }, { sequelize, tableName: 'organizations' });

  const PatientModel = fresh(Patient);
  PatientModel.init({
    id: idColumn,
    familyName: { type: DataTypes.STRING(100), allowNull: false },
    givenName: { type: DataTypes.STRING(100), allowNull: false },
    birthDate: { type: DataTypes.DATEONLY, allowNull: true },
    gender: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'unknown' },
    phone: { type: DataTypes.STRING(32), allowNull: true },
    email: { type: DataTypes.STRING(254), allowNull: true },
    timeZone: { type: DataTypes.STRING(64), allowNull: false, defaultValue: 'UTC' },
    versionId: versionColumn,
    ...timestampColumns,
  }, { sequelize, tableName: 'patients' });

  const PractitionerModel = fresh(Practitioner);
  PractitionerModel.init({
    id: idColumn,
    familyName: { type: DataTypes.STRING(100), allowNull: false },
    givenName: { type: DataTypes.STRING(100), allowNull: false },
    specialtyCode: { type: DataTypes.STRING(32), allowNull: true },
    specialtyDisplay: { type: DataTypes.STRING(100), allowNull: true },
    organizationId: { type: DataTypes.STRING(64), allowNull: false },
    versionId: versionColumn,
    ...timestampColumns,
  }, { sequelize, tableName: 'practitioners' });

  const CoverageModel = fresh(Coverage);
  CoverageModel.init({
    id: idColumn,
    patientId: { type: DataTypes.STRING(64), allowNull: false },
    payorId: { type: DataTypes.STRING(64), allowNull: false },
    memberId: { type: DataTypes.STRING(64), allowNull: false },
    status: { type: DataTypes.STRING(20), allowNull: false },
    periodStart: { type: DataTypes.DATEONLY, allowNull: true },
    periodEnd: { type: DataTypes.DATEONLY, allowNull: true },
    versionId: versionColumn,
    ...timestampColumns,
  }, { sequelize, tableName: 'coverages' });
  return { Organization: OrganizationModel, Patient: PatientModel, Practitioner: PractitionerModel, Coverage: CoverageModel };
}
