import {
  DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize,
} from 'sequelize';
import { fresh } from './fresh.js';
import { idColumn, versionColumn, timestampColumns } from '../columns.js';

/** An entry of the drug catalogue; narcotic and psychotropic drugs are never prescribed online. */
export class Drug extends Model<InferAttributes<Drug>, InferCreationAttributes<Drug>> {
  declare code: string;
  declare name: string;
  declare form: string;
  declare strength: string;
  declare route: string;
  declare narcotic: boolean;
  declare psychotropic: boolean;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

/**
 * A prescription's life (docs/prescriptions.md): pending-review → ready (approved) → in-progress (accepted by one
 * pharmacy) → completed; pending-review → rejected (back to the doctor); pending-review | rejected | ready → cancelled.
 */
export type PrescriptionStatus = 'pending-review' | 'rejected' | 'ready' | 'in-progress' | 'completed' | 'cancelled';

export class Prescription extends Model<InferAttributes<Prescription>, InferCreationAttributes<Prescription>> {
  declare id: string;
  /** The prescription number: the MedicationRequests' groupIdentifier. */
  declare number: string;
  declare patientId: string;
  declare prescriberId: string;
  declare encounterId: string;
  declare status: PrescriptionStatus;
  declare issuedAt: Date;
  declare validUntil: Date;
  declare validityReason: string | null;
  declare chronicConditionCode: string | null;
  declare replacesId: string | null;
  /** The exact bytes that were signed (RFC 8785 canonical JSON), kept as they were. */
  declare signedContent: string;
  /** Detached compact JWS: `<protected header>..<signature>`. */
  declare signature: string;
  declare kid: string;
  declare accessCodeHash: string;
  declare reviewerId: string | null;
  declare reviewedAt: Date | null;
  declare reviewReasonCode: string | null;
  declare reviewNote: string | null;
  declare ownerPharmacy: string | null;
  declare secretHash: string | null;
  declare acceptedAt: Date | null;
  declare completedAt: Date | null;
  declare receipt: string | null;
  declare cancelledAt: Date | null;
  declare versionId: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

/** One MedicationRequest of a prescription. */
export class PrescriptionLine extends Model<InferAttributes<PrescriptionLine>, InferCreationAttributes<PrescriptionLine>> {
  declare id: string;
  declare prescriptionId: string;
  declare lineNo: number;
  declare drugCode: string;
  declare drugName: string;
  declare dose: string;
  declare frequency: string;
  declare quantity: number;
  declare supplyDays: number;
  declare versionId: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export class MedicationDispense extends Model<InferAttributes<MedicationDispense>, InferCreationAttributes<MedicationDispense>> {
  declare id: string;
  declare prescriptionId: string;
  declare lineNo: number;
  declare drugCode: string;
  declare quantity: number;
  declare pharmacy: string;
  declare dispensedAt: Date;
  declare versionId: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

/** The first response to a request carrying an Idempotency-Key, replayed to retries (server/http/idempotency.ts). */
export class IdempotencyKey extends Model<InferAttributes<IdempotencyKey>, InferCreationAttributes<IdempotencyKey>> {
  declare id: string;
  declare scope: string;
  declare fingerprint: string;
  declare state: 'pending' | 'done';
  declare responseStatus: number | null;
  declare responseType: string | null;
  declare responseBody: string | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

const id = idColumn;
const str = (n: number, allowNull = false) => ({ type: DataTypes.STRING(n), allowNull });
const time = (allowNull = false) => ({ type: DataTypes.DATE(3), allowNull });
const int = () => ({ type: DataTypes.INTEGER, allowNull: false });
const versionId = versionColumn;
const timestamps = timestampColumns;

export function definePrescriptions(sequelize: Sequelize) {
  const DrugModel = fresh(Drug);
  DrugModel.init({
    code: { type: DataTypes.STRING(32), primaryKey: true },
    name: str(200), form: str(60), strength: str(60), route: str(40),
    narcotic: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    psychotropic: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    ...timestamps,
  }, { sequelize, tableName: 'drugs' });

  const PrescriptionModel = fresh(Prescription);
  PrescriptionModel.init({
    id, number: str(40), patientId: str(64), prescriberId: str(64), encounterId: str(64), status: str(20),
    issuedAt: time(), validUntil: time(), validityReason: str(500, true), chronicConditionCode: str(32, true),
    replacesId: str(64, true), signedContent: { type: DataTypes.TEXT, allowNull: false },
    signature: { type: DataTypes.TEXT, allowNull: false }, kid: str(64), accessCodeHash: str(64),
    reviewerId: str(64, true), reviewedAt: time(true), reviewReasonCode: str(40, true), reviewNote: str(500, true),
    ownerPharmacy: str(255, true), secretHash: str(64, true), acceptedAt: time(true), completedAt: time(true),
    receipt: { type: DataTypes.TEXT, allowNull: true }, cancelledAt: time(true),
    versionId, ...timestamps,
  }, { sequelize, tableName: 'prescriptions' });

  const LineModel = fresh(PrescriptionLine);
  LineModel.init({
    id, prescriptionId: str(64), lineNo: int(), drugCode: str(32), drugName: str(200), dose: str(100),
    frequency: str(100), quantity: int(), supplyDays: int(), versionId, ...timestamps,
  }, { sequelize, tableName: 'prescription_lines' });

  const DispenseModel = fresh(MedicationDispense);
  DispenseModel.init({
    id, prescriptionId: str(64), lineNo: int(), drugCode: str(32), quantity: int(), pharmacy: str(255),
    dispensedAt: time(), versionId, ...timestamps,
  }, { sequelize, tableName: 'medication_dispenses' });

  const IdempotencyModel = fresh(IdempotencyKey);
  IdempotencyModel.init({
    id, scope: str(191), fingerprint: str(64), state: str(12), responseStatus: { type: DataTypes.INTEGER, allowNull: true },
    responseType: str(100, true), responseBody: { type: DataTypes.TEXT, allowNull: true }, ...timestamps,
  }, { sequelize, tableName: 'idempotency_keys' });

  return {
    Drug: DrugModel, Prescription: PrescriptionModel, PrescriptionLine: LineModel,
    MedicationDispense: DispenseModel, IdempotencyKey: IdempotencyModel,
  };
}
