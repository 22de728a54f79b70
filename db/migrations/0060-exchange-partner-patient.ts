import { DataTypes } from 'sequelize';
import type { Migration } from './index.js';

/** The patient's id at the partner node, given when the consent is granted: what a pull searches for there. */
export const exchangePartnerPatient: Migration = {
  name: '0060-exchange-partner-patient',
  async up({ context: q }) {
    await q.addColumn('consents', 'partnerPatientId', { type: DataTypes.STRING(64), allowNull: true });
  },
  async down({ context: q }) {
    await q.removeColumn('consents', 'partnerPatientId');
  },
};
