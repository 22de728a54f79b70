import { DataTypes, type QueryInterface } from 'sequelize';
import type { Migration } from './index.js';

/**
 * Lock counters that the booking and scheduling transactions increment first (server/appointments/locks.ts).
 * An UPDATE is a write, which a Galera cluster certifies across nodes; a `SELECT … FOR UPDATE` held on one node
 * only, so two overlapping bookings of one patient through two nodes were both saved (issue 15).
 */
export const bookingLocks: Migration = {
  name: '0240-booking-locks',
  async up({ context: q }: { context: QueryInterface }) {
    await q.addColumn('patients', 'bookingLock', { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 });
    await q.addColumn('practitioners', 'scheduleLock', { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 });
  },
  async down({ context: q }: { context: QueryInterface }) {
    await q.removeColumn('practitioners', 'scheduleLock');
    await q.removeColumn('patients', 'bookingLock');
  },
};
