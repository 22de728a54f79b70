import {
  DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize,
} from 'sequelize';
import { fresh } from './fresh.js';
import { idColumn, refColumn, versionColumn, timestampColumns } from '../columns.js';

export type VisitType = 'video-follow-up' | 'in-person';
export const VISIT_TYPES: VisitType[] = ['video-follow-up', 'in-person'];

/** A doctor's bookable calendar (FHIR Schedule): how slots are cut and in which time zone. */
export class Schedule extends Model<InferAttributes<Schedule>, InferCreationAttributes<Schedule>> {
  declare id: string;
  declare practitionerId: string;
  /** IANA zone the weekly rules are written in, e.g. Asia/Shanghai. */
  declare timeZone: string;
  declare slotMinutes: number;
  declare bufferMinutes: number;
  /** How many days ahead slots are generated. */
  declare horizonDays: number;
  declare active: CreationOptional<boolean>;
  declare versionId: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

/** One weekly opening: on `weekday` (1 = Monday … 7 = Sunday) from `startTime` to `endTime`, local time. */
export class AvailabilityRule extends Model<InferAttributes<AvailabilityRule>, InferCreationAttributes<AvailabilityRule>> {
  declare id: string;
  declare scheduleId: string;
  declare weekday: number;
  /** HH:MM, local to the schedule's time zone. */
  declare startTime: string;
  declare endTime: string;
  /** Comma-separated VisitType values offered in this opening. */
  declare visitTypes: string;
  /** Null for a weekly opening; YYYY-MM-DD (schedule's zone) for extra hours on that date only (`weekday` is its weekday). */
  declare date: CreationOptional<string | null>;
}

/** A date on which the weekly rules do not apply (holiday, day off). */
export class ScheduleException extends Model<InferAttributes<ScheduleException>, InferCreationAttributes<ScheduleException>> {
  declare id: string;
  declare scheduleId: string;
  /** YYYY-MM-DD in the schedule's time zone. */
  declare date: string;
  declare reason: string | null;
}

export type SlotStatus = 'free' | 'busy' | 'busy-unavailable';

/** A bookable interval (FHIR Slot). Times are UTC. */
export class Slot extends Model<InferAttributes<Slot>, InferCreationAttributes<Slot>> {
  declare id: string;
  declare scheduleId: string;
  declare practitionerId: string;
  declare start: Date;
  declare end: Date;
  declare visitTypes: string;
  declare status: SlotStatus;
  declare versionId: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export type AppointmentStatus = 'proposed' | 'booked' | 'arrived' | 'fulfilled' | 'cancelled' | 'noshow' | 'entered-in-error';

/** A booking of one slot by one patient (FHIR Appointment). Times are UTC. */
export class Appointment extends Model<InferAttributes<Appointment>, InferCreationAttributes<Appointment>> {
  declare id: string;
  declare slotId: string;
  /**
   * The slot while this appointment holds it, null once it lets it go (cancelled, entered-in-error).
   * Unique: the database itself allows one holder per slot (NULLs do not collide on SQLite or MySQL).
   */
  declare heldSlotId: string | null;
  declare patientId: string;
  declare practitionerId: string;
  declare visitType: VisitType;
  declare status: AppointmentStatus;
  declare start: Date;
  declare end: Date;
  /** The Condition this follow-up is about. */
  declare reasonConditionId: string | null;
  declare cancellationReason: string | null;
  declare cancelledAt: Date | null;
  declare versionId: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}


export function defineScheduling(sequelize: Sequelize) {
  const ScheduleModel = fresh(Schedule);
  ScheduleModel.init({
    id: idColumn,
    practitionerId: refColumn(false),
    timeZone: { type: DataTypes.STRING(64), allowNull: false },
    slotMinutes: { type: DataTypes.INTEGER, allowNull: false },
    bufferMinutes: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    horizonDays: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 14 },
    active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    versionId: versionColumn,
    ...timestampColumns,
  }, { sequelize, tableName: 'schedules' });

  const AvailabilityRuleModel = fresh(AvailabilityRule);
  AvailabilityRuleModel.init({
    id: idColumn,
    scheduleId: refColumn(false),
    weekday: { type: DataTypes.INTEGER, allowNull: false },
    startTime: { type: DataTypes.STRING(5), allowNull: false },
    endTime: { type: DataTypes.STRING(5), allowNull: false },
    visitTypes: { type: DataTypes.STRING(100), allowNull: false },
    date: { type: DataTypes.DATEONLY, allowNull: true },
  }, { sequelize, tableName: 'availability_rules', timestamps: false });

  const ScheduleExceptionModel = fresh(ScheduleException);
  ScheduleExceptionModel.init({
    id: idColumn,
    scheduleId: refColumn(false),
    date: { type: DataTypes.DATEONLY, allowNull: false },
    reason: { type: DataTypes.STRING(200), allowNull: true },
  }, { sequelize, tableName: 'schedule_exceptions', timestamps: false });

  const SlotModel = fresh(Slot);
  SlotModel.init({
    id: idColumn,
    scheduleId: refColumn(false),
    practitionerId: refColumn(false),
    start: { type: DataTypes.DATE(3), allowNull: false },
    end: { type: DataTypes.DATE(3), allowNull: false },
    visitTypes: { type: DataTypes.STRING(100), allowNull: false },
    status: { type: DataTypes.STRING(20), allowNull: false },
    versionId: versionColumn,
    ...timestampColumns,
  }, { sequelize, tableName: 'slots' });

  const AppointmentModel = fresh(Appointment);
  AppointmentModel.init({
    id: idColumn,
    slotId: refColumn(false),
    heldSlotId: { type: DataTypes.STRING(64), allowNull: true, unique: true },
    patientId: refColumn(false),
    practitionerId: refColumn(false),
    visitType: { type: DataTypes.STRING(20), allowNull: false },
    status: { type: DataTypes.STRING(20), allowNull: false },
    start: { type: DataTypes.DATE(3), allowNull: false },
    end: { type: DataTypes.DATE(3), allowNull: false },
    reasonConditionId: refColumn(true),
    cancellationReason: { type: DataTypes.STRING(500), allowNull: true },
    cancelledAt: { type: DataTypes.DATE(3), allowNull: true },
    versionId: versionColumn,
    ...timestampColumns,
  }, { sequelize, tableName: 'appointments' });

  return {
    Schedule: ScheduleModel, AvailabilityRule: AvailabilityRuleModel, ScheduleException: ScheduleExceptionModel,
    Slot: SlotModel, Appointment: AppointmentModel,
  };
}
