import { DataTypes, type QueryInterface } from 'sequelize';
import type { Migration } from './index.js';
import { idColumn, refColumn, versionColumn, timestampColumns } from '../columns.js';


export const scheduling: Migration = {
  name: '0002-scheduling',
  async up({ context: q }: { context: QueryInterface }) {
    await q.createTable('schedules', {
      id: idColumn,
      practitionerId: refColumn(false),
      timeZone: { type: DataTypes.STRING(64), allowNull: false },
      slotMinutes: { type: DataTypes.INTEGER, allowNull: false },
      bufferMinutes: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      horizonDays: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 14 },
      active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
      versionId: versionColumn,
      ...timestampColumns,
    });
    await q.addIndex('schedules', ['practitionerId']);
    await q.createTable('availability_rules', {
      id: idColumn,
      scheduleId: refColumn(false),
      weekday: { type: DataTypes.INTEGER, allowNull: false },
      startTime: { type: DataTypes.STRING(5), allowNull: false },
      endTime: { type: DataTypes.STRING(5), allowNull: false },
      visitTypes: { type: DataTypes.STRING(100), allowNull: false },
    });
    await q.addIndex('availability_rules', ['scheduleId']);
    await q.createTable('schedule_exceptions', {
      id: idColumn,
      scheduleId: refColumn(false),
      date: { type: DataTypes.DATEONLY, allowNull: false },
      reason: { type: DataTypes.STRING(200), allowNull: true },
    });
    await q.addIndex('schedule_exceptions', ['scheduleId', 'date'], { unique: true });
    await q.createTable('slots', {
      id: idColumn,
      scheduleId: refColumn(false),
      practitionerId: refColumn(false),
      start: { type: DataTypes.DATE(3), allowNull: false },
      end: { type: DataTypes.DATE(3), allowNull: false },
      visitTypes: { type: DataTypes.STRING(100), allowNull: false },
      status: { type: DataTypes.STRING(20), allowNull: false },
      versionId: versionColumn,
      ...timestampColumns,
    });
    await q.addIndex('slots', ['scheduleId', 'start'], { unique: true });
    await q.addIndex('slots', ['practitionerId', 'status', 'start']);
    await q.createTable('appointments', {
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
    });
    await q.addIndex('appointments', ['patientId', 'start']);
    await q.addIndex('appointments', ['practitionerId', 'start']);
    await q.addColumn('encounters', 'appointmentId', { type: DataTypes.STRING(64), allowNull: true });
    await q.addIndex('encounters', ['appointmentId'], { unique: true });
  },
  async down({ context: q }: { context: QueryInterface }) {
    await q.removeIndex('encounters', ['appointmentId']);
    await q.removeColumn('encounters', 'appointmentId');
    for (const table of ['appointments', 'slots', 'schedule_exceptions', 'availability_rules', 'schedules']) {
      await q.dropTable(table);
    }
  },
};
