import { DataTypes, type QueryInterface } from 'sequelize';
import type { Migration } from './index.js';

/**
 * Extra hours on one date (the doctor's availability page, issue 14): an opening with a `date` holds on that date
 * only, besides (or, on a day off, instead of) the weekly ones; weekly openings keep `date` null.
 */
export const datedOpenings: Migration = {
  name: '0290-dated-openings',
  async up({ context: q }: { context: QueryInterface }) {
    await q.addColumn('availability_rules', 'date', { type: DataTypes.DATEONLY, allowNull: true });
  },
  async down({ context: q }: { context: QueryInterface }) {
    await q.removeColumn('availability_rules', 'date');
  },
};
