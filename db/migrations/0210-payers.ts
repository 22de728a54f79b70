import { DataTypes, type QueryInterface } from 'sequelize';
import type { Migration } from './index.js';

/**
 * Payers (docs/billing.md "Payers"): whether a payer Organization has an internet-care agreement with this hospital
 * (the charges rule `payer-no-agreement` reads it), and which registered system client speaks for a payer (an
 * insurer's claims system signs in with private_key_jwt like a partner node, and acts as that payer).
 */
export const payers: Migration = {
  name: '0210-payers',
  async up({ context: q }: { context: QueryInterface }) {
    await q.addColumn('organizations', 'internetCareAgreement', { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false });
    await q.addColumn('partners', 'payorId', { type: DataTypes.STRING(64), allowNull: true });
  },
  async down({ context: q }: { context: QueryInterface }) {
    await q.removeColumn('partners', 'payorId');
    await q.removeColumn('organizations', 'internetCareAgreement');
  },
};
